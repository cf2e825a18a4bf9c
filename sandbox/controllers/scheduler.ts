// The scheduler: binds every unscheduled pod that fits the sandbox's single node to it, or marks it
// Unschedulable; records the PodScheduled condition. Never touches bound or terminating pods.

import { NODE_NAME } from '../store/cluster.js';
import type { KubeObject } from '../store/objects.js';
import { NODES, PODS, type ControllerContext } from './context.js';
import { podFitsNode } from './nodefit.js';
import {
  objectKey,
  setCondition,
  specOf,
  splitKey,
  statusOf,
  timestamp,
  toJson,
  type PodSpec,
  type PodStatus,
} from './objects.js';
import type { Controller } from './queue.js';

function needsScheduling(pod: KubeObject): boolean {
  return !specOf<PodSpec>(pod).nodeName && !pod.metadata.deletionTimestamp;
}

export function schedulerController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  return {
    name: 'scheduler',
    watches: [
      {
        resource: PODS,
        keysFor: (event) =>
          event.type !== 'DELETED' && needsScheduling(event.object)
            ? [objectKey(event.object.metadata.namespace, event.object.metadata.name)]
            : [],
      },
      // A relabelled node may now fit pods that waited.
      {
        resource: NODES,
        keysFor: () =>
          store
            .list(PODS)
            .items.filter(needsScheduling)
            .map((p) => objectKey(p.metadata.namespace, p.metadata.name)),
      },
    ],
    initialKeys: () =>
      store
        .list(PODS)
        .items.filter(needsScheduling)
        .map((p) => objectKey(p.metadata.namespace, p.metadata.name)),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const pod = store.tryGet(PODS, namespace, name);
      if (!pod || !needsScheduling(pod)) return;
      const node = store.tryGet(NODES, undefined, NODE_NAME);
      if (node && !podFitsNode(toJson(pod.spec ?? {}), node)) {
        markUnschedulable(ctx, pod);
        return;
      }
      pod.spec = { ...(pod.spec as object), nodeName: NODE_NAME };
      const bound = store.update(PODS, pod);
      const status = statusOf<PodStatus>(bound);
      // A bound pod's PodScheduled is plainly True (an earlier Unschedulable reason goes).
      const conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(ctx.now()) },
      ];
      store.update(
        PODS,
        { ...bound, status: toJson({ phase: 'Pending', ...status, conditions }) },
        { subresource: 'status' },
      );
      ctx.record(
        bound,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace}/${name} to ${NODE_NAME}`,
        'default-scheduler',
      );
    },
  };
}

const UNSCHEDULABLE_MESSAGE =
  "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";

function markUnschedulable(ctx: ControllerContext, pod: KubeObject): void {
  const status = statusOf<PodStatus>(pod);
  const current = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (current?.status === 'False' && current.reason === 'Unschedulable') return;
  const conditions = setCondition(status.conditions ?? [], {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: timestamp(ctx.now()),
    reason: 'Unschedulable',
    message: UNSCHEDULABLE_MESSAGE,
  });
  ctx.store.update(
    PODS,
    { ...pod, status: toJson({ phase: 'Pending', ...status, conditions }) },
    { subresource: 'status' },
  );
  ctx.record(pod, 'Warning', 'FailedScheduling', UNSCHEDULABLE_MESSAGE, 'default-scheduler');
}
