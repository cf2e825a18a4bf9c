// Cluster-level requests: the kubeconfig's contexts.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';

/** Params of `cluster/contexts`. */
export interface ClusterContextsParams {
  /** Kubeconfig path. Default: the one from `initialize`, `$KUBECONFIG` or `~/.kube/config`. */
  kubeconfig?: string;
}

/** One kubeconfig context. */
export interface ContextInfo {
  /** Context name. */
  name: string;
  /** Cluster name the context points at. */
  cluster: string;
  /** API server URL of that cluster; empty when the cluster entry is missing. */
  server: string;
  /** User entry name (never its credentials). */
  user: string;
  /** The context's namespace, when set. */
  namespace?: string;
}

/** Result of `cluster/contexts`. */
export interface ClusterContextsResult {
  /** Path the contexts were read from. */
  kubeconfig: string;
  /** The kubeconfig's current context. */
  currentContext?: string;
  /** The context this engine session uses. */
  activeContext?: string;
  /** Every context, in file order. */
  contexts: ContextInfo[];
}

/**
 * `cluster/contexts` (client → engine): lists the kubeconfig's contexts without contacting any
 * cluster. Errors: InvalidConfig when the kubeconfig cannot be read or parsed.
 */
export namespace ClusterContexts {
  export const method = 'cluster/contexts' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<ClusterContextsParams, ClusterContextsResult, void>(
    method,
    ParameterStructures.byName,
  );
}
