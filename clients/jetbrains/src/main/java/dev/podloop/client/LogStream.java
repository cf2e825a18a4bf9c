// One followed log stream (or run output) as a handle: its lines only, including those that
// arrive before the engine's answer names the stream, and logs/stop on close.
package dev.podloop.client;

import dev.podloop.client.protocol.Logs.LogLine;
import dev.podloop.client.protocol.Logs.LogLinesParams;
import dev.podloop.client.protocol.Logs.LogsFollowParams;
import dev.podloop.client.protocol.Logs.LogsFollowResult;
import dev.podloop.client.protocol.Logs.LogsStopParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A log stream; {@link #close()} stops it on the engine and is idempotent. */
public final class LogStream implements AutoCloseable {
  private final PodloopClient client;
  private final Consumer<LogLine> onLine;
  private final Runnable onEnd;
  private final List<LogLinesParams> early = new ArrayList<>();
  private final Subscription subscription;
  private String streamId;
  private boolean closed;

  private LogStream(PodloopClient client, Consumer<LogLine> onLine, Runnable onEnd) {
    this.client = client;
    this.onLine = onLine;
    this.onEnd = onEnd;
    this.subscription = client.onLogLines(this::receive);
  }

  /**
   * Sends {@code logs/follow}; {@code onLine} gets this stream's lines in order, {@code onEnd}
   * runs once when the engine ends the stream. Both run on the connection's dispatch thread.
   */
  public static CompletableFuture<LogStream> follow(
      PodloopClient client, LogsFollowParams params, Consumer<LogLine> onLine, Runnable onEnd) {
    LogStream stream = new LogStream(client, onLine, onEnd);
    CompletableFuture<LogsFollowResult> opened = client.logsFollow(params);
    return opened.handle((result, error) -> {
      if (error != null) {
        stream.subscription.close();
        throw error instanceof RuntimeException runtime ? runtime : new IllegalStateException(error);
      }
      stream.started(result.streamId());
      return stream;
    });
  }

  /** Wraps output that already has an id, e.g. the {@code runId} of {@code run/start}. */
  public static LogStream attach(PodloopClient client, String streamId, Consumer<LogLine> onLine, Runnable onEnd) {
    LogStream stream = new LogStream(client, onLine, onEnd);
    stream.started(streamId);
    return stream;
  }

  public synchronized String streamId() {
    return streamId;
  }

  private void started(String id) {
    List<LogLinesParams> replay;
    synchronized (this) {
      streamId = id;
      replay = List.copyOf(early);
      early.clear();
    }
    for (LogLinesParams batch : replay) deliver(batch);
  }

  private void receive(LogLinesParams batch) {
    synchronized (this) {
      if (closed) return;
      // Lines can precede the logs/follow answer; keep them until the id is known.
      if (streamId == null) {
        early.add(batch);
        return;
      }
    }
    deliver(batch);
  }

  private void deliver(LogLinesParams batch) {
    if (!batch.streamId().equals(streamId())) return;
    if (batch.lines() != null) batch.lines().forEach(onLine);
    if (Boolean.TRUE.equals(batch.end())) {
      subscription.close();
      onEnd.run();
    }
  }

  /** Stops the stream on the engine; the future completes when the engine confirmed. */
  public CompletableFuture<Void> stop() {
    String id;
    synchronized (this) {
      if (closed) return CompletableFuture.completedFuture(null);
      closed = true;
      id = streamId;
    }
    subscription.close();
    return id == null ? CompletableFuture.completedFuture(null) : client.logsStop(new LogsStopParams(id));
  }

  @Override
  public void close() {
    stop();
  }
}
