// The connection against a scripted peer over in-memory pipes: typed results, typed errors,
// notifications, per-request progress, $/cancelRequest, engine-to-client requests, and a peer
// that goes away.
package dev.podloop.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.podloop.client.protocol.Errors.NotSupportedYetData;
import dev.podloop.client.protocol.ErrorCodes;
import dev.podloop.client.protocol.Lifecycle.EngineLogParams;
import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.Progress.WorkDoneProgressValue;
import dev.podloop.client.protocol.Workloads.WorkloadKind;
import dev.podloop.client.protocol.Workloads.WorkloadsListParams;
import dev.podloop.client.protocol.Workloads.WorkloadsListResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class JsonRpcConnectionTest {
  private OutputStream peerOut;
  private InputStream peerIn;
  private JsonRpcConnection connection;
  private PodloopClient client;
  private final BlockingQueue<String> logged = new LinkedBlockingQueue<>();

  @Before
  public void connect() throws IOException {
    Pipe toClient = Pipe.open();
    Pipe toPeer = Pipe.open();
    peerOut = Channels.newOutputStream(toClient.sink());
    peerIn = Channels.newInputStream(toPeer.source());
    connection = new JsonRpcConnection(Channels.newInputStream(toClient.source()), Channels.newOutputStream(toPeer.sink()), logged::add);
    client = new PodloopClient(connection);
  }

  @After
  public void disconnect() throws IOException {
    connection.close();
    peerOut.close();
    peerIn.close();
  }

  private JsonObject receive() throws IOException {
    byte[] body = MessageFraming.readFrame(peerIn);
    assertTrue("the client sent a message", body != null);
    return JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  private void send(String json) throws IOException {
    MessageFraming.writeFrame(peerOut, json);
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(5, TimeUnit.SECONDS);
  }

  @Test(timeout = 10_000)
  public void aResultIsDeserialisedIntoTheProtocolRecord() throws Exception {
    connection.start();
    CompletableFuture<WorkloadsListResult> answer =
        client.workloadsList(new WorkloadsListParams("shop", null, List.of(WorkloadKind.Deployment), null));
    JsonObject request = receive();
    assertEquals("workloads/list", request.get("method").getAsString());
    assertEquals("{\"namespace\":\"shop\",\"kinds\":[\"Deployment\"]}", request.get("params").toString());
    send("{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"result\":{\"items\":[{\"kind\":\"Deployment\",\"name\":\"wéb\","
        + "\"namespace\":\"shop\",\"replicas\":2,\"readyReplicas\":1,\"containers\":[\"app\"],\"images\":[\"nginx\"],\"devMode\":false}]}}");
    WorkloadsListResult result = await(answer);
    assertEquals(1, result.items().size());
    assertEquals("wéb", result.items().get(0).name());
    assertEquals(WorkloadKind.Deployment, result.items().get(0).kind());
    assertEquals(2, result.items().get(0).replicas());
  }

  @Test(timeout = 10_000)
  public void anErrorAnswerBecomesAnEngineExceptionWithCodeAndData() throws Exception {
    connection.start();
    CompletableFuture<?> answer = client.devStart(dev.podloop.client.protocol.Dev.DevStartParams.of(WorkloadKind.Deployment, "web", null));
    JsonObject request = receive();
    send("{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id")
        + ",\"error\":{\"code\":-32010,\"message\":\"dev/start is not supported yet\",\"data\":{\"method\":\"dev/start\"}}}");
    try {
      await(answer);
      fail("expected an error");
    } catch (ExecutionException e) {
      EngineException error = (EngineException) e.getCause();
      assertEquals(ErrorCodes.NotSupportedYet, error.code());
      assertEquals("NotSupportedYet", error.codeName());
      assertEquals("dev/start", error.dataAs(NotSupportedYetData.class).method());
    }
  }

  @Test(timeout = 10_000)
  public void notificationsReachTheirListenersInOrder() throws Exception {
    BlockingQueue<EngineLogParams> seen = new LinkedBlockingQueue<>();
    Subscription subscription = client.onEngineLog(seen::add);
    connection.start();
    send("{\"jsonrpc\":\"2.0\",\"method\":\"engine/log\",\"params\":{\"level\":\"info\",\"message\":\"one\",\"time\":\"t\"}}");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"engine/log\",\"params\":{\"level\":\"warn\",\"message\":\"two\",\"time\":\"t\"}}");
    assertEquals("one", seen.poll(5, TimeUnit.SECONDS).message());
    assertEquals("warn", seen.poll(5, TimeUnit.SECONDS).level());
    subscription.close();
    send("{\"jsonrpc\":\"2.0\",\"method\":\"engine/log\",\"params\":{\"level\":\"info\",\"message\":\"three\",\"time\":\"t\"}}");
    // A request answered after the third notification proves it was dispatched (and dropped).
    CompletableFuture<Void> barrier = client.shutdown();
    send("{\"jsonrpc\":\"2.0\",\"id\":" + receive().get("id") + ",\"result\":null}");
    await(barrier);
    assertTrue(seen.isEmpty());
  }

  @Test(timeout = 10_000)
  public void progressOnTheRequestsTokenReachesItsListenerBeforeTheResult() throws Exception {
    connection.start();
    List<WorkDoneProgressValue> values = new CopyOnWriteArrayList<>();
    CompletableFuture<WorkloadsListResult> answer =
        client.workloadsList(new WorkloadsListParams(null, true, null, null), values::add);
    JsonObject request = receive();
    String token = request.getAsJsonObject("params").get("workDoneToken").getAsString();
    send("{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{\"token\":\"other\",\"value\":{\"kind\":\"begin\",\"title\":\"x\"}}}");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{\"token\":\"" + token + "\",\"value\":{\"kind\":\"begin\",\"title\":\"Listing\",\"percentage\":0}}}");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{\"token\":\"" + token + "\",\"value\":{\"kind\":\"end\"}}}");
    send("{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"result\":{\"items\":[]}}");
    await(answer);
    assertEquals(2, values.size());
    assertEquals("Listing", values.get(0).title());
    assertTrue(values.get(1).isEnd());
  }

  @Test(timeout = 10_000)
  public void cancellingAFutureSendsCancelRequestWithItsId() throws Exception {
    connection.start();
    CompletableFuture<WorkloadsListResult> answer = client.workloadsList(new WorkloadsListParams(null, null, null, null));
    JsonObject request = receive();
    assertTrue(answer.cancel(true));
    JsonObject cancel = receive();
    assertEquals("$/cancelRequest", cancel.get("method").getAsString());
    assertEquals(request.get("id"), cancel.getAsJsonObject("params").get("id"));
    assertFalse(cancel.has("id"));
    // The engine's late Cancelled answer is expected and harmless.
    send("{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"error\":{\"code\":-32800,\"message\":\"cancelled\"}}");
    try {
      answer.get();
      fail("expected cancellation");
    } catch (CancellationException expected) {
      assertEquals(0, connection.pendingRequests());
    }
  }

  @Test(timeout = 10_000)
  public void aTimedOutRequestIsCancelledOnTheEngineToo() throws Exception {
    connection.start();
    client.sandboxStatus(new dev.podloop.client.protocol.Sandbox.SandboxParams(null, null, null)).orTimeout(50, TimeUnit.MILLISECONDS);
    JsonObject request = receive();
    JsonObject cancel = receive();
    assertEquals(Methods.CANCEL_REQUEST, cancel.get("method").getAsString());
    assertEquals(request.get("id"), cancel.getAsJsonObject("params").get("id"));
  }

  @Test(timeout = 10_000)
  public void requestsFromTheEngineAreAnsweredAndUnknownOnesGetMethodNotFound() throws Exception {
    connection.onRequest("window/workDoneProgress/create", params -> null);
    connection.start();
    send("{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"window/workDoneProgress/create\",\"params\":{\"token\":\"t\"}}");
    JsonObject answer = receive();
    assertEquals("s1", answer.get("id").getAsString());
    assertTrue(answer.has("result"));
    assertTrue(answer.get("result").isJsonNull());
    send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"client/unknown\"}");
    JsonObject unknown = receive();
    assertEquals(7, unknown.get("id").getAsInt());
    assertEquals(ErrorCodes.MethodNotFound, unknown.getAsJsonObject("error").get("code").getAsInt());
  }

  @Test(timeout = 10_000)
  public void pendingRequestsFailWhenTheEngineGoesAway() throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    connection.onClose(() -> closed.complete(null));
    connection.start();
    CompletableFuture<?> answer = client.devStatus(new dev.podloop.client.protocol.Dev.DevStatusParams(null));
    receive();
    peerOut.close();
    try {
      await(answer);
      fail("expected a failure");
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof ConnectionClosedException);
    }
    await(closed);
    assertTrue(connection.isClosed());
    // Requests after the end fail at once instead of hanging.
    CompletableFuture<?> late = client.devStatus(new dev.podloop.client.protocol.Dev.DevStatusParams(null));
    assertTrue(late.isCompletedExceptionally());
  }

  @Test(timeout = 10_000)
  public void garbageBetweenMessagesIsLoggedAndSkipped() throws Exception {
    connection.start();
    MessageFraming.writeFrame(peerOut, "not json at all {");
    CompletableFuture<Void> answer = client.shutdown();
    send("{\"jsonrpc\":\"2.0\",\"id\":" + receive().get("id") + ",\"result\":null}");
    assertNull(await(answer));
    assertTrue(String.join("\n", logged), logged.stream().anyMatch(line -> line.contains("not JSON")));
  }

  @Test(timeout = 10_000)
  public void aLogStreamKeepsLinesThatArriveBeforeItsIdAndOnlyItsOwn() throws Exception {
    connection.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    CompletableFuture<LogStream> opened = LogStream.follow(client,
        new dev.podloop.client.protocol.Logs.LogsFollowParams(WorkloadKind.Deployment, "web", null, null, null, null, null),
        line -> lines.add(line.text()), () -> ended.complete(null));
    JsonObject request = receive();
    send("{\"jsonrpc\":\"2.0\",\"method\":\"logs/lines\",\"params\":{\"streamId\":\"s1\",\"lines\":[{\"pod\":\"p\",\"container\":\"c\",\"text\":\"early\"}]}}");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"logs/lines\",\"params\":{\"streamId\":\"other\",\"lines\":[{\"pod\":\"p\",\"container\":\"c\",\"text\":\"not mine\"}]}}");
    send("{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"result\":{\"streamId\":\"s1\"}}");
    LogStream stream = await(opened);
    assertEquals("s1", stream.streamId());
    send("{\"jsonrpc\":\"2.0\",\"method\":\"logs/lines\",\"params\":{\"streamId\":\"s1\",\"lines\":[{\"pod\":\"p\",\"container\":\"c\",\"text\":\"läter\"}],\"end\":true}}");
    await(ended);
    assertEquals(List.of("early", "läter"), lines);
    CompletableFuture<Void> stopped = stream.stop();
    JsonObject stop = receive();
    assertEquals("logs/stop", stop.get("method").getAsString());
    assertEquals("s1", stop.getAsJsonObject("params").get("streamId").getAsString());
    send("{\"jsonrpc\":\"2.0\",\"id\":" + stop.get("id") + ",\"result\":null}");
    await(stopped);
    assertTrue(stream.stop().isDone());
  }
}
