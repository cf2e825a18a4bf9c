// One-shot exec records, as protocol/exec.ts defines them.
package dev.podloop.client.protocol;

import dev.podloop.client.protocol.Workloads.WorkloadKind;
import java.util.List;

/** Records of protocol/exec.ts. */
public final class Exec {
  private Exec() {}

  public record ExecRunParams(
      WorkloadKind kind, String name, String namespace, List<String> command, String container, String stdin, Integer timeoutSeconds) {}

  public record ExecRunResult(int exitCode, String stdout, String stderr) {}
}
