// File sync's transport to a workload's dev container that follows pod replacements: each new
// channel goes to the pod running the container now, so a reconnect lands on the new dev pod.
import type { WorkloadRef } from '../../protocol/errors.js';
import { openExecChannel } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';
import { listWorkloadPods, pickPod, type PodSummary } from '../kube/pods.js';
import type { SyncTransport } from './transport.js';

/** The pod to open the next channel in: the one in use while it still runs, else the newest running one; pure. */
export function choosePod(
  pods: readonly PodSummary[],
  container: string,
  inUse: string | undefined,
): string | undefined {
  const usable = pods.filter((pod) => !pod.deleting && pod.phase === 'Running' && pod.running.includes(container));
  if (inUse !== undefined && usable.some((pod) => pod.name === inUse)) return inUse;
  return pickPod(usable)?.name;
}

export interface WorkloadTransport extends SyncTransport {
  /** The pod the last channel was opened in. */
  readonly pod: string | undefined;
}

export function workloadTransport(
  kube: Kube,
  workload: WorkloadRef,
  container: string,
  firstPod: string | undefined,
): WorkloadTransport {
  let pod = firstPod;
  let instance: string | undefined;
  return {
    get pod() {
      return pod;
    },
    get instance() {
      return instance;
    },
    async openChannel(command, signal) {
      const lookup = signal ?? new AbortController().signal;
      const pods = await listWorkloadPods(kube, workload, lookup).catch(() => []);
      const chosen = choosePod(pods, container, pod);
      // A workload whose selector does not match its dev pod (a separate dev pod) keeps the known one.
      if (chosen !== undefined) pod = chosen;
      const summary = pods.find((candidate) => candidate.name === chosen);
      // A restarted container starts from its image again: the restart count is part of its identity.
      instance = summary ? `${summary.uid}/${summary.restarts[container] ?? 0}` : undefined;
      if (pod === undefined)
        throw new Error(
          `${workload.kind} ${workload.name} in namespace ${workload.namespace} has no running pod with container ${container}`,
        );
      return openExecChannel(
        kube,
        { namespace: workload.namespace, pod, container },
        command,
        signal ? { signal } : {},
      );
    },
  };
}
