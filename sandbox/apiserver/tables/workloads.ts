// Table printers of the workload kinds: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
// CronJobs, autoscalers and controller revisions.

import type { JsonObject } from '../../store/objects.js';
import { age, AGE, col, name, NAME, spec, status, wideWorkload, workloadWide, type Printer } from './columns.js';
import { containersAndImages, formatLabels, humanDuration, list, num, obj, since, text } from './format.js';

export const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    col(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    AGE,
    ...wideWorkload,
  ],
  print: (o, now) => ({
    cells: [
      name(o),
      `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`,
      num(status(o).updatedReplicas),
      num(status(o).availableReplicas),
      age(o, now),
      ...workloadWide(obj(spec(o).template).spec, spec(o).selector),
    ],
  }),
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'Replicas is the number of desired replicas.', 0, 'integer'),
    col('Current', 'Replicas is the most recently observed number of replicas.', 0, 'integer'),
    col('Ready', 'The number of ready replicas for this replica set.', 0, 'integer'),
    AGE,
    ...wideWorkload,
  ],
  print: (o, now) => ({
    cells: [
      name(o),
      num(spec(o).replicas),
      num(status(o).replicas),
      num(status(o).readyReplicas),
      age(o, now),
      ...workloadWide(obj(spec(o).template).spec, spec(o).selector),
    ],
  }),
};

export const statefulSetPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    AGE,
    col('Containers', 'Names of each container in the template.', 1),
    col('Images', 'Images referenced by each container in the template.', 1),
  ],
  print: (o, now) => ({
    cells: [
      name(o),
      `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`,
      age(o, now),
      ...containersAndImages(obj(spec(o).template).spec),
    ],
  }),
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'The total number of nodes that should be running the daemon pod.', 0, 'integer'),
    col('Current', 'The number of nodes that are running at least 1 daemon pod.', 0, 'integer'),
    col(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      0,
      'integer',
    ),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
    col(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      0,
      'integer',
    ),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE,
    ...wideWorkload,
  ],
  print: (o, now) => {
    const s = status(o);
    const template = obj(spec(o).template);
    return {
      cells: [
        name(o),
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        formatLabels(obj(template.spec).nodeSelector),
        age(o, now),
        ...workloadWide(template.spec, spec(o).selector),
      ],
    };
  },
};

function hasCondition(o: JsonObject, type: string): boolean {
  return list(status(o).conditions)
    .map(obj)
    .some((c) => c.type === type && c.status === 'True');
}

export const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'Status of the job.'),
    col('Completions', 'The desired number of successfully finished pods the job should be run with.'),
    col('Duration', 'Time required to complete the job.'),
    AGE,
    ...wideWorkload,
  ],
  print: (o, now) => {
    const s = status(o);
    const completions = spec(o).completions;
    const parallelism = num(spec(o).parallelism);
    const completionCell =
      typeof completions === 'number'
        ? `${num(s.succeeded)}/${completions}`
        : parallelism > 1
          ? `${num(s.succeeded)}/1 of ${parallelism}`
          : `${num(s.succeeded)}/1`;
    const started = Date.parse(text(s.startTime));
    const finished = Date.parse(text(s.completionTime));
    const duration = Number.isNaN(started) ? '' : humanDuration((Number.isNaN(finished) ? now : finished) - started);
    let state = 'Running';
    if (hasCondition(o, 'Complete')) state = 'Complete';
    else if (hasCondition(o, 'Failed')) state = 'Failed';
    else if (typeof obj(o.metadata).deletionTimestamp === 'string') state = 'Terminating';
    else if (hasCondition(o, 'Suspended')) state = 'Suspended';
    else if (hasCondition(o, 'FailureTarget')) state = 'FailureTarget';
    else if (hasCondition(o, 'SuccessCriteriaMet')) state = 'SuccessCriteriaMet';
    return {
      cells: [
        name(o),
        state,
        completionCell,
        duration,
        age(o, now),
        ...workloadWide(obj(spec(o).template).spec, spec(o).selector),
      ],
    };
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    NAME,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
    ),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions.'),
    col('Active', 'A list of pointers to currently running jobs.', 0, 'integer'),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    ...wideWorkload,
  ],
  print: (o, now) => {
    const jobSpec = obj(obj(spec(o).jobTemplate).spec);
    const suspend = spec(o).suspend;
    const last = status(o).lastScheduleTime;
    return {
      cells: [
        name(o),
        text(spec(o).schedule),
        text(spec(o).timeZone, '<none>'),
        typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
        list(status(o).active).length,
        typeof last === 'string' ? since(last, now) : '<none>',
        age(o, now),
        ...workloadWide(obj(jobSpec.template).spec, jobSpec.selector),
      ],
    };
  },
};

function hpaTargets(o: JsonObject): string {
  const current = list(status(o).currentMetrics).map(obj);
  const targets = list(spec(o).metrics)
    .map(obj)
    .map((metric, index) => {
      if (metric.type !== 'Resource') return '<unknown>/<unknown>';
      const resource = obj(metric.resource);
      const target = obj(resource.target);
      const observed = obj(obj(current[index]?.resource).current);
      const wanted =
        target.type === 'Utilization'
          ? `${num(target.averageUtilization)}%`
          : text(target.averageValue, text(target.value, '<unknown>'));
      const have =
        target.type === 'Utilization'
          ? typeof observed.averageUtilization === 'number'
            ? `${observed.averageUtilization}%`
            : '<unknown>'
          : text(observed.averageValue, '<unknown>');
      return `${text(resource.name)}: ${have}/${wanted}`;
    });
  return targets.length === 0 ? '<none>' : targets.join(', ');
}

export const hpaPrinter: Printer = {
  columns: [
    NAME,
    col('Reference', 'reference to target object'),
    col('Targets', 'the current and target metrics'),
    col('MinPods', 'the lower limit for the number of pods that can be set by the autoscaler'),
    col('MaxPods', 'the upper limit for the number of pods that can be set by the autoscaler', 0, 'integer'),
    col('Replicas', 'current number of replicas of pods managed by this autoscaler', 0, 'integer'),
    AGE,
  ],
  print: (o, now) => {
    const s = spec(o);
    const target = obj(s.scaleTargetRef);
    return {
      cells: [
        name(o),
        `${text(target.kind)}/${text(target.name)}`,
        hpaTargets(o),
        typeof s.minReplicas === 'number' ? String(s.minReplicas) : '<unset>',
        num(s.maxReplicas),
        num(status(o).currentReplicas),
        age(o, now),
      ],
    };
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [
    NAME,
    col('Controller', 'Controller of the object'),
    col('Revision', 'Revision indicates the revision of the state represented by Data.', 0, 'integer'),
    AGE,
  ],
  print: (o, now) => {
    const owner = list(obj(o.metadata).ownerReferences)
      .map(obj)
      .find((ref) => ref.controller === true);
    const group = owner ? text(owner.apiVersion).split('/').slice(0, -1).join('/') : '';
    const controller = owner
      ? `${text(owner.kind).toLowerCase()}${group ? `.${group}` : ''}/${text(owner.name)}`
      : '<none>';
    return { cells: [name(o), controller, num(o.revision), age(o, now)] };
  },
};
