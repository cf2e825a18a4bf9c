// Dev-mode records, as protocol/dev.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Errors.WorkloadRef;
import dev.podloop.client.protocol.Sync.SyncStatus;
import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;
import java.util.Map;

/** Records of protocol/dev.ts. */
public final class Dev {
  private Dev() {}

  /** Names a workload; a null namespace means the session's. */
  public record WorkloadParams(WorkloadKind kind, String name, String namespace) {}

  public record DevStartParams(
      WorkloadKind kind,
      String name,
      String namespace,
      String workDoneToken,
      String container,
      String localDir,
      String remoteDir,
      String image,
      Boolean force,
      Boolean sync,
      List<String> ports) {
    /** The workload with every option at its default. */
    public static DevStartParams of(WorkloadKind kind, String name, String namespace) {
      return new DevStartParams(kind, name, namespace, null, null, null, null, null, null, null, null);
    }
  }

  /** {@code phase}: starting, running, ending or error. */
  public record DevSessionInfo(
      WorkloadRef workload,
      String container,
      String pod,
      String phase,
      String holder,
      boolean ownedByThisEngine,
      String localDir,
      String remoteDir,
      SyncStatus sync,
      String message) {}

  /** {@code timings}: milliseconds per stage. */
  public record DevStartResult(DevSessionInfo session, Map<String, Double> timings, List<String> warnings) {}

  public record DevEndParams(WorkloadKind kind, String name, String namespace, String workDoneToken, Boolean force) {}

  public record DevEndResult(WorkloadRef workload, boolean restored) {}

  public record DevStatusParams(String namespace) {}

  public record DevStatusResult(List<DevSessionInfo> sessions) {}

  public record DevResetParams(WorkloadKind kind, String name, String namespace) {}

  public record DevResetResult(WorkloadRef workload, boolean changed) {}
}
