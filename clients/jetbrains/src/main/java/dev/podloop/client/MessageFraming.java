// LSP base-protocol framing: `Content-Length` headers (ASCII, CRLF) then a UTF-8 body of exactly
// that many bytes. Owns only bytes; it never looks inside a message.
package dev.podloop.client;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reads and writes LSP-framed messages. */
public final class MessageFraming {
  /** Bodies above this size are refused: a corrupt header must not allocate gigabytes. */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private static final int MAX_HEADER_BYTES = 8 * 1024;

  private MessageFraming() {}

  /**
   * Reads one message body. Returns null at a clean end of stream (between messages); throws
   * when the stream ends inside a message or the headers are malformed.
   */
  public static byte[] readFrame(InputStream in) throws IOException {
    int contentLength = -1;
    boolean sawHeader = false;
    while (true) {
      String line = readHeaderLine(in, sawHeader);
      if (line == null) return null;
      if (line.isEmpty()) {
        // Blank lines before any header are tolerated; after headers they end the block.
        if (sawHeader) break;
        continue;
      }
      sawHeader = true;
      int colon = line.indexOf(':');
      if (colon <= 0) throw new IOException("malformed header line: " + line);
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        try {
          contentLength = Integer.parseInt(value);
        } catch (NumberFormatException e) {
          throw new IOException("invalid Content-Length: " + value, e);
        }
      }
    }
    if (contentLength < 0) throw new IOException("message without Content-Length header");
    if (contentLength > MAX_MESSAGE_BYTES) {
      throw new IOException("message of " + contentLength + " bytes exceeds " + MAX_MESSAGE_BYTES);
    }
    byte[] body = in.readNBytes(contentLength);
    if (body.length != contentLength) {
      throw new EOFException("stream ended after " + body.length + " of " + contentLength + " body bytes");
    }
    return body;
  }

  /** One header line without its CRLF; null at end of stream before any byte of the frame. */
  private static String readHeaderLine(InputStream in, boolean inFrame) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b == -1) {
        if (!inFrame && line.size() == 0) return null;
        throw new EOFException("stream ended inside message headers");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
      }
      line.write(b);
      if (line.size() > MAX_HEADER_BYTES) throw new IOException("header line longer than " + MAX_HEADER_BYTES + " bytes");
    }
  }

  /** Writes one framed message and flushes; callers serialise concurrent writers. */
  public static void writeFrame(OutputStream out, byte[] body) throws IOException {
    byte[] header = ("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    out.write(header);
    out.write(body);
    out.flush();
  }

  /** Writes a JSON text framed, counting its UTF-8 bytes (not its chars). */
  public static void writeFrame(OutputStream out, String json) throws IOException {
    writeFrame(out, json.getBytes(StandardCharsets.UTF_8));
  }
}
