// workloads/list records, as protocol/workloads.ts defines them.
package dev.podloop.client.protocol;

import java.util.List;

/** Records of protocol/workloads.ts. */
public final class Workloads {
  private Workloads() {}

  /** The workload kinds podloop knows; the constant names are the wire values. */
  public enum WorkloadKind { Deployment, StatefulSet, DaemonSet, Pod, Job, CronJob }

  public record WorkloadsListParams(String namespace, Boolean allNamespaces, List<WorkloadKind> kinds, String workDoneToken) {}

  public record WorkloadInfo(
      WorkloadKind kind,
      String name,
      String namespace,
      int replicas,
      int readyReplicas,
      List<String> containers,
      List<String> images,
      String createdAt,
      boolean devMode) {}

  public record WorkloadsListResult(List<WorkloadInfo> items) {}
}
