// The scheduler: binds every unscheduled pod that fits the sandbox's single node and whose claims are
// bound to it, or marks it Unschedulable; records the PodScheduled condition. Never touches bound or
// terminating pods.

import { NODE_NAME } from '../store/cluster.js';
import type { KubeObject } from '../store/objects.js';
import { NODES, PODS, PVCS, STORAGE_CLASSES, type ControllerContext } from './context.js';
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
import { claimCannotBind, isBound } from './pvc.js';
import type { Controller } from './queue.js';

function needsScheduling(pod: KubeObject): boolean {
  return !specOf<PodSpec>(pod).nodeName && !pod.metadata.deletionTimestamp;
}

interface ClaimVolumes {
  volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }>;
}

function claimNames(pod: KubeObject): string[] {
  return (specOf<ClaimVolumes>(pod).volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [],
  );
}

const PREEMPTION_NOT_HELPFUL = 'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';

/**
 * Why the pod's claims keep it off the node: a missing claim, or one the binder leaves Pending; undefined when
 * all are bound or about to be (the pod then waits for the claim's update, as the volume binding plugin does).
 */
function unboundClaimsMessage(ctx: ControllerContext, pod: KubeObject): string | 'wait' | undefined {
  const classes = ctx.store.list(STORAGE_CLASSES).items;
  let wait = false;
  for (const name of claimNames(pod)) {
    const claim = ctx.store.tryGet(PVCS, pod.metadata.namespace, name);
    if (!claim) return `0/1 nodes are available: persistentvolumeclaim "${name}" not found. ${PREEMPTION_NOT_HELPFUL}`;
    if (isBound(claim)) continue;
    if (claimCannotBind(claim, classes))
      return `0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${PREEMPTION_NOT_HELPFUL}`;
    wait = true;
  }
  return wait ? 'wait' : undefined;
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
      // A claim that appears or binds lets the pods that mount it go ahead.
      {
        resource: PVCS,
        keysFor: (event) =>
          store
            .list(PODS, { namespace: event.object.metadata.namespace })
            .items.filter((p) => needsScheduling(p) && claimNames(p).includes(event.object.metadata.name))
            .map((p) => objectKey(p.metadata.namespace, p.metadata.name)),
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
        markUnschedulable(ctx, pod, UNSCHEDULABLE_MESSAGE);
        return;
      }
      const claims = unboundClaimsMessage(ctx, pod);
      if (claims === 'wait') return;
      if (claims !== undefined) {
        markUnschedulable(ctx, pod, claims);
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

const UNSCHEDULABLE_MESSAGE = `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. ${PREEMPTION_NOT_HELPFUL}`;

function markUnschedulable(ctx: ControllerContext, pod: KubeObject, message: string): void {
  const status = statusOf<PodStatus>(pod);
  const current = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
  const conditions = setCondition(status.conditions ?? [], {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: timestamp(ctx.now()),
    reason: 'Unschedulable',
    message,
  });
  ctx.store.update(
    PODS,
    { ...pod, status: toJson({ phase: 'Pending', ...status, conditions }) },
    { subresource: 'status' },
  );
  ctx.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
}
