// Starts the real engine for integration tests from the paths the test command passes as system
// properties, and offers polling with a deadline.
package dev.podloop.client;

import static org.junit.Assert.assertNotNull;

import dev.podloop.client.protocol.Lifecycle.ClientCapabilities;
import dev.podloop.client.protocol.Lifecycle.ClientInfo;
import dev.podloop.client.protocol.Lifecycle.InitializeParams;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

final class EngineFixture {
  private EngineFixture() {}

  /** A required system property; the test command always sets them. */
  static String property(String name) {
    String value = System.getProperty(name);
    assertNotNull("system property " + name + " must be set by the test command", value);
    return value;
  }

  static EngineProcess start(Queue<String> stderr, String... extraArgs) throws IOException {
    EngineProcess.Options options = EngineProcess.Options.of(Path.of(property("podloop.engine")))
        .withNode(System.getProperty("podloop.node", "node"))
        .withExtraArgs(List.of(extraArgs))
        .withStderrLog(stderr::add)
        .withStopTimeout(Duration.ofSeconds(10));
    return EngineProcess.start(options);
  }

  static EngineProcess start() throws IOException {
    return start(new ConcurrentLinkedQueue<>());
  }

  static InitializeParams initializeParams(String kubeconfig, String namespace) {
    return new InitializeParams(
        (int) ProcessHandle.current().pid(),
        new ClientInfo("podloop-jetbrains-test", "0.1.0"),
        new ClientCapabilities(true, true, null),
        null,
        kubeconfig,
        null,
        namespace);
  }

  static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }
}
