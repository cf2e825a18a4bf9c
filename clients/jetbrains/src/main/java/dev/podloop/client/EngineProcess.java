// The process bridge: starts `node <engine> --stdio`, owns its pipes and its JSON-RPC connection,
// forwards its stderr log, notices an unexpected exit, and stops it (shutdown, exit, wait, kill).
package dev.podloop.client;

import dev.podloop.client.protocol.Methods;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** One running engine; {@link #close()} stops it and is idempotent. */
public final class EngineProcess implements AutoCloseable {
  /**
   * How to start the engine.
   *
   * @param node node executable (a name looked up on PATH, or a path)
   * @param engineScript the bundled engine's entry point ({@code server/main.js})
   * @param extraArgs arguments after {@code --stdio}, e.g. {@code --log-level debug}
   * @param environment variables added to the inherited environment
   * @param workingDirectory the engine's working directory, or null for this process's
   * @param stderrLog receives each stderr line of the engine (its log)
   * @param stopTimeout how long shutdown, exit and the process end may each take before a kill
   */
  public record Options(
      String node,
      Path engineScript,
      List<String> extraArgs,
      Map<String, String> environment,
      Path workingDirectory,
      Consumer<String> stderrLog,
      Duration stopTimeout) {
    /** Defaults: {@code node} from PATH, no extra args or environment, stderr dropped, 5 s stop timeout. */
    public static Options of(Path engineScript) {
      return new Options("node", engineScript, List.of(), Map.of(), null, line -> {}, Duration.ofSeconds(5));
    }

    public Options withNode(String node) {
      return new Options(node, engineScript, extraArgs, environment, workingDirectory, stderrLog, stopTimeout);
    }

    public Options withExtraArgs(List<String> args) {
      return new Options(node, engineScript, List.copyOf(args), environment, workingDirectory, stderrLog, stopTimeout);
    }

    public Options withEnvironment(Map<String, String> env) {
      return new Options(node, engineScript, extraArgs, Map.copyOf(env), workingDirectory, stderrLog, stopTimeout);
    }

    public Options withWorkingDirectory(Path dir) {
      return new Options(node, engineScript, extraArgs, environment, dir, stderrLog, stopTimeout);
    }

    public Options withStderrLog(Consumer<String> log) {
      return new Options(node, engineScript, extraArgs, environment, workingDirectory, log, stopTimeout);
    }

    public Options withStopTimeout(Duration timeout) {
      return new Options(node, engineScript, extraArgs, environment, workingDirectory, stderrLog, timeout);
    }
  }

  private final Process process;
  private final Options options;
  private final JsonRpcConnection connection;
  private final List<IntConsumer> unexpectedExitListeners = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;
  private Integer stoppedWith;

  private EngineProcess(Process process, Options options) {
    this.process = process;
    this.options = options;
    this.connection = new JsonRpcConnection(process.getInputStream(), process.getOutputStream(), options.stderrLog());
    Thread stderr = new Thread(this::pumpStderr, "podloop-engine-stderr");
    stderr.setDaemon(true);
    stderr.start();
    process.onExit().thenAccept(ended -> {
      if (stopping) return;
      int code = ended.exitValue();
      for (IntConsumer listener : unexpectedExitListeners) listener.accept(code);
    });
  }

  /** Starts the engine and its connection's reader. */
  public static EngineProcess start(Options options) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(options.node());
    command.add(options.engineScript().toString());
    command.add("--stdio");
    command.addAll(options.extraArgs());
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(options.environment());
    if (options.workingDirectory() != null) builder.directory(options.workingDirectory().toFile());
    EngineProcess engine = new EngineProcess(builder.start(), options);
    engine.connection.start();
    return engine;
  }

  public JsonRpcConnection connection() {
    return connection;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes with the exit code whenever the process ends, expectedly or not. */
  public CompletableFuture<Integer> exitCode() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /** Called with the exit code when the engine ends without {@link #stop()} (a crash or a kill). */
  public Subscription onUnexpectedExit(IntConsumer listener) {
    unexpectedExitListeners.add(listener);
    return () -> unexpectedExitListeners.remove(listener);
  }

  /**
   * Stops the engine the LSP way: {@code shutdown}, then {@code exit}, then waits for the process;
   * any step that fails or overruns the stop timeout ends in a kill. Returns the exit code (0 for
   * a clean stop). Idempotent: later calls return the first result.
   */
  public synchronized int stop() {
    if (stoppedWith != null) return stoppedWith;
    stopping = true;
    long timeoutMs = options.stopTimeout().toMillis();
    if (process.isAlive() && !connection.isClosed()) {
      try {
        connection.<Void>request(Methods.SHUTDOWN, null, Void.class).get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // Refused (say, before initialize) or too slow: exit still ends it, with code 1.
        options.stderrLog().accept("engine did not shut down cleanly: " + e);
      }
      try {
        connection.notify(Methods.EXIT, null);
      } catch (IOException e) {
        options.stderrLog().accept("could not send exit: " + e.getMessage());
      }
    }
    try {
      if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        process.destroy();
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    connection.close();
    stoppedWith = process.isAlive() ? -1 : process.exitValue();
    return stoppedWith;
  }

  @Override
  public void close() {
    stop();
  }

  private void pumpStderr() {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) options.stderrLog().accept(line);
    } catch (IOException e) {
      // The process ended; its stderr closes with it.
    }
  }
}
