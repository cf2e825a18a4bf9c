// The typed `data` of engine errors, as protocol/errors.ts defines them; read them with
// EngineException.dataAs(type).
package dev.podloop.client.protocol;

import java.util.List;

/** Error data records of protocol/errors.ts. */
public final class Errors {
  private Errors() {}

  public record WorkloadRef(String kind, String name, String namespace) {}

  public record InvalidParamsData(String field) {}

  public record NotSupportedYetData(String method) {}

  public record ContainerNotFoundData(String kind, String name, String namespace, String container, List<String> containers) {}

  public record AlreadyInDevModeData(String kind, String name, String namespace, String holder) {}

  public record ClusterUnreachableData(String server, String cause) {}

  public record UnauthorizedData(String server, int status) {}

  public record InvalidConfigData(String source, Integer line, Integer column, String field) {}

  public record DevPodFailedData(
      String kind,
      String name,
      String namespace,
      String pod,
      String reason,
      Object containerState,
      List<String> events,
      boolean rolledBack) {}

  public record KubernetesErrorData(int status, String reason) {}

  public record SandboxFailedData(String stateDir) {}

  public record SyncFailedData(String kind, String name, String namespace, List<String> paths) {}

  public record PortInUseData(int port) {}

  public record DebuggerNotFoundData(
      String kind, String name, String namespace, String container, String language, String missing) {}
}
