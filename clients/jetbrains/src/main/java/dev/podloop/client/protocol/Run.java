// Run records, as protocol/run.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/run.ts. */
public final class Run {
  private Run() {}

  public record RunStartParams(
      WorkloadKind kind, String name, String namespace, List<String> command, String container, Boolean restartOnSync) {}

  public record RunStartResult(String runId) {}

  public record RunStopParams(String runId) {}

  /** The inline result of {@code run/stop}. */
  public record RunStopResult(Integer exitCode) {}

  public record RunRestartParams(String runId) {}

  public record RunExitedParams(String runId, int exitCode, boolean restarting) {}
}
