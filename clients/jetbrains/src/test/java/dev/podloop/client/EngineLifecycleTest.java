// The JVM client driving the real engine process: initialize and capabilities, cluster/contexts
// from a kubeconfig this test writes, typed errors, cancellation, clean stop and a crash.
package dev.podloop.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.podloop.client.protocol.Cluster.ClusterContextsParams;
import dev.podloop.client.protocol.Cluster.ClusterContextsResult;
import dev.podloop.client.protocol.Cluster.ContextInfo;
import dev.podloop.client.protocol.Dev.DevStatusParams;
import dev.podloop.client.protocol.ErrorCodes;
import dev.podloop.client.protocol.Errors.NotSupportedYetData;
import dev.podloop.client.protocol.Lifecycle.ClientCapabilities;
import dev.podloop.client.protocol.Lifecycle.EngineLogParams;
import dev.podloop.client.protocol.Lifecycle.InitializeParams;
import dev.podloop.client.protocol.Lifecycle.InitializeResult;
import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.Progress.WorkDoneProgressValue;
import dev.podloop.client.protocol.Workloads.WorkloadsListParams;
import dev.podloop.client.protocol.Workloads.WorkloadsListResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class EngineLifecycleTest {
  private Path dir;
  private EngineProcess engine;
  private PodloopClient client;

  @Before
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("podloop-jvm-");
    engine = EngineFixture.start();
    client = new PodloopClient(engine.connection());
  }

  @After
  public void tearDown() throws IOException {
    engine.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(20, TimeUnit.SECONDS);
  }

  private Path writeKubeconfig(String server) throws IOException {
    String yaml = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "current-context: beta",
        "clusters:",
        "- name: one",
        "  cluster:",
        "    server: " + server,
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: dev",
        "  user:",
        "    token: not-a-real-token",
        "contexts:",
        "- name: alpha",
        "  context:",
        "    cluster: one",
        "    user: dev",
        "- name: beta",
        "  context:",
        "    cluster: one",
        "    user: dev",
        "    namespace: shop",
        "");
    Path path = dir.resolve("kubeconfig");
    Files.writeString(path, yaml);
    return path;
  }

  private static EngineException engineError(CompletableFuture<?> future) throws Exception {
    try {
      future.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EngineException error) return error;
      throw e;
    }
    fail("expected an error answer");
    return null;
  }

  @Test(timeout = 60_000)
  public void initializeAnswersTheEnginesCapabilitiesAndAStopExitsWithZero() throws Exception {
    AtomicInteger unexpectedExits = new AtomicInteger();
    engine.onUnexpectedExit(code -> unexpectedExits.incrementAndGet());
    InitializeResult result = await(client.initialize(EngineFixture.initializeParams(null, "shop")));
    client.initialized();
    assertEquals("podloop-engine", result.serverInfo().name());
    assertFalse(result.serverInfo().version().isEmpty());
    assertTrue(result.capabilities().methods().contains(Methods.INITIALIZE));
    assertTrue(result.capabilities().methods().contains(Methods.WORKLOADS_LIST));
    assertTrue(result.capabilities().workDoneProgress());
    assertEquals("shop", result.namespace());
    assertFalse(result.engineId().isEmpty());
    assertEquals(0, engine.stop());
    assertEquals(Integer.valueOf(0), engine.exitCode().get(10, TimeUnit.SECONDS));
    assertEquals(0, engine.stop());
    assertFalse(engine.isAlive());
    assertEquals(0, unexpectedExits.get());
  }

  @Test(timeout = 60_000)
  public void clusterContextsListsTheContextsOfAKubeconfigInFileOrder() throws Exception {
    Path kubeconfig = writeKubeconfig("https://127.0.0.1:1");
    await(client.initialize(EngineFixture.initializeParams(kubeconfig.toString(), null)));
    ClusterContextsResult result = await(client.clusterContexts(new ClusterContextsParams(null)));
    assertEquals(kubeconfig.toString(), result.kubeconfig());
    assertEquals("beta", result.currentContext());
    assertEquals(List.of("alpha", "beta"), result.contexts().stream().map(ContextInfo::name).toList());
    ContextInfo beta = result.contexts().get(1);
    assertEquals("one", beta.cluster());
    assertEquals("https://127.0.0.1:1", beta.server());
    assertEquals("dev", beta.user());
    assertEquals("shop", beta.namespace());
  }

  @Test(timeout = 60_000)
  public void errorsArriveAsEngineExceptionsWithTheProtocolsCodes() throws Exception {
    EngineException early = engineError(client.devStatus(new DevStatusParams(null)));
    assertEquals(ErrorCodes.ServerNotInitialized, early.code());

    InitializeResult result = await(client.initialize(EngineFixture.initializeParams(null, null)));
    EngineException unknown = engineError(engine.connection().request("podloop/noSuchMethod", new JsonObject(), JsonElement.class));
    assertEquals(ErrorCodes.MethodNotFound, unknown.code());

    // A method of the protocol that this engine does not implement yet, if any is left.
    Methods.Info missing = Methods.ALL.stream()
        .filter(info -> info.kind() == Methods.Kind.REQUEST && info.direction() == Methods.Direction.CLIENT_TO_SERVER)
        .filter(info -> !result.capabilities().methods().contains(info.method()))
        .findFirst()
        .orElse(null);
    if (missing != null) {
      EngineException notYet = engineError(engine.connection().request(missing.method(), new JsonObject(), JsonElement.class));
      assertEquals(ErrorCodes.NotSupportedYet, notYet.code());
      assertEquals(missing.method(), notYet.dataAs(NotSupportedYetData.class).method());
    }

    Path kubeconfig = writeKubeconfig("https://127.0.0.1:1");
    Files.writeString(kubeconfig, "{ not: [ yaml");
    EngineException invalid = engineError(client.clusterContexts(new ClusterContextsParams(kubeconfig.toString())));
    assertEquals(ErrorCodes.InvalidConfig, invalid.code());
  }

  @Test(timeout = 60_000)
  public void cancellingAnInFlightRequestMakesTheEngineAnswerCancelled() throws Exception {
    // An API server that accepts connections and never answers keeps workloads/list in flight.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) accepted.add(silent.accept());
        } catch (IOException closed) {
          // The test is over.
        }
      }, "silent-api-server");
      acceptor.setDaemon(true);
      acceptor.start();
      Path kubeconfig = writeKubeconfig("https://127.0.0.1:" + silent.getLocalPort());
      await(client.initialize(EngineFixture.initializeParams(kubeconfig.toString(), null)));

      AtomicLong requestId = new AtomicLong(-1);
      Queue<Integer> cancelledAnswers = new ConcurrentLinkedQueue<>();
      engine.connection().addTracer((direction, message) -> {
        if (direction == MessageTracer.Direction.SENT && message.has("method")
            && message.get("method").getAsString().equals(Methods.WORKLOADS_LIST)) {
          requestId.set(message.get("id").getAsLong());
        }
        if (direction == MessageTracer.Direction.RECEIVED && message.has("id") && message.has("error")
            && message.get("id").getAsLong() == requestId.get()) {
          cancelledAnswers.add(message.getAsJsonObject("error").get("code").getAsInt());
        }
      });
      List<WorkDoneProgressValue> progress = new CopyOnWriteArrayList<>();
      CompletableFuture<WorkloadsListResult> listing =
          client.workloadsList(new WorkloadsListParams("default", null, null, null), progress::add);
      EngineFixture.waitUntil("the engine to dial the API server", () -> !accepted.isEmpty());
      assertTrue(listing.cancel(true));
      try {
        listing.join();
        fail("a cancelled future throws");
      } catch (CancellationException expected) {
        // The caller sees the cancellation at once; the engine's answer follows.
      }
      EngineFixture.waitUntil("the engine's Cancelled answer", () -> !cancelledAnswers.isEmpty());
      assertEquals(Integer.valueOf(ErrorCodes.Cancelled), cancelledAnswers.peek());
      assertEquals(0, engine.connection().pendingRequests());
      for (Socket socket : accepted) socket.close();
    }
  }

  @Test(timeout = 60_000)
  public void aKilledEngineIsReportedAndItsRequestsFailInsteadOfHanging() throws Exception {
    await(client.initialize(EngineFixture.initializeParams(null, null)));
    CompletableFuture<Integer> unexpected = new CompletableFuture<>();
    engine.onUnexpectedExit(unexpected::complete);
    CompletableFuture<Void> closed = new CompletableFuture<>();
    engine.connection().onClose(() -> closed.complete(null));
    ProcessHandle.of(engine.pid()).orElseThrow().destroyForcibly();
    unexpected.get(20, TimeUnit.SECONDS);
    closed.get(20, TimeUnit.SECONDS);
    CompletableFuture<?> late = client.devStatus(new DevStatusParams(null));
    try {
      late.get(5, TimeUnit.SECONDS);
      fail("a request to a dead engine fails");
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof ConnectionClosedException);
    }
    assertTrue(engine.stop() != 0);
  }

  @Test(timeout = 60_000)
  public void theEnginesLogReachesTheStderrLoggerAndEngineLogListeners() throws Exception {
    engine.close();
    Queue<String> stderr = new ConcurrentLinkedQueue<>();
    engine = EngineFixture.start(stderr, "--log-level", "info");
    client = new PodloopClient(engine.connection());
    Queue<EngineLogParams> forwarded = new ConcurrentLinkedQueue<>();
    client.onEngineLog(forwarded::add);
    InitializeParams defaults = EngineFixture.initializeParams(null, null);
    await(client.initialize(new InitializeParams(defaults.processId(), defaults.clientInfo(),
        new ClientCapabilities(true, true, "info"), null, null, null, null)));
    EngineFixture.waitUntil("an engine log line on stderr", () -> stderr.stream().anyMatch(line -> line.contains("initialized")));
    EngineFixture.waitUntil("an engine/log notification", () -> forwarded.stream().anyMatch(log -> log.message().contains("initialized")));
    assertTrue(forwarded.stream().allMatch(log -> List.of("error", "warn", "info").contains(log.level())));
  }

  @Test(timeout = 60_000)
  public void anEngineThatIgnoresShutdownIsKilledAfterTheStopTimeout() throws Exception {
    // Reads stdin, never answers, ignores SIGTERM: only a kill ends it.
    Path stubborn = dir.resolve("stubborn.js");
    Files.writeString(stubborn, "process.stdin.resume(); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);\n");
    EngineProcess hung = EngineProcess.start(EngineProcess.Options.of(stubborn)
        .withNode(System.getProperty("podloop.node", "node"))
        .withStopTimeout(java.time.Duration.ofMillis(300)));
    try {
      long started = System.nanoTime();
      int code = hung.stop();
      long ms = (System.nanoTime() - started) / 1_000_000;
      assertFalse(hung.isAlive());
      assertTrue("killed, not a clean exit: " + code, code != 0);
      assertTrue("stopped within the timeouts, took " + ms + " ms", ms < 5_000);
    } finally {
      hung.close();
    }
  }
}
