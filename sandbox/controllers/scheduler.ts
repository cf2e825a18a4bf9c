// The scheduler: binds every unscheduled pod to the sandbox's single node and records the
// PodScheduled condition. It never touches pods that are bound or being deleted.

import { NODE_NAME } from '../store/cluster.js';
import type { KubeObject } from '../store/objects.js';
import { PODS, type ControllerContext } from './context.js';
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
import { recordEvent } from '../store/events.js';

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
      pod.spec = { ...(pod.spec as object), nodeName: NODE_NAME };
      const bound = store.update(PODS, pod);
      const status = statusOf<PodStatus>(bound);
      const conditions = setCondition(status.conditions ?? [], {
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: timestamp(ctx.now()),
      });
      store.update(
        PODS,
        { ...bound, status: toJson({ phase: 'Pending', ...status, conditions }) },
        { subresource: 'status' },
      );
      recordEvent(
        store,
        bound,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace}/${name} to ${NODE_NAME}`,
        'default-scheduler',
      );
    },
  };
}
