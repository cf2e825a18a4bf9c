// Reads pods as listed and decides which one is the dev pod and whether it is ready, still coming up, or
// failed for good (bad image, crashing PID 1, pod failed, a claim without storage), with the evidence an
// error should carry.
import { blockingCommand } from './devContainer.js';
import { isJsonObject } from './types.js';

export interface DevPodTarget {
  /** Labels every dev pod carries (a plan's devPodLabels). */
  labels: Record<string, string>;
  container: string;
  image: string;
}

export type DevPodVerdict =
  | { state: 'ready'; pod: string }
  | { state: 'waiting'; pod?: string; reason: string; message?: string }
  | { state: 'failed'; pod: string; reason: string; message: string; containerState?: unknown; events: string[] };

/** Container waiting reasons that do not resolve by themselves. */
const failingReasons = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Claim events that mean the claim stays Pending until someone changes the cluster's storage. */
const storageFailureReasons = new Set(['ProvisioningFailed', 'FailedBinding']);

interface PodView {
  name: string;
  uid: string | undefined;
  /** Names of the PersistentVolumeClaims the pod mounts. */
  claims: string[];
  labels: Record<string, string>;
  creationTimestamp: string;
  deleting: boolean;
  containers: Array<{ name: string; image?: unknown; command?: unknown }>;
  status: Record<string, unknown>;
}

/**
 * The newest live pod that is the dev pod of `target`: it has the dev labels and its dev container runs the
 * dev image with podloop's PID 1, so pods of an earlier rollout or session are never mistaken for it.
 */
export function pickDevPod(pods: readonly unknown[], target: DevPodTarget): string | undefined {
  const candidates = pods
    .map(podView)
    .filter((pod): pod is PodView => pod !== undefined && !pod.deleting)
    .filter((pod) => Object.entries(target.labels).every(([key, value]) => pod.labels[key] === value))
    .filter((pod) => {
      const container = pod.containers.find((c) => c.name === target.container);
      return container?.image === target.image && sameArgv(container.command, blockingCommand);
    });
  candidates.sort((a, b) => b.creationTimestamp.localeCompare(a.creationTimestamp));
  return candidates[0]?.name;
}

/** The state of the dev container in `pod`; `events` are Events as listed (only the pod's own are used). */
export function devPodVerdict(pod: unknown, container: string, events: readonly unknown[] = []): DevPodVerdict {
  const view = podView(pod);
  if (!view) return { state: 'waiting', reason: 'NoPod' };
  const evidence = (): string[] => podEvents(events, view.name, 5, view.uid);
  const phase = view.status.phase;
  const statuses = Array.isArray(view.status.containerStatuses) ? view.status.containerStatuses : [];
  const status = statuses.find((s): s is Record<string, unknown> => isJsonObject(s) && s.name === container);
  const state = status && isJsonObject(status.state) ? status.state : undefined;

  if (phase === 'Failed' || phase === 'Succeeded') {
    const message =
      typeof view.status.message === 'string' ? view.status.message : `the pod ${String(phase).toLowerCase()}`;
    return failed(view.name, phase === 'Failed' ? 'PodFailed' : 'PodCompleted', message, state, evidence());
  }
  if (state && isJsonObject(state.running)) return { state: 'ready', pod: view.name };
  if (state && isJsonObject(state.waiting)) {
    const reason = typeof state.waiting.reason === 'string' ? state.waiting.reason : 'Waiting';
    const message = typeof state.waiting.message === 'string' ? state.waiting.message : undefined;
    if (failingReasons.has(reason)) {
      return failed(view.name, reason, message ?? `container ${container} is in ${reason}`, state, evidence());
    }
    return { state: 'waiting', pod: view.name, reason, ...(message ? { message } : {}) };
  }
  if (state && isJsonObject(state.terminated)) {
    // PID 1 is podloop's blocking loop; it exiting means the dev image cannot run it (no sh, wrong platform...).
    const exitCode = state.terminated.exitCode;
    const reason = typeof state.terminated.reason === 'string' ? state.terminated.reason : 'Error';
    return failed(
      view.name,
      'ContainerExited',
      `container ${container} exited (${reason}, code ${String(exitCode)})`,
      state,
      evidence(),
    );
  }
  const unschedulable = conditions(view.status).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unschedulable) {
    // Only while the scheduler blames the claims: an old event about a claim bound since says nothing.
    const blamesClaims = /PersistentVolumeClaim/i.test(String(unschedulable.message ?? ''));
    const storage = blamesClaims ? storageFailure(view, events) : undefined;
    if (storage)
      return failed(view.name, storage.reason, storage.message, undefined, [...evidence(), ...storage.events]);
    const message = typeof unschedulable.message === 'string' ? unschedulable.message : undefined;
    return {
      state: 'waiting',
      pod: view.name,
      reason: String(unschedulable.reason ?? 'Unschedulable'),
      ...(message ? { message } : {}),
    };
  }
  return { state: 'waiting', pod: view.name, reason: typeof phase === 'string' ? phase : 'Pending' };
}

