// The JVM client driving the real engine against a sandbox cluster the test command started:
// workloads/list with progress, then the dev loop (dev/start, sync/status, logs/follow, dev/end).
package dev.podloop.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.podloop.client.protocol.Dev.DevEndParams;
import dev.podloop.client.protocol.Dev.DevEndResult;
import dev.podloop.client.protocol.Dev.DevStartParams;
import dev.podloop.client.protocol.Dev.DevStartResult;
import dev.podloop.client.protocol.ErrorCodes;
import dev.podloop.client.protocol.Lifecycle.InitializeResult;
import dev.podloop.client.protocol.Logs.LogsFollowParams;
import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.Progress.WorkDoneProgressValue;
import dev.podloop.client.protocol.State.EngineStateParams;
import dev.podloop.client.protocol.Sync.SyncStatusParams;
import dev.podloop.client.protocol.Sync.SyncStatusResult;
import dev.podloop.client.protocol.Workloads.WorkloadInfo;
import dev.podloop.client.protocol.Workloads.WorkloadKind;
import dev.podloop.client.protocol.Workloads.WorkloadsListParams;
import dev.podloop.client.protocol.Workloads.WorkloadsListResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class EngineSandboxTest {
  private EngineProcess engine;
  private PodloopClient client;
  private String namespace;
  private String workload;
  private InitializeResult initialized;

  @Before
  public void setUp() throws Exception {
    String kubeconfig = EngineFixture.property("podloop.sandbox.kubeconfig");
    namespace = EngineFixture.property("podloop.sandbox.namespace");
    workload = EngineFixture.property("podloop.sandbox.workload");
    engine = EngineFixture.start();
    client = new PodloopClient(engine.connection());
    initialized = await(client.initialize(EngineFixture.initializeParams(kubeconfig, namespace)));
  }

  @After
  public void tearDown() {
    assertEquals("the engine stops cleanly", 0, engine.stop());
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(60, TimeUnit.SECONDS);
  }

  @Test(timeout = 90_000)
  public void workloadsListShowsTheSandboxDeploymentAndReportsProgress() throws Exception {
    List<WorkDoneProgressValue> progress = new CopyOnWriteArrayList<>();
    WorkloadsListResult result = await(client.workloadsList(new WorkloadsListParams(null, null, null, null), progress::add));
    WorkloadInfo web = result.items().stream()
        .filter(item -> item.name().equals(workload))
        .findFirst()
        .orElseThrow(() -> new AssertionError(workload + " missing from " + result.items()));
    assertEquals(WorkloadKind.Deployment, web.kind());
    assertEquals(namespace, web.namespace());
    assertEquals(List.of("app"), web.containers());
    assertFalse(web.devMode());
    assertTrue("progress began: " + progress, progress.stream().anyMatch(WorkDoneProgressValue::isBegin));
    assertTrue("progress ended: " + progress, progress.get(progress.size() - 1).isEnd());
  }

  @Test(timeout = 180_000)
  public void theDevLoopRunsFromStartToEnd() throws Exception {
    Path sources = Files.createTempDirectory("podloop-jvm-src-");
    Files.writeString(sources.resolve("hello.txt"), "hello from the JVM client\n");
    // A Node.js project: the engine picks the Node.js dev image for it.
    Files.writeString(sources.resolve("package.json"), "{\"name\": \"jvm-client-sample\"}\n");
    DevStartParams start = new DevStartParams(
        WorkloadKind.Deployment, workload, namespace, null, null, sources.toString(), null, null, null, null, List.of());
    if (!initialized.capabilities().methods().contains(Methods.DEV_START)) {
      // This engine does not implement dev mode yet: the client must see exactly that.
      try {
        await(client.devStart(start));
        fail("dev/start is not in the capabilities, yet it succeeded");
      } catch (ExecutionException e) {
        assertEquals(ErrorCodes.NotSupportedYet, ((EngineException) e.getCause()).code());
      }
      return;
    }
    List<EngineStateParams> states = new CopyOnWriteArrayList<>();
    client.onEngineState(states::add);
    List<WorkDoneProgressValue> progress = new CopyOnWriteArrayList<>();

    DevStartResult started = await(client.devStart(start, progress::add));
    assertEquals("running", started.session().phase());
    assertEquals(workload, started.session().workload().name());
    assertTrue(progress.stream().anyMatch(WorkDoneProgressValue::isEnd));
    EngineFixture.waitUntil("an engine/state with the dev session",
        () -> states.stream().anyMatch(state -> !state.devSessions().isEmpty()));

    SyncStatusResult sync = await(client.syncStatus(new SyncStatusParams(WorkloadKind.Deployment, workload, namespace)));
    assertNotNull(sync.status().state());

    LogStream stream = await(LogStream.follow(client,
        new LogsFollowParams(WorkloadKind.Deployment, workload, namespace, null, 10, true, null), line -> {}, () -> {}));
    assertFalse(stream.streamId().isEmpty());
    await(stream.stop());

    DevEndResult ended = await(client.devEnd(new DevEndParams(WorkloadKind.Deployment, workload, namespace, null, null)));
    assertTrue(ended.restored());
    EngineFixture.waitUntil("an engine/state without dev sessions",
        () -> !states.isEmpty() && states.get(states.size() - 1).devSessions().isEmpty());
  }
}
