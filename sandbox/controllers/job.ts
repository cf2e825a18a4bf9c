// The Job controller: runs pods until `completions` succeed (at most `parallelism` at once), fails
// the Job after backoffLimit failures or its active deadline, honours suspend and
// ttlSecondsAfterFinished. Decides in planJob (pure); the effect layer creates and deletes.

import { ApiError } from '../store/errors.js';
import type { KubeObject, KubeObjectInput } from '../store/objects.js';
import { JOBS, PODS, type ControllerContext } from './context.js';
import {
  controllerOf,
  isControlledBy,
  isPodActive,
  isPodReady,
  objectKey,
  podFromTemplate,
  podPhase,
  podTemplateOf,
  restartCount,
  setCondition,
  specOf,
  splitKey,
  statusOf,
  timestamp,
  toJson,
  type Condition,
  type PodSpec,
} from './objects.js';
import type { Controller, ReconcileResult } from './queue.js';
import { withDefaults } from './defaults.js';

const COMPONENT = 'job-controller';

interface JobSpec {
  completions?: number | null;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  completionMode?: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  /** Indexed Jobs: the succeeded indexes as ranges, e.g. "0-2,5". */
  completedIndexes?: string;
  ready?: number;
  terminating?: number;
  conditions?: Condition[];
  uncountedTerminatedPods?: Record<string, never>;
}

export interface JobPlan {
  create: number;
  /** Indexed Jobs: the completion index of each pod to create (as many as `create`). */
  createIndexes?: number[];
  delete: KubeObject[];
  status: JobStatus;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
  /** Delete the Job itself (ttlSecondsAfterFinished has passed). */
  deleteJob: boolean;
  recheckInMs?: number;
}

export function jobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const conditions = statusOf<JobStatus>(job).conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return undefined;
}

function lastFinish(pods: KubeObject[]): number {
  let latest = 0;
  for (const pod of pods) {
    const statuses =
      (pod.status as { containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[] } | undefined)
        ?.containerStatuses ?? [];
    for (const s of statuses) latest = Math.max(latest, Date.parse(s.state?.terminated?.finishedAt ?? '') || 0);
    if (latest === 0) latest = Math.max(latest, Date.parse(pod.metadata.creationTimestamp) || 0);
  }
  return latest;
}

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

function completionIndex(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** "0-2,5" <-> {0,1,2,5}, the notation of status.completedIndexes. */
export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) continue;
    for (let i = Number(match[1]); i <= Number(match[2] ?? match[1]); i++) out.add(i);
  }
  return out;
}

export function formatIndexes(indexes: Set<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i]! + 1) i++;
    ranges.push(start === sorted[i] ? String(start) : `${start}-${sorted[i]}`);
  }
  return ranges.join(',');
}

