// LSP framing edge cases: headers split across reads, multi-byte UTF-8 lengths, back-to-back
// frames, and the ways a stream can end or lie.
package dev.podloop.client;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

public class MessageFramingTest {
  /** Hands out at most one byte per read, like a pipe under load. */
  private static final class TrickleStream extends InputStream {
    private final ByteArrayInputStream bytes;

    TrickleStream(byte[] data) {
      bytes = new ByteArrayInputStream(data);
    }

    @Override
    public int read() {
      return bytes.read();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      return length == 0 ? 0 : bytes.read(buffer, offset, 1);
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  public void aFrameArrivingOneByteAtATimeIsReadWhole() throws IOException {
    byte[] wire = ascii("Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}");
    byte[] body = MessageFraming.readFrame(new TrickleStream(wire));
    assertEquals("{\"jsonrpc\":\"2.0\"}", new String(body, StandardCharsets.UTF_8));
  }

  @Test
  public void contentLengthCountsUtf8BytesNotCharacters() throws IOException {
    String json = "{\"text\":\"héllo wörld 😀 日本\"}";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MessageFraming.writeFrame(out, json);
    int bytes = json.getBytes(StandardCharsets.UTF_8).length;
    String wire = out.toString(StandardCharsets.UTF_8);
    assertEquals("Content-Length: " + bytes + "\r\n\r\n" + json, wire);
    byte[] body = MessageFraming.readFrame(new TrickleStream(out.toByteArray()));
    assertEquals(json, new String(body, StandardCharsets.UTF_8));
  }

  @Test
  public void framesBackToBackInOneChunkAreReadInOrder() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MessageFraming.writeFrame(out, "{\"id\":1}");
    MessageFraming.writeFrame(out, "{\"id\":2,\"é\":true}");
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertEquals("{\"id\":1}", new String(MessageFraming.readFrame(in), StandardCharsets.UTF_8));
    assertEquals("{\"id\":2,\"é\":true}", new String(MessageFraming.readFrame(in), StandardCharsets.UTF_8));
    assertNull(MessageFraming.readFrame(in));
  }

  @Test
  public void headerNamesAreCaseInsensitiveAndOtherHeadersAreIgnored() throws IOException {
    byte[] wire = ascii("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}");
    assertArrayEquals(ascii("{}"), MessageFraming.readFrame(new TrickleStream(wire)));
  }

  @Test
  public void aCleanEndBetweenFramesIsNotAnError() throws IOException {
    assertNull(MessageFraming.readFrame(new ByteArrayInputStream(new byte[0])));
  }

  @Test
  public void aStreamEndingInsideTheBodyFails() {
    byte[] wire = ascii("Content-Length: 10\r\n\r\n{\"a\"");
    assertThrows(EOFException.class, () -> MessageFraming.readFrame(new ByteArrayInputStream(wire)));
  }

  @Test
  public void aStreamEndingInsideTheHeadersFails() {
    byte[] wire = ascii("Content-Len");
    assertThrows(EOFException.class, () -> MessageFraming.readFrame(new ByteArrayInputStream(wire)));
  }

  @Test
  public void headersWithoutContentLengthAreRejected() {
    byte[] wire = ascii("Content-Type: x\r\n\r\n{}");
    IOException error = assertThrows(IOException.class, () -> MessageFraming.readFrame(new ByteArrayInputStream(wire)));
    assertEquals("message without Content-Length header", error.getMessage());
  }

  @Test
  public void anAbsurdContentLengthIsRefusedBeforeAllocating() {
    byte[] wire = ascii("Content-Length: 2147483000\r\n\r\n");
    assertThrows(IOException.class, () -> MessageFraming.readFrame(new ByteArrayInputStream(wire)));
  }
}
