// The engine's view of one Kubernetes context: the only way services reach a cluster. Every call
// takes an AbortSignal, gets a timeout, and fails with a protocol error.
import type { KubeConfig } from '@kubernetes/client-node';
import type { WorkloadInfo, WorkloadKind } from '../../protocol/workloads.js';
import { loadKubeConfig, namespaceOf, serverOf } from './config.js';
import type { KubeTarget } from './config.js';
import { toProtocolError } from './errors.js';
import { listWorkloads } from './workloads.js';

export { listContexts, loadKubeConfig } from './config.js';
export { kubeconfigPaths } from './peek.js';
export type { KubeTarget } from './config.js';
export { toProtocolError } from './errors.js';

export interface Kube {
  /** Context in use. */
  readonly context: string;
  /** API server URL. */
  readonly server: string;
  /** The context's namespace, if it sets one. */
  readonly namespace: string | undefined;
  /** The loaded kubeconfig, for services that call client-node themselves (inside server/ only). */
  readonly config: KubeConfig;
  listWorkloads(options: {
    namespace: string | undefined;
    kinds: readonly WorkloadKind[];
    signal: AbortSignal;
  }): Promise<WorkloadInfo[]>;
  /**
   * Runs a Kubernetes call with the signal plus a timeout, mapping failures to protocol errors.
   * Long-lived calls (watches, log streams, exec) pass `{ timeoutMs: false }`.
   */
  call<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>, options?: CallOptions): Promise<T>;
}

export interface CallOptions {
  /** Overrides the per-call timeout; false for none. */
  timeoutMs?: number | false;
}

export interface KubeOptions {
  /** Per-call timeout; after it the cluster counts as unreachable. Default `$PODLOOP_KUBE_TIMEOUT_MS`, else 30 s. */
  timeoutMs?: number;
}

function defaultTimeoutMs(): number {
  const fromEnv = Number(process.env.PODLOOP_KUBE_TIMEOUT_MS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 30_000;
}

export function openKube(target: KubeTarget, options: KubeOptions = {}): Kube {
  const config = loadKubeConfig(target);
  const server = serverOf(config);
  const defaultTimeout = options.timeoutMs ?? defaultTimeoutMs();
  const call = async <T>(
    signal: AbortSignal,
    work: (signal: AbortSignal) => Promise<T>,
    callOptions: CallOptions = {},
  ): Promise<T> => {
    const timeoutMs = callOptions.timeoutMs ?? defaultTimeout;
    const combined = timeoutMs === false ? signal : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      return await work(combined);
    } catch (error) {
      throw toProtocolError(error, server, signal.aborted);
    }
  };
  return {
    context: config.getCurrentContext(),
    server,
    namespace: namespaceOf(config),
    config,
    call,
    listWorkloads: ({ namespace, kinds, signal }) =>
      call(signal, (combined) => listWorkloads(config, { namespace, kinds, signal: combined })),
  };
}
