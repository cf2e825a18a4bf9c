// The pod status the kubelet publishes, computed from a snapshot of its containers: phase,
// conditions (with stable lastTransitionTime), container statuses, IPs. Pure.

import type { RestartPolicy } from './spec.js';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: TerminatedState };

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID?: string;
}

export interface ContainerSnapshot {
  name: string;
  image: string;
  imageID: string;
  containerID: string | undefined;
  state: ContainerState;
  lastState: { terminated?: TerminatedState };
  ready: boolean;
  started: boolean;
  restartCount: number;
}

export interface PodSnapshot {
  restartPolicy: RestartPolicy;
  initContainers: ContainerSnapshot[];
  containers: ContainerSnapshot[];
  initialized: boolean;
  /** An init container failed for good (restartPolicy Never). */
  initFailed: boolean;
  sandboxReady: boolean;
  podIP: string | undefined;
  hostIP: string;
  startTime: string;
  qosClass: string;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

function isWaiting(c: ContainerSnapshot): boolean {
  return 'waiting' in c.state;
}

export function podPhase(s: PodSnapshot): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (s.initFailed) return 'Failed';
  if (!s.initialized) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of s.containers) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (s.restartPolicy === 'Always') return 'Running';
  // Containers waiting to restart after a failure keep the pod Running.
  if (s.containers.some((c) => isWaiting(c))) return 'Running';
  if (succeeded === stopped) return 'Succeeded';
  return s.restartPolicy === 'OnFailure' ? 'Running' : 'Failed';
}

function notReadyMessage(names: string[]): string {
  return `containers with unready status: [${names.join(' ')}]`;
}

export function buildPodStatus(
  s: PodSnapshot,
  previous: Record<string, unknown> | undefined,
  now: string,
): Record<string, unknown> {
  const phase = podPhase(s);
  const previousConditions = Array.isArray(previous?.conditions) ? (previous.conditions as Condition[]) : [];
  const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const before = previousConditions.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const unready = s.containers.filter((c) => !c.ready).map((c) => c.name);
  const containersReady = s.initialized && unready.length === 0 && !finished;
  const pendingInit = s.initContainers
    .filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))
    .map((c) => c.name);
  const reason = finished ? 'PodCompleted' : 'ContainersNotReady';
  const conditions: Condition[] = [
    condition('PodReadyToStartContainers', s.sandboxReady && !finished),
    s.initialized || finished
      ? condition('Initialized', true, finished && !s.initialized ? 'PodCompleted' : undefined)
      : condition(
          'Initialized',
          false,
          'ContainersNotInitialized',
          `containers with incomplete status: [${pendingInit.join(' ')}]`,
        ),
    containersReady
      ? condition('Ready', true)
      : condition('Ready', false, reason, finished ? undefined : notReadyMessage(unready)),
    containersReady
      ? condition('ContainersReady', true)
      : condition('ContainersReady', false, reason, finished ? undefined : notReadyMessage(unready)),
  ];
  // PodScheduled belongs to the scheduler; keep whatever it wrote, or say so ourselves.
  const scheduled = previousConditions.find((c) => c.type === 'PodScheduled') ?? condition('PodScheduled', true);
  conditions.push(scheduled);
  const others = previousConditions.filter((c) => !conditions.some((k) => k.type === c.type));

  const render = (c: ContainerSnapshot): Record<string, unknown> => ({
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  });
  return {
    phase,
    conditions: [...conditions, ...others],
    hostIP: s.hostIP,
    hostIPs: [{ ip: s.hostIP }],
    ...(s.podIP ? { podIP: s.podIP, podIPs: [{ ip: s.podIP }] } : {}),
    startTime: s.startTime,
    ...(s.initContainers.length ? { initContainerStatuses: s.initContainers.map(render) } : {}),
    containerStatuses: s.containers.map(render),
    qosClass: s.qosClass,
  };
}
