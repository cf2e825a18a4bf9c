// The cluster effects of dev mode: applies a start plan (claims, pod backup, guarded patch, pod rollout),
// waits for the dev pod, and restores a workload from its annotation. Decisions stay in plan.ts/restore.ts.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { DevPodFailedData, WorkloadRef } from '../../protocol/errors.js';
import { isStatus, type KubeObjects, type ObjectKind } from '../kube/objects.js';
import { devPodVerdict, pickDevPod, podEvents, type DevPodTarget, type DevPodVerdict } from './devPodStatus.js';
import { podBackupName, podFromBackup } from './podBackup.js';
import { planDevEnd, type DevEndOptions, type DevStartPlan } from './plan.js';
import { devLabels } from './saved.js';
import { stripServerFields } from './serverFields.js';
import { isWorkload, type Workload } from './types.js';

/** Test ops guard every patch; this many re-reads and re-plans before giving up on a busy workload. */
export const maxPlanAttempts = 4;

export function workloadNotFound(ref: WorkloadRef): ResponseError<WorkloadRef> {
  return new ResponseError(
    ErrorCodes.WorkloadNotFound,
    `${ref.kind} ${ref.name} not found in namespace ${ref.namespace}; check the name and the namespace (-n)`,
    ref,
  );
}

/** The workload as JSON, or undefined when it does not exist. */
export async function readWorkload(
  objects: KubeObjects,
  ref: WorkloadRef,
  signal: AbortSignal,
): Promise<Workload | undefined> {
  const value = await objects.find(ref.kind as ObjectKind, ref.namespace, ref.name, signal);
  if (value === undefined) return undefined;
  if (!isWorkload(value)) throw new Error(`${ref.kind} ${ref.name} came back without kind or metadata`);
  return value;
}

/** The claims and the pod backup a plan needs, before the patch that records the original. */
export async function prepareStart(objects: KubeObjects, namespace: string, plan: DevStartPlan, signal: AbortSignal) {
  for (const dir of plan.persistentDirs) {
    const existing = await objects.find('PersistentVolumeClaim', namespace, dir.claimName, signal);
    if (existing !== undefined && !neverBoundOtherClass(existing, dir.claim)) continue;
    // A claim that never bound holds no data: one left by a start whose class was wrong gives way to the new one.
    if (existing !== undefined) await objects.remove('PersistentVolumeClaim', namespace, dir.claimName, signal);
    await createIfAbsent(objects, 'PersistentVolumeClaim', namespace, dir.claim, signal);
  }
  if (plan.rollout === 'recreate' && plan.podBackup) {
    // A backup left by an earlier session describes the same original: the Pod is only ever restored from it.
    await createIfAbsent(objects, 'ConfigMap', namespace, plan.podBackup, signal);
  }
}

function neverBoundOtherClass(existing: unknown, wanted: Workload): boolean {
  const claim = existing as { spec?: { storageClassName?: unknown }; status?: { phase?: unknown } };
  if (claim.status?.phase === 'Bound') return false;
  const wantedClass = (wanted.spec as { storageClassName?: unknown } | undefined)?.storageClassName;
  return wantedClass !== undefined && claim.spec?.storageClassName !== wantedClass;
}

