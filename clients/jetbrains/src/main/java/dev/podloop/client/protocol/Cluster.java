// cluster/contexts records, as protocol/cluster.ts defines them.
package dev.podloop.client.protocol;

import java.util.List;

/** Records of protocol/cluster.ts. */
public final class Cluster {
  private Cluster() {}

  public record ClusterContextsParams(String kubeconfig) {}

  public record ContextInfo(String name, String cluster, String server, String user, String namespace) {}

  public record ClusterContextsResult(
      String kubeconfig, String currentContext, String activeContext, List<ContextInfo> contexts) {}
}
