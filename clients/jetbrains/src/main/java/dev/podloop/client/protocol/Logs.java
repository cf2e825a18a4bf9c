// Log-streaming records, as protocol/logs.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/logs.ts. */
public final class Logs {
  private Logs() {}

  public record LogsFollowParams(
      WorkloadKind kind,
      String name,
      String namespace,
      String pod,
      String container,
      Integer tailLines,
      Boolean follow,
      Boolean previous,
      Integer sinceSeconds) {
    /** Every pod, no time bound: the fields of protocol 0.1's first draft. */
    public LogsFollowParams(
        WorkloadKind kind, String name, String namespace, String container, Integer tailLines, Boolean follow, Boolean previous) {
      this(kind, name, namespace, null, container, tailLines, follow, previous, null);
    }
  }

  public record LogsFollowResult(String streamId) {}

  public record LogsStopParams(String streamId) {}

  public record LogLine(String pod, String container, String text, String time) {}

  /** {@code end} is true on the stream's last batch; {@code dropped} counts lines lost to a slow reader. */
  public record LogLinesParams(String streamId, List<LogLine> lines, Boolean end, Integer dropped) {}
}
