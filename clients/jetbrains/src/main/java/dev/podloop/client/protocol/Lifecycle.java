// Lifecycle records (initialize, engine/log), as protocol/lifecycle.ts defines them.
package dev.podloop.client.protocol;

import java.util.List;

/** Records of protocol/lifecycle.ts; null fields are optional and left out on the wire. */
public final class Lifecycle {
  private Lifecycle() {}

  public record ClientInfo(String name, String version) {}

  /** {@code logLevel}: error, warn, info or debug; null sends no {@code engine/log}. */
  public record ClientCapabilities(Boolean workDoneProgress, Boolean stateNotifications, String logLevel) {}

  public record InitializeParams(
      Integer processId,
      ClientInfo clientInfo,
      ClientCapabilities capabilities,
      String workspaceFolder,
      String kubeconfig,
      String context,
      String namespace) {}

  public record EngineCapabilities(List<String> methods, boolean stateNotifications, boolean workDoneProgress) {}

  public record ServerInfo(String name, String version) {}

  public record InitializeResult(
      ServerInfo serverInfo, EngineCapabilities capabilities, String engineId, String context, String namespace) {}

  public record EngineLogParams(String level, String message, String component, String time) {}
}
