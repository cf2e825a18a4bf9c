// Where run, debug and exec go: the dev session's pod and container when this engine has one for
// the workload, else the workload's current pod and the named (or first) container.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { ContainerTarget } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';
import { currentPod } from '../kube/pods.js';
import type { WorkloadTarget } from '../kube/pods.js';
import type { EngineStateHub } from '../state.js';

export async function resolveContainer(
  kube: Kube,
  state: EngineStateHub | undefined,
  workload: WorkloadTarget,
  container: string | undefined,
  signal: AbortSignal,
): Promise<ContainerTarget> {
  const devSession = state
    ?.devSessions()
    .find(
      (info) =>
        info.workload.kind === workload.kind &&
        info.workload.name === workload.name &&
        info.workload.namespace === workload.namespace &&
        info.phase === 'running' &&
        info.pod !== undefined,
    );
  if (devSession?.pod !== undefined && (container === undefined || container === devSession.container))
    return { namespace: workload.namespace, pod: devSession.pod, container: devSession.container };
  const pod = await currentPod(kube, workload, signal);
  const chosen = container ?? pod.containers[0];
  if (chosen === undefined || !pod.containers.includes(chosen)) {
    throw new ResponseError(
      ErrorCodes.ContainerNotFound,
      `${workload.kind} ${workload.name} in namespace ${workload.namespace} has no container '${container ?? ''}'; its containers are: ${pod.containers.join(', ')}`,
      { ...workload, container: container ?? '', containers: pod.containers },
    );
  }
  return { namespace: workload.namespace, pod: pod.name, container: chosen };
}
