// The pod Table: kubectl's READY, STATUS and RESTARTS logic (printPod), the trickiest printer.

import type { JsonObject, JsonValue } from '../../store/objects.js';
import { age, AGE, col, name, NAME, spec, status, type Printed, type Printer } from './columns.js';
import { humanDuration, list, num, obj, text } from './format.js';

export const podPrinter: Printer = {
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
