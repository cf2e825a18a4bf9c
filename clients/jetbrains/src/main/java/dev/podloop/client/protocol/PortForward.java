// Port-forward records, as protocol/portForward.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Dev.WorkloadParams;
import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/portForward.ts. */
public final class PortForward {
  private PortForward() {}

  /** {@code state}: active, reconnecting or error. */
  public record PortForwardInfo(
      String id,
      WorkloadParams workload,
      String localAddress,
      int localPort,
      int remotePort,
      String pod,
      String state,
      String message) {}

  public record PortForwardStartParams(
      WorkloadKind kind, String name, String namespace, int remotePort, Integer localPort, String localAddress) {}

  public record PortForwardStopParams(String id) {}

  /** No fields. */
  public record PortForwardListParams() {}

  public record PortForwardListResult(List<PortForwardInfo> forwards) {}
}
