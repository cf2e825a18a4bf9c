// cluster/contexts: reads the kubeconfig, never the cluster.
import type { ClusterContextsParams, ClusterContextsResult } from '../../protocol/cluster.js';
import { kubeModule } from '../kube/lazy.js';
import { optString, paramsObject } from '../params.js';
import type { Session } from '../session.js';

export function parseClusterContextsParams(raw: unknown): ClusterContextsParams {
  const kubeconfig = optString(paramsObject(raw), 'kubeconfig');
  return kubeconfig !== undefined ? { kubeconfig } : {};
}

export async function clusterContexts(session: Session, params: ClusterContextsParams): Promise<ClusterContextsResult> {
  const { listContexts } = await kubeModule();
  const kubeconfig = params.kubeconfig ?? session.kubeTarget.kubeconfig;
  const context = params.kubeconfig === undefined ? session.kubeTarget.context : undefined;
  return listContexts({
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...(context !== undefined ? { context } : {}),
  });
}
