// The CronJob controller: creates a Job `<cronjob>-<minutes since epoch>` per scheduled time,
// honouring concurrencyPolicy, suspend, startingDeadlineSeconds and the history limits, and keeps
// status.active / lastScheduleTime / lastSuccessfulTime current. Reads time only from ctx.now.

import { ApiError } from '../store/errors.js';
import type { JsonValue, KubeObject } from '../store/objects.js';
import { CRONJOBS, JOBS, type ControllerContext } from './context.js';
import { lastRunBetween, nextRun, parseCron, zoneFormatter } from './cron.js';
import { jobFinished, type JobStatus } from './job.js';
import {
  controllerOf,
  isControlledBy,
  objectKey,
  ownerReference,
  specOf,
  splitKey,
  statusOf,
  timestamp,
  toJson,
} from './objects.js';
import type { Controller, ReconcileResult } from './queue.js';
import { withDefaults } from './defaults.js';

const COMPONENT = 'cronjob-controller';
/** Real timers only approximate an injected clock; never sleep longer than this between checks. */
const MAX_WAIT_MS = 60_000;

interface CronJobSpec {
  schedule?: string;
  timeZone?: string;
  suspend?: boolean;
  concurrencyPolicy?: string;
  startingDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: JsonValue;
  };
}

interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
}

interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

function jobReference(job: KubeObject): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    ...(job.metadata.namespace ? { namespace: job.metadata.namespace } : {}),
    uid: job.metadata.uid,
    resourceVersion: job.metadata.resourceVersion,
  };
}

function finishTime(job: KubeObject): number {
  const status = statusOf<JobStatus>(job);
  return Date.parse(status.completionTime ?? status.startTime ?? job.metadata.creationTimestamp) || 0;
}

export function cronJobController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'cronjob',
    watches: [
      { resource: CRONJOBS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      {
        resource: JOBS,
        keysFor: (event) => {
          const owner = controllerOf(event.object) ?? (event.previous ? controllerOf(event.previous) : undefined);
          return owner?.kind === 'CronJob' ? [objectKey(event.object.metadata.namespace, owner.name)] : [];
        },
      },
    ],
    initialKeys: () => store.list(CRONJOBS).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const cronJob = store.tryGet(CRONJOBS, namespace, name);
      if (!cronJob || cronJob.metadata.deletionTimestamp) return;
      return syncCronJob(ctx, cronJob);
    },
  };
}