/** What a Job must do now, given its pods (pure). */
export function planJob(job: KubeObject, pods: KubeObject[], now: Date, backoffBaseMs: number): JobPlan {
  const spec = specOf<JobSpec>(job);
  const previous = statusOf<JobStatus>(job);
  const stamp = timestamp(now);
  const events: JobPlan['events'] = [];
  const active = pods.filter(isPodActive);
  const terminating = pods.filter(
    (p) => p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(podPhase(p)),
  );
  const succeededPods = pods.filter((p) => podPhase(p) === 'Succeeded');
  const failedPods = pods.filter((p) => podPhase(p) === 'Failed');
  const completions = spec.completions === undefined ? (spec.parallelism === undefined ? 1 : null) : spec.completions;
  const indexed = spec.completionMode === 'Indexed' && completions !== null;
  const doneIndexes = parseIndexes(previous.completedIndexes);
  for (const pod of succeededPods) {
    const index = completionIndex(pod);
    if (index !== undefined && completions !== null && index < completions) doneIndexes.add(index);
  }
  const succeeded = indexed ? doneIndexes.size : Math.max(previous.succeeded ?? 0, succeededPods.length);
  const onFailureRestarts =
    (podTemplateOf(job).spec as PodSpec | undefined)?.restartPolicy === 'OnFailure'
      ? pods.reduce((n, p) => n + restartCount(p), 0)
      : 0;
  const failed = Math.max(previous.failed ?? 0, failedPods.length);
  const parallelism = spec.parallelism ?? 1;
  const backoffLimit = spec.backoffLimit ?? 6;
  let conditions = [...(previous.conditions ?? [])];
  const condition = (type: string, reason: string, message: string): Condition => ({
    type,
    status: 'True',
    lastProbeTime: stamp,
    lastTransitionTime: stamp,
    reason,
    message,
  });
  const finished = jobFinished(job);
  const plan: JobPlan = { create: 0, delete: [], status: {}, events, deleteJob: false };
  let startTime = previous.startTime;
  let completionTime = previous.completionTime;

  if (finished) {
    // Nothing runs after the end; only the time-to-live matters.
    plan.delete = active;
    const ttl = spec.ttlSecondsAfterFinished;
    const endedAt =
      Date.parse(completionTime ?? conditions.find((c) => c.type === finished)?.lastTransitionTime ?? '') ||
      now.getTime();
    if (ttl !== undefined && ttl !== null) {
      const due = endedAt + ttl * 1000;
      if (due <= now.getTime()) plan.deleteJob = true;
      else plan.recheckInMs = due - now.getTime();
    }
  } else if (spec.suspend) {
    plan.delete = active;
    if (!conditions.some((c) => c.type === 'Suspended' && c.status === 'True')) {
      conditions = setCondition(conditions, condition('Suspended', 'JobSuspended', 'Job suspended'));
      events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
    startTime = undefined;
  } else {
    if (conditions.some((c) => c.type === 'Suspended' && c.status === 'True')) {
      conditions = setCondition(conditions, {
        ...condition('Suspended', 'JobResumed', 'Job resumed'),
        status: 'False',
      });
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    }
    startTime ??= stamp;
    const deadline = spec.activeDeadlineSeconds;
    const overdue = deadline !== undefined && Date.parse(startTime) + deadline * 1000 <= now.getTime();
    const complete = completions === null ? succeeded > 0 && active.length === 0 : succeeded >= completions;
    if (complete) {
      completionTime = stamp;
      conditions = setCondition(
        conditions,
        condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      );
      conditions = setCondition(
        conditions,
        condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      );
      events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      plan.delete = active;
    } else if (failed > backoffLimit || (onFailureRestarts > 0 && onFailureRestarts >= backoffLimit) || overdue) {
      const [reason, message] = overdue
        ? ['DeadlineExceeded', 'Job was active longer than specified deadline']
        : ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
      conditions = setCondition(conditions, condition('FailureTarget', reason, message));
      conditions = setCondition(conditions, condition('Failed', reason, message));
      events.push({ type: 'Warning', reason, message });
      plan.delete = active;
    } else {
      const remaining =
        completions === null ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
      const wanted = Math.max(0, remaining);
      if (active.length > wanted) {
        plan.delete = [...active]
          .sort((a, b) => Date.parse(b.metadata.creationTimestamp) - Date.parse(a.metadata.creationTimestamp))
          .slice(0, active.length - wanted);
      } else if (active.length < wanted) {
        // Failed pods are replaced after a back-off that doubles per failure (10 s, 20 s, ... 6 min).
        const delay = failed > 0 ? Math.min(backoffBaseMs * 2 ** (failed - 1), 360_000) : 0;
        const readyAt = failed > 0 ? lastFinish(failedPods) + delay : 0;
        if (readyAt <= now.getTime()) plan.create = wanted - active.length;
        else plan.recheckInMs = readyAt - now.getTime();
        if (indexed && plan.create > 0) {
          const running = new Set(active.map(completionIndex));
          const free: number[] = [];
          for (let i = 0; i < completions && free.length < plan.create; i++) {
            if (!doneIndexes.has(i) && !running.has(i)) free.push(i);
          }
          plan.create = free.length;
          plan.createIndexes = free;
        }
      }
      if (deadline !== undefined) {
        const due = Date.parse(startTime) + deadline * 1000 - now.getTime();
        plan.recheckInMs = Math.min(plan.recheckInMs ?? Infinity, Math.max(0, due));
      }
    }
  }

  const stillActive = active.length - plan.delete.length;
  plan.status = {
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
    ...(stillActive + plan.create > 0 ? { active: stillActive + plan.create } : {}),
    ...(succeeded > 0 ? { succeeded } : {}),
    ...(failed > 0 ? { failed } : {}),
    ...(indexed && doneIndexes.size > 0 ? { completedIndexes: formatIndexes(doneIndexes) } : {}),
    ready: active.filter((p) => !plan.delete.includes(p) && isPodReady(p)).length,
    terminating: terminating.length + plan.delete.length,
    ...(conditions.length > 0 ? { conditions } : {}),
    uncountedTerminatedPods: {},
  };
  return plan;
}

export function jobController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'job',
    watches: [
      { resource: JOBS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      {
        resource: PODS,
        keysFor: (event) => {
          const owner = controllerOf(event.object);
          return owner?.kind === 'Job' ? [objectKey(event.object.metadata.namespace, owner.name)] : [];
        },
      },
    ],
    initialKeys: () => store.list(JOBS).items.map(keyOf),
    reconcile(key): ReconcileResult | void {
      const { namespace, name } = splitKey(key);
      const job = store.tryGet(JOBS, namespace, name);
      if (!job || job.metadata.deletionTimestamp) return;
      const pods = store.list(PODS, { namespace }).items.filter((p) => isControlledBy(p, job));
      const plan = planJob(job, pods, ctx.now(), ctx.jobBackoffMs);
      return applyJobPlan(ctx, job, plan);
    },
  };
}

