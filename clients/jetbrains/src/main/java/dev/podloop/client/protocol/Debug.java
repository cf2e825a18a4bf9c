// Debugger records, as protocol/debug.ts defines them.
package dev.podloop.client.protocol;

import com.google.gson.JsonObject;
import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/debug.ts. */
public final class Debug {
  private Debug() {}

  /** {@code language}: node, python, go or java; null detects it. */
  public record DebugStartParams(
      WorkloadKind kind,
      String name,
      String namespace,
      String workDoneToken,
      String language,
      Integer remotePort,
      Integer localPort,
      List<String> command,
      String container) {}

  /** Where a JetBrains remote-debug run configuration attaches. */
  public record JetBrainsAttach(String host, int port) {}

  public record DebugStartResult(
      JsonObject vscodeLaunchConfig, JetBrainsAttach jetbrains, String forwardId, String runId, int localPort) {}
}