function syncCronJob(ctx: ControllerContext, cronJob: KubeObject): ReconcileResult | void {
  const { store } = ctx;
  const spec = specOf<CronJobSpec>(cronJob);
  const previous = statusOf<CronJobStatus>(cronJob);
  const now = ctx.now();
  const jobs = store
    .list(JOBS, { namespace: cronJob.metadata.namespace })
    .items.filter((j) => isControlledBy(j, cronJob));
  const status: CronJobStatus = { ...previous };

  // Active list: our unfinished Jobs; finished ones that were active are reported once.
  const active = jobs.filter((j) => !jobFinished(j) && !j.metadata.deletionTimestamp);
  for (const ref of previous.active ?? []) {
    const job = jobs.find((j) => j.metadata.uid === ref.uid);
    const result = job ? jobFinished(job) : undefined;
    if (job && result) {
      ctx.record(
        cronJob,
        'Normal',
        'SawCompletedJob',
        `Saw completed job: ${job.metadata.name}, condition: ${result}`,
        COMPONENT,
      );
    }
  }
  for (const job of jobs) {
    if (jobFinished(job) !== 'Complete') continue;
    const done = statusOf<JobStatus>(job).completionTime;
    if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime)))
      status.lastSuccessfulTime = done;
  }
  pruneHistory(ctx, cronJob, jobs);

  let recheckInMs: number | undefined;
  let activeJobs = active;
  let schedule;
  try {
    schedule = parseCron(spec.schedule ?? '');
  } catch (error) {
    ctx.record(
      cronJob,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: ${JSON.stringify(spec.schedule ?? '')} : ${(error as Error).message}`,
      COMPONENT,
    );
    schedule = undefined;
  }
  const timeZone = spec.timeZone ?? undefined;
  if (schedule && timeZone) {
    try {
      zoneFormatter(timeZone);
    } catch {
      ctx.record(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}`, COMPONENT);
      schedule = undefined;
    }
  }
  if (schedule && !spec.suspend) {
    const since = new Date(
      Date.parse(previous.lastScheduleTime ?? cronJob.metadata.creationTimestamp) || now.getTime(),
    );
    const due = lastRunBetween(schedule, since, now, timeZone);
    const deadline = spec.startingDeadlineSeconds;
    if (due && deadline !== undefined && due.time.getTime() + deadline * 1000 < now.getTime()) {
      ctx.record(
        cronJob,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${timestamp(due.time)}`,
        COMPONENT,
      );
      status.lastScheduleTime = timestamp(due.time);
    } else if (due) {
      const policy = spec.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && activeJobs.length > 0) {
        // The run waits; once the active Job ends it starts if still within its deadline.
        ctx.record(
          cronJob,
          'Normal',
          'JobAlreadyActive',
          'Not starting job because prior execution is running and concurrency policy is Forbid',
          COMPONENT,
        );
      } else {
        if (policy === 'Replace') {
          for (const job of activeJobs) {
            store.delete(JOBS, job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' });
            ctx.record(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
          }
          activeJobs = [];
        }
        const job = createJob(ctx, cronJob, due.time);
        if (job && !activeJobs.some((j) => j.metadata.uid === job.metadata.uid)) activeJobs = [...activeJobs, job];
        status.lastScheduleTime = timestamp(due.time);
      }
    }
    const next = nextRun(schedule, now, timeZone);
    if (next) recheckInMs = Math.min(MAX_WAIT_MS, Math.max(0, next.getTime() - now.getTime()) + 100);
  }

  if (activeJobs.length > 0)
    status.active = activeJobs.map(
      (job) => previous.active?.find((ref) => ref.uid === job.metadata.uid) ?? jobReference(job),
    );
  else delete status.active;
  if (JSON.stringify(status) !== JSON.stringify(previous)) {
    store.update(CRONJOBS, { ...cronJob, status: toJson(status) }, { subresource: 'status' });
  }
  return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs } : undefined;
}

function createJob(ctx: ControllerContext, cronJob: KubeObject, scheduled: Date): KubeObject | undefined {
  const { store } = ctx;
  const template = specOf<CronJobSpec>(cronJob).jobTemplate ?? {};
  const name = `${cronJob.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
  try {
    const job = store.create(
      JOBS,
      withDefaults(JOBS, {
        metadata: {
          name,
          namespace: cronJob.metadata.namespace,
          labels: { ...(template.metadata?.labels ?? {}) },
          annotations: {
            ...(template.metadata?.annotations ?? {}),
            'batch.kubernetes.io/cronjob-scheduled-timestamp': timestamp(scheduled),
          },
          ownerReferences: [ownerReference(cronJob)],
        },
        spec: toJson(template.spec ?? {}),
      }),
    );
    ctx.record(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${name}`, COMPONENT);
    return job;
  } catch (error) {
    if (error instanceof ApiError && error.reason === 'AlreadyExists')
      return store.tryGet(JOBS, cronJob.metadata.namespace, name);
    throw error;
  }
}

/** Keeps the newest successfulJobsHistoryLimit complete and failedJobsHistoryLimit failed Jobs. */
function pruneHistory(ctx: ControllerContext, cronJob: KubeObject, jobs: KubeObject[]): void {
  const spec = specOf<CronJobSpec>(cronJob);
  const limits = { Complete: spec.successfulJobsHistoryLimit ?? 3, Failed: spec.failedJobsHistoryLimit ?? 1 };
  for (const result of ['Complete', 'Failed'] as const) {
    const finished = jobs
      .filter((j) => jobFinished(j) === result && !j.metadata.deletionTimestamp)
      .sort((a, b) => finishTime(b) - finishTime(a) || b.metadata.name.localeCompare(a.metadata.name));
    for (const job of finished.slice(limits[result])) {
      try {
        ctx.store.delete(JOBS, job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' });
        ctx.record(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      }
    }
  }
}
