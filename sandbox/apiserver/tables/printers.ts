// Per-kind Table columns and cells as the real API server prints them (kubernetes
// pkg/printers/internalversion): the columns kubectl shows for `get`, wide ones at priority 1.

import type { JsonObject, JsonValue } from '../../store/objects.js';
import {
  containersAndImages,
  formatLabels,
  formatSelector,
  humanDuration,
  list,
  num,
  obj,
  since,
  text,
} from './format.js';

export interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority?: number;
}

export interface Printed {
  cells: JsonValue[];
  conditions?: JsonValue[];
}

export interface Printer {
  columns: Column[];
  print(object: JsonObject, now: number): Printed;
}

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};
const col = (name: string, description: string, priority = 0, type = 'string'): Column => ({
  name,
  type,
  description,
  priority,
});
const wideWorkload = [
  col('Containers', 'Names of each container in the template.', 1),
  col('Images', 'Images referenced by each container in the template.', 1),
  col('Selector', 'Label selector for pods.', 1),
];

const name = (o: JsonObject): string => text(obj(o.metadata).name);
const age = (o: JsonObject, now: number): string => since(obj(o.metadata).creationTimestamp, now);
const spec = (o: JsonObject): JsonObject => obj(o.spec);
const status = (o: JsonObject): JsonObject => obj(o.status);