/** A Job's pod; an Indexed Job's pod also carries its index and JOB_COMPLETION_INDEX. */
function jobPod(job: KubeObject, labels: Record<string, string>, index: number | undefined): KubeObjectInput {
  const name = job.metadata.name;
  if (index === undefined) {
    return podFromTemplate(podTemplateOf(job), job, { generateName: `${name}-` }, labels) as KubeObjectInput;
  }
  const pod = podFromTemplate(
    podTemplateOf(job),
    job,
    { generateName: `${name}-${index}-` },
    {
      ...labels,
      [COMPLETION_INDEX]: String(index),
    },
  ) as KubeObjectInput & { spec: { containers?: { env?: unknown[] }[]; hostname?: string } };
  pod.metadata = {
    ...pod.metadata,
    annotations: { ...(pod.metadata?.annotations ?? {}), [COMPLETION_INDEX]: String(index) },
  };
  pod.spec.hostname = `${name}-${index}`;
  const indexEnv = {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
  };
  for (const container of pod.spec.containers ?? []) container.env = [...(container.env ?? []), indexEnv];
  return pod;
}

function applyJobPlan(ctx: ControllerContext, job: KubeObject, plan: JobPlan): ReconcileResult | void {
  const { store } = ctx;
  if (plan.deleteJob) {
    try {
      store.delete(JOBS, job.metadata.namespace, job.metadata.name, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata.uid },
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
    return;
  }
  for (const pod of plan.delete) {
    store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
    ctx.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
  }
  const labels = {
    'batch.kubernetes.io/controller-uid': job.metadata.uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': job.metadata.uid,
    'job-name': job.metadata.name,
  };
  for (let i = 0; i < plan.create; i++) {
    const index = plan.createIndexes?.[i];
    const pod = store.create(PODS, withDefaults(PODS, jobPod(job, labels, index)));
    ctx.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
  }
  for (const event of plan.events) ctx.record(job, event.type, event.reason, event.message, COMPONENT);
  const previous = statusOf<Record<string, unknown>>(job);
  if (JSON.stringify(plan.status) !== JSON.stringify(previous)) {
    store.update(JOBS, { ...job, status: toJson(plan.status) }, { subresource: 'status' });
  }
  return plan.recheckInMs !== undefined ? { requeueAfterMs: plan.recheckInMs + 50 } : undefined;
}
