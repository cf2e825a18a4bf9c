// workloads/list: the six workload kinds of a namespace or of all namespaces.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import type { WorkloadsListParams, WorkloadsListResult } from '../../protocol/workloads.js';
import { workloadKinds } from '../../protocol/workloads.js';
import { abortSignalOf } from '../cancellation.js';
import type { EngineClient } from '../engineClient.js';
import { optBoolean, optEnumArray, optProgressToken, optString, paramsObject } from '../params.js';
import { beginProgress } from '../progress.js';
import type { Session } from '../session.js';

export function parseWorkloadsListParams(raw: unknown): WorkloadsListParams {
  const params = paramsObject(raw);
  const namespace = optString(params, 'namespace');
  const allNamespaces = optBoolean(params, 'allNamespaces');
  const kinds = optEnumArray(params, 'kinds', workloadKinds);
  const workDoneToken = optProgressToken(params);
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(allNamespaces !== undefined ? { allNamespaces } : {}),
    ...(kinds !== undefined ? { kinds } : {}),
    ...(workDoneToken !== undefined ? { workDoneToken } : {}),
  };
}

export async function listWorkloads(
  session: Session,
  client: EngineClient,
  params: WorkloadsListParams,
  token: CancellationToken,
): Promise<WorkloadsListResult> {
  const kube = await session.kube();
  const namespace = params.allNamespaces === true ? undefined : (params.namespace ?? session.defaultNamespace());
  const progress = beginProgress(client, params.workDoneToken, 'Listing workloads');
  const abort = abortSignalOf(token);
  try {
    const items = await kube.listWorkloads({ namespace, kinds: params.kinds ?? workloadKinds, signal: abort.signal });
    return { items };
  } finally {
    abort.dispose();
    progress.done();
  }
}