async function createIfAbsent(
  objects: KubeObjects,
  kind: ObjectKind,
  namespace: string,
  body: unknown,
  signal: AbortSignal,
): Promise<void> {
  try {
    await objects.create(kind, namespace, body, signal);
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}

/** Replaces the pods of the old spec with dev pods, by the plan's rollout kind. */
export async function rollOut(
  objects: KubeObjects,
  namespace: string,
  original: Workload,
  plan: DevStartPlan,
  signal: AbortSignal,
): Promise<void> {
  switch (plan.rollout) {
    case 'controller':
      return;
    case 'deletePods': {
      const selector = matchLabels(original);
      if (!selector) return;
      const pods = await objects.list('Pod', namespace, signal, { labelSelector: selector });
      for (const pod of pods) {
        const metadata = (pod as { metadata?: { name?: string; labels?: Record<string, string> } }).metadata;
        if (metadata?.name && metadata.labels?.[devLabels.devMode] !== 'true')
          await objects.remove('Pod', namespace, metadata.name, signal, { gracePeriodSeconds: 1 });
      }
      return;
    }
    case 'recreate':
      if (!plan.recreatedPod) return;
      await replacePod(objects, namespace, original.metadata.name, plan.recreatedPod, signal);
      return;
    case 'createDevPod':
      if (!plan.devPod) return;
      await replacePod(objects, namespace, plan.devPod.metadata.name, plan.devPod, signal);
      return;
  }
}

/** Deletes the pod `name` (if any), waits until it is gone, then creates `pod`. */
export async function replacePod(
  objects: KubeObjects,
  namespace: string,
  name: string,
  pod: Workload | undefined,
  signal: AbortSignal,
  gracePeriodSeconds = 1,
): Promise<void> {
  await objects.remove('Pod', namespace, name, signal, { gracePeriodSeconds });
  await until(signal, async () => (await objects.find('Pod', namespace, name, signal)) === undefined);
  if (pod) await objects.create('Pod', namespace, stripServerFields(pod), signal);
}

/** Polls `check` every `intervalMs` until it is true; rejects when `signal` aborts. */
export async function until(signal: AbortSignal, check: () => Promise<boolean>, intervalMs = 100): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    if (await check()) return;
    await pause(intervalMs, signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}

function onDelete(workload: Workload): boolean {
  return (workload.spec?.updateStrategy as { type?: unknown } | undefined)?.type === 'OnDelete';
}

async function deleteDevPods(
  objects: KubeObjects,
  namespace: string,
  workload: Workload,
  signal: AbortSignal,
): Promise<void> {
  const selector = matchLabels(workload);
  if (!selector) return;
  const pods = await objects.list('Pod', namespace, signal, {
    labelSelector: `${selector},${devLabels.devMode}=true`,
  });
  for (const pod of pods) {
    const name = (pod as { metadata?: { name?: string } }).metadata?.name;
    if (name) await objects.remove('Pod', namespace, name, signal, { gracePeriodSeconds: 0 });
  }
}

function matchLabels(workload: Workload): string | undefined {
  const labels = (workload.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return labelSelector(labels);
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/**
 * Watches the dev pod, and the namespace's events as its evidence, until it runs or fails for good; `onVerdict`
 * sees each observation (for progress). Resolves with the ready verdict or the failed one; rejects on abort; a
 * timeout resolves as failed.
 */
export async function waitForDevPod(
  objects: KubeObjects,
  namespace: string,
  target: DevPodTarget,
  options: { signal: AbortSignal; timeoutMs: number; onVerdict(verdict: DevPodVerdict): void },
): Promise<DevPodVerdict> {
  const stopWatches = new AbortController();
  const signal = AbortSignal.any([options.signal, stopWatches.signal]);
  let pods: unknown[] = [];
  let events: unknown[] = [];
  let version = 0;
  let wake: (() => void) | undefined;
  const changed = (): void => {
    version++;
    wake?.();
  };
  try {
    await Promise.all([
      objects.watch('Pod', namespace, signal, { labelSelector: labelSelector(target.labels) }, (items) => {
        pods = items;
        changed();
      }),
      // Events are evidence, not a condition of readiness: where they cannot be read (RBAC), dev start goes on
      // without them and a failure carries less to explain it.
      objects
        .watch('Event', namespace, signal, {}, (items) => {
          events = items;
          changed();
        })
        .catch((error: unknown) => {
          if (options.signal.aborted) throw error;
        }),
    ]);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      options.signal.throwIfAborted();
      const seen = version;
      let verdict = observeDevPod(pods, events, target);
      if (verdict.state === 'failed') {
        // The events watch may trail the pod's: the evidence is read afresh before it is reported.
        events = await objects.list('Event', namespace, options.signal).catch((error: unknown) => {
          if (options.signal.aborted) throw error;
          return events;
        });
        verdict = observeDevPod(pods, events, target);
      }
      options.onVerdict(verdict);
      if (verdict.state !== 'waiting') return verdict;
      const woken = await new Promise<boolean>((resolve, reject) => {
        if (version !== seen) return resolve(true);
        const timer = setTimeout(() => settle(() => resolve(false)), Math.max(0, deadline - Date.now()));
        const aborted = (): void =>
          settle(() => reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted')));
        function settle(finish: () => void): void {
          clearTimeout(timer);
          wake = undefined;
          options.signal.removeEventListener('abort', aborted);
          finish();
        }
        wake = () => settle(() => resolve(true));
        options.signal.addEventListener('abort', aborted, { once: true });
      });
      if (!woken) return timedOut(verdict, pods, events, target, options.timeoutMs);
    }
  } finally {
    stopWatches.abort();
  }
}

/** The dev pod's verdict from the pods and events as last seen. */
function observeDevPod(pods: readonly unknown[], events: readonly unknown[], target: DevPodTarget): DevPodVerdict {
  const name = pickDevPod(pods, target);
  if (name === undefined) return { state: 'waiting', reason: 'NoPod' };
  const pod = pods.find((p) => (p as { metadata?: { name?: string } }).metadata?.name === name);
  const verdict = devPodVerdict(pod, target.container, events);
  // The dev container can run before the pod's other containers do: ready means the whole pod runs.
  const phase = (pod as { status?: { phase?: unknown } } | undefined)?.status?.phase;
  if (verdict.state === 'ready' && phase !== 'Running') return { state: 'waiting', pod: name, reason: 'Pending' };
  return verdict;
}

function timedOut(
  last: Extract<DevPodVerdict, { state: 'waiting' }>,
  pods: readonly unknown[],
  events: readonly unknown[],
  target: DevPodTarget,
  timeoutMs: number,
): DevPodVerdict {
  const pod = last.pod
    ? pods.find((p) => (p as { metadata?: { name?: string } }).metadata?.name === last.pod)
    : undefined;
  const seen = pod ? devPodVerdict(pod, target.container, events) : last;
  const evidence = seen.state === 'failed' ? seen : undefined;
  return {
    state: 'failed',
    pod: last.pod ?? '',
    reason: 'Timeout',
    message: `the dev pod did not run within ${Math.round(timeoutMs / 1000)} s (last seen: ${last.reason}${last.message ? `: ${last.message}` : ''})`,
    ...(evidence?.containerState !== undefined ? { containerState: evidence.containerState } : {}),
    events: evidence?.events ?? (last.pod ? podEvents(events, last.pod) : []),
  };
}

export function devPodFailed(
  ref: WorkloadRef,
  verdict: Extract<DevPodVerdict, { state: 'failed' }>,
  rolledBack: boolean,
): ResponseError<DevPodFailedData> {
  const tail = rolledBack ? `; ${ref.kind} ${ref.name} was restored` : '; restoring it failed, run podloop dev reset';
  return new ResponseError(
    ErrorCodes.DevPodFailed,
    `dev pod${verdict.pod ? ` ${verdict.pod}` : ''} failed: ${verdict.reason}: ${verdict.message}${tail}`,
    {
      ...ref,
      ...(verdict.pod ? { pod: verdict.pod } : {}),
      reason: verdict.reason,
      ...(verdict.containerState !== undefined ? { containerState: verdict.containerState } : {}),
      events: verdict.events,
      rolledBack,
    },
  );
}

/**
 * Restores `ref` from the record it carries; `check` refuses a lease held elsewhere (absent: restore anyway).
 * A bare Pod lost between delete and re-create comes back from its backup. Returns whether anything changed.
 */
export async function restoreInCluster(
  objects: KubeObjects,
  ref: WorkloadRef,
  signal: AbortSignal,
  check: (() => DevEndOptions) | undefined,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const workload = await readWorkload(objects, ref, signal);
    if (!workload) {
      if (ref.kind === 'Pod') return restorePodFromBackup(objects, ref, signal);
      throw workloadNotFound(ref);
    }
    if (workload.metadata.annotations?.['podloop.dev/original'] === undefined) {
      if (ref.kind === 'Pod') await objects.remove('ConfigMap', ref.namespace, podBackupName(ref.name), signal);
      return false;
    }
    const plan = planDevEnd(workload, check?.());
    try {
      if (plan.patch.length > 0)
        await objects.jsonPatch(ref.kind as ObjectKind, ref.namespace, ref.name, plan.patch, signal);
      if (plan.recreatedPod) {
        await replacePod(objects, ref.namespace, ref.name, plan.recreatedPod, signal, 0);
      } else if (onDelete(workload)) {
        // OnDelete: the controller replaces a pod only once it is deleted, so the dev pods go explicitly.
        await deleteDevPods(objects, ref.namespace, workload, signal);
      } else {
        for (const pod of plan.deletePods)
          await objects.remove('Pod', ref.namespace, pod, signal, { gracePeriodSeconds: 0 });
      }
      for (const configMap of plan.deleteConfigMaps)
        await objects.remove('ConfigMap', ref.namespace, configMap, signal);
      return true;
    } catch (error) {
      if (isStatus(error, 422) && attempt < maxPlanAttempts) continue;
      throw error;
    }
  }
}

async function restorePodFromBackup(objects: KubeObjects, ref: WorkloadRef, signal: AbortSignal): Promise<boolean> {
  const backup = await objects.find('ConfigMap', ref.namespace, podBackupName(ref.name), signal);
  const pod = backup === undefined ? undefined : podFromBackup(backup);
  if (!pod) throw workloadNotFound(ref);
  try {
    await objects.create('Pod', ref.namespace, stripServerFields(pod), signal);
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
  await objects.remove('ConfigMap', ref.namespace, podBackupName(ref.name), signal);
  return true;
}