/**
 * An unschedulable pod whose claim the cluster cannot bind (its StorageClass does not exist, or no class and
 * no default): that does not resolve by itself, so dev start need not wait out its timeout.
 */
function storageFailure(
  pod: PodView,
  events: readonly unknown[],
): { reason: string; message: string; events: string[] } | undefined {
  for (const claim of pod.claims) {
    const about = objectEvents(events, 'PersistentVolumeClaim', claim);
    const failure = about.filter((event) => storageFailureReasons.has(String(event.reason))).at(-1);
    if (!failure) continue;
    return {
      reason: String(failure.reason),
      message:
        `claim ${claim} cannot be bound: ${String(failure.message ?? failure.reason)}; ` +
        'name a StorageClass the cluster has (kubectl get storageclass) in persistentDirs[].storageClass, ' +
        "or leave it out for the cluster's default class",
      events: eventTexts(about, 5),
    };
  }
  return undefined;
}

/** The pod's recent events, oldest first, as "Reason: message" (Warnings marked), at most `limit`. */
export function podEvents(events: readonly unknown[], podName: string, limit = 5, podUid?: string): string[] {
  return eventTexts(objectEvents(events, 'Pod', podName, podUid), limit);
}

/** Events about one object; with a uid, not those of an earlier object of the same name. */
function objectEvents(
  events: readonly unknown[],
  kind: string,
  name: string,
  uid?: string,
): Array<Record<string, unknown>> {
  return events.filter(isJsonObject).filter((event) => {
    const about = event.involvedObject;
    if (!isJsonObject(about) || about.kind !== kind || about.name !== name) return false;
    return uid === undefined || about.uid === undefined || about.uid === uid;
  });
}

function eventTexts(events: ReadonlyArray<Record<string, unknown>>, limit: number): string[] {
  return events
    .map((event) => ({
      time: String(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? ''),
      text: `${event.type === 'Warning' ? 'Warning ' : ''}${String(event.reason ?? '')}: ${String(event.message ?? '')}`,
    }))
    .sort((a, b) => a.time.localeCompare(b.time))
    .slice(-limit)
    .map((event) => event.text);
}

function failed(
  pod: string,
  reason: string,
  message: string,
  containerState: unknown,
  events: string[],
): DevPodVerdict {
  return { state: 'failed', pod, reason, message, ...(containerState !== undefined ? { containerState } : {}), events };
}

function podView(value: unknown): PodView | undefined {
  if (!isJsonObject(value) || !isJsonObject(value.metadata) || typeof value.metadata.name !== 'string')
    return undefined;
  const metadata = value.metadata;
  const spec = isJsonObject(value.spec) ? value.spec : {};
  const labels = isJsonObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : [];
  return {
    name: metadata.name as string,
    uid: typeof metadata.uid === 'string' ? metadata.uid : undefined,
    claims: volumes.flatMap((volume) =>
      isJsonObject(volume.persistentVolumeClaim) && typeof volume.persistentVolumeClaim.claimName === 'string'
        ? [volume.persistentVolumeClaim.claimName]
        : [],
    ),
    labels,
    creationTimestamp: typeof metadata.creationTimestamp === 'string' ? metadata.creationTimestamp : '',
    deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    containers: Array.isArray(spec.containers) ? (spec.containers.filter(isJsonObject) as PodView['containers']) : [],
    status: isJsonObject(value.status) ? value.status : {},
  };
}

function conditions(status: Record<string, unknown>): Array<Record<string, unknown>> {
  return Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
}

function sameArgv(value: unknown, expected: readonly string[]): boolean {
  return Array.isArray(value) && value.length === expected.length && value.every((item, i) => item === expected[i]);
}