function workloadWide(podSpec: JsonValue | undefined, selector: JsonValue | undefined): JsonValue[] {
  return [...containersAndImages(podSpec), formatSelector(selector)];
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE,
    col('IP', 'IP address allocated to the pod.', 1),
    col('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  print: printPod,
};

/** kubectl's pod STATUS/READY/RESTARTS logic (printPod). */
function printPod(pod: JsonObject, now: number): Printed {
  const podSpec = spec(pod);
  const podStatus = status(pod);
  const phase = text(podStatus.phase);
  let reason = text(podStatus.reason, phase);
  const conditions = list(podStatus.conditions).map(obj);
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const initSpecs = new Map(
    list(podSpec.initContainers)
      .map(obj)
      .map((c) => [text(c.name), c]),
  );
  const restartable = (containerName: JsonValue | undefined): boolean =>
    initSpecs.get(text(containerName))?.restartPolicy === 'Always';
  const total =
    list(podSpec.containers).length + [...initSpecs.values()].filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const finishedAt = (c: JsonObject): number => Date.parse(text(obj(obj(c.lastState).terminated).finishedAt)) || 0;

  let initializing = false;
  const initStatuses = list(podStatus.initContainerStatuses).map(obj);
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] as JsonObject;
    restarts += num(container.restartCount);
    lastRestart = Math.max(lastRestart, finishedAt(container));
    if (restartable(container.name)) {
      sidecarRestarts += num(container.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(container));
    }
    const state = obj(container.state);
    const terminated = isObject(state.terminated) ? obj(state.terminated) : undefined;
    const waiting = isObject(state.waiting) ? obj(state.waiting) : undefined;
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (restartable(container.name) && container.started === true) {
      if (container.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason
        ? `Init:${text(terminated.reason)}`
        : num(terminated.signal) !== 0
          ? `Init:Signal:${num(terminated.signal)}`
          : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (waiting && text(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${text(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.size}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = list(podStatus.containerStatuses).map(obj);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as JsonObject;
      restarts += num(container.restartCount);
      lastRestart = Math.max(lastRestart, finishedAt(container));
      const state = obj(container.state);
      const waiting = isObject(state.waiting) ? obj(state.waiting) : undefined;
      const terminated = isObject(state.terminated) ? obj(state.terminated) : undefined;
      if (waiting && text(waiting.reason) !== '') reason = text(waiting.reason);
      else if (terminated && text(terminated.reason) !== '') reason = text(terminated.reason);
      else if (terminated) {
        reason =
          num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      } else if (container.ready === true && isObject(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = typeof obj(pod.metadata).deletionTimestamp === 'string';
  if (deleting && podStatus.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartCell =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  const podIPs = list(podStatus.podIPs).map(obj);
  const gates = list(podSpec.readinessGates).map(obj);
  const gateCell =
    gates.length === 0
      ? '<none>'
      : `${gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length}/${gates.length}`;
  const printed: Printed = {
    cells: [
      name(pod),
      `${ready}/${total}`,
      reason,
      restartCell,
      age(pod, now),
      text(podIPs[0]?.ip, text(podStatus.podIP, '<none>')),
      text(podSpec.nodeName, '<none>'),
      text(podStatus.nominatedNodeName, '<none>'),
      gateCell,
    ],
  };
  if (phase === 'Succeeded' || phase === 'Failed') {
    printed.conditions = [
      {
        type: 'Completed',
        status: 'True',
        reason: phase,
        message: phase === 'Succeeded' ? 'The pod has completed successfully.' : 'The pod failed.',
      },
    ];
  }
  return printed;
}

function isObject(value: JsonValue | undefined): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const deploymentPrinter: Printer = {
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

const replicaSetPrinter: Printer = {
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

const statefulSetPrinter: Printer = {
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

const daemonSetPrinter: Printer = {
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

const jobPrinter: Printer = {
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

const cronJobPrinter: Printer = {
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

function externalIps(o: JsonObject): string {
  const s = spec(o);
  const external = list(s.externalIPs).map(String);
  switch (s.type) {
    case 'ExternalName':
      return text(s.externalName);
    case 'LoadBalancer': {
      const ingress = list(obj(status(o).loadBalancer).ingress)
        .map(obj)
        .map((i) => text(i.ip, text(i.hostname)))
        .filter(Boolean);
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return external.length > 0 ? external.join(',') : '<none>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'The type of the service.'),
    col('Cluster-IP', 'The cluster IP of the service.'),
    col('External-IP', 'The external IP of the service.'),
    col('Port(s)', 'The ports of the service.'),
    AGE,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  print: (o, now) => {
    const s = spec(o);
    const ports = list(s.ports)
      .map(obj)
      .map((p) =>
        p.nodePort
          ? `${num(p.port)}:${num(p.nodePort)}/${text(p.protocol, 'TCP')}`
          : `${num(p.port)}/${text(p.protocol, 'TCP')}`,
      );
    return {
      cells: [
        name(o),
        text(s.type, 'ClusterIP'),
        text(s.clusterIP, '<none>'),
        externalIps(o),
        ports.length > 0 ? ports.join(',') : '<none>',
        age(o, now),
        formatLabels(s.selector),
      ],
    };
  },
};

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'Endpoints is the list of endpoints in the service.'), AGE],
  print: (o, now) => {
    const addresses: string[] = [];
    for (const subset of list(o.subsets).map(obj)) {
      const ports = list(subset.ports).map(obj);
      for (const address of list(subset.addresses).map(obj)) {
        if (ports.length === 0) addresses.push(text(address.ip));
        for (const port of ports) addresses.push(`${text(address.ip)}:${num(port.port)}`);
      }
    }
    const shown = addresses.slice(0, 3).join(',');
    const cell =
      addresses.length === 0 ? '<none>' : addresses.length > 3 ? `${shown} + ${addresses.length - 3} more...` : shown;
    return { cells: [name(o), cell, age(o, now)] };
  },
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'Number of data entries.', 0, 'integer'), AGE],
  print: (o, now) => ({
    cells: [name(o), Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o, now)],
  }),
};

const secretPrinter: Printer = {
  columns: [NAME, col('Type', 'The type of the secret.'), col('Data', 'Number of data entries.', 0, 'integer'), AGE],
  print: (o, now) => ({ cells: [name(o), text(o.type, 'Opaque'), Object.keys(obj(o.data)).length, age(o, now)] }),
};

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'The status of the namespace.'), AGE],
  print: (o, now) => ({ cells: [name(o), text(status(o).phase, 'Active'), age(o, now)] }),
};

const serviceAccountPrinter: Printer = {
  columns: [
    NAME,
    col(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      0,
      'integer',
    ),
    AGE,
  ],
  print: (o, now) => ({ cells: [name(o), list(o.secrets).length, age(o, now)] }),
};

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time the event was last seen.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    col(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'The subobject (field path) that this event is about.', 1),
    col('Source', 'The component reporting this event.', 1),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time the event was first seen.', 1),
    col('Count', 'The number of times this event has occurred.', 1),
    col('Name', 'Name must be unique within a namespace.', 1),
  ],
  print: (o, now) => {
    const involved = obj(o.involvedObject);
    const first = text(o.firstTimestamp, text(o.eventTime));
    const last = text(o.lastTimestamp, first);
    const count = num(o.count);
    const lastSeen = count > 1 ? `${since(last, now)} (x${count} over ${since(first, now)})` : since(last, now);
    const source = obj(o.source);
    const component = text(source.component, text(o.reportingComponent));
    const sourceCell = text(source.host) ? `${component}, ${text(source.host)}` : component;
    return {
      cells: [
        lastSeen,
        text(o.type),
        text(o.reason),
        `${text(involved.kind).toLowerCase()}/${text(involved.name)}`,
        text(involved.fieldPath),
        sourceCell,
        text(o.message).trim(),
        since(first, now),
        count,
        name(o),
      ],
    };
  },
};

const ACCESS_MODES: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

const pvcPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'Phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'Capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'AccessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'),
    col(
      'VolumeAttributesClass',
      'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
    ),
    AGE,
    col('VolumeMode', 'VolumeMode defines what type of volume is required by the claim.', 1),
  ],
  print: (o, now) => {
    const s = spec(o);
    const st = status(o);
    const bound = st.phase === 'Bound';
    const modes = (bound ? list(st.accessModes) : []).map((m) => ACCESS_MODES[String(m)] ?? String(m)).join(',');
    return {
      cells: [
        name(o),
        text(st.phase, 'Pending'),
        text(s.volumeName),
        bound ? text(obj(st.capacity).storage) : '',
        modes,
        text(s.storageClassName, '<unset>'),
        text(s.volumeAttributesClassName, '<unset>'),
        age(o, now),
        text(s.volumeMode, '<unset>'),
      ],
    };
  },
};

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      1,
    ),
  ],
  print: (o, now) => {
    const st = status(o);
    const readyCondition = list(st.conditions)
      .map(obj)
      .find((c) => c.type === 'Ready');
    let state =
      readyCondition?.status === 'True' ? 'Ready' : readyCondition?.status === 'False' ? 'NotReady' : 'Unknown';
    if (spec(o).unschedulable === true) state += ',SchedulingDisabled';
    const roles = Object.keys(obj(obj(o.metadata).labels))
      .filter((key) => key.startsWith('node-role.kubernetes.io/'))
      .map((key) => key.slice('node-role.kubernetes.io/'.length))
      .filter(Boolean)
      .sort();
    const addresses = list(st.addresses).map(obj);
    const address = (type: string): string => text(addresses.find((a) => a.type === type)?.address, '<none>');
    const info = obj(st.nodeInfo);
    return {
      cells: [
        name(o),
        state,
        roles.length > 0 ? roles.join(',') : '<none>',
        age(o, now),
        text(info.kubeletVersion),
        address('InternalIP'),
        address('ExternalIP'),
        text(info.osImage, '<unknown>'),
        text(info.kernelVersion, '<unknown>'),
        text(info.containerRuntimeVersion, '<unknown>'),
      ],
    };
  },
};

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'The holder of the lease.'), AGE],
  print: (o, now) => ({ cells: [name(o), text(spec(o).holderIdentity), age(o, now)] }),
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

const hpaPrinter: Printer = {
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

const controllerRevisionPrinter: Printer = {
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

/** NAME AGE: what the real server prints for kinds without a dedicated printer. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, AGE],
  print: (o, now) => ({ cells: [name(o), age(o, now)] }),
};

export const PRINTERS: Readonly<Record<string, Printer>> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Namespace: namespacePrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: eventPrinter,
  PersistentVolumeClaim: pvcPrinter,
  Node: nodePrinter,
  Lease: leasePrinter,
  HorizontalPodAutoscaler: hpaPrinter,
  ControllerRevision: controllerRevisionPrinter,
};
