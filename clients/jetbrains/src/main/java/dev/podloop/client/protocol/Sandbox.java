// Sandbox-cluster records, as protocol/sandbox.ts defines them.
package dev.podloop.client.protocol;

/** Records of protocol/sandbox.ts. */
public final class Sandbox {
  private Sandbox() {}

  public record SandboxParams(String workDoneToken, String stateDir, Integer port) {}

  public record SandboxInfo(String stateDir, String kubeconfigPath, String server, Integer pid, boolean running) {}

  public record SandboxDownResult(boolean stopped) {}

  public record SandboxImportImageParams(String stateDir, String dir, String name) {}

  public record SandboxImportImageResult(String name) {}
}
