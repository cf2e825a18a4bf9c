// File-sync records, as protocol/sync.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/sync.ts. */
public final class Sync {
  private Sync() {}

  public record SyncBatch(long files, long bytes, double latencyMs, String at) {}

  public record SyncTotals(long files, long bytes, long batches) {}

  /**
   * {@code state}: idle, scanning, syncing, paused or error; {@code mode}: receiver or tar-fallback;
   * {@code pulledFiles}, {@code conflicts} and {@code lastConflicts} only in two-way sync (else null).
   */
  public record SyncStatus(
      String state,
      long pendingFiles,
      long pendingBytes,
      SyncBatch lastBatch,
      SyncTotals totals,
      String lastError,
      String mode,
      Long pulledFiles,
      Long conflicts,
      List<String> lastConflicts) {}

  public record SyncStatusParams(WorkloadKind kind, String name, String namespace) {}

  public record SyncStatusResult(SyncStatus status) {}

  public record SyncPauseParams(WorkloadKind kind, String name, String namespace) {}

  public record SyncVerifyParams(WorkloadKind kind, String name, String namespace, String workDoneToken) {}

  /** {@code reason}: missing-remote, missing-local, content or mode. */
  public record SyncDifference(String path, String reason) {}

  public record SyncVerifyResult(boolean inSync, List<SyncDifference> differences, long files) {}
}
