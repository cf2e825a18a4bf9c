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

  public record ExecStartParams(
      WorkloadKind kind,
      String name,
      String namespace,
      List<String> command,
      String container,
      Boolean tty,
      Integer columns,
      Integer rows) {}

  public record ExecStartResult(String sessionId) {}

  /** {@code data} is base64. */
  public record ExecInputParams(String sessionId, String data, Boolean eof) {}

  public record ExecResizeParams(String sessionId, int columns, int rows) {}

  /** {@code stream} is stdout or stderr; {@code data} is base64. */
  public record ExecOutputParams(String sessionId, String stream, String data) {}

  public record ExecExitParams(String sessionId, int exitCode) {}

  public record ExecStopParams(String sessionId) {}
}
