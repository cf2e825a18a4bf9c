// The namespace controller: once a namespace is Terminating it deletes everything in it and
// removes the namespace when nothing is left (pods go when their kubelet has stopped them).

import { ApiError } from '../store/errors.js';
import type { KubeObject } from '../store/objects.js';
import { RESOURCE_TYPES } from '../store/resources.js';
import { NAMESPACES, type ControllerContext } from './context.js';
import type { Controller } from './queue.js';

const NAMESPACED = RESOURCE_TYPES.filter((r) => r.namespaced);

export function namespaceController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const terminating = (name: string | undefined): boolean =>
    !!name && store.tryGet(NAMESPACES, undefined, name)?.metadata.deletionTimestamp !== undefined;
  return {
    name: 'namespace',
    watches: [
      {
        resource: NAMESPACES,
        keysFor: (event) =>
          event.type !== 'DELETED' && event.object.metadata.deletionTimestamp ? [event.object.metadata.name] : [],
      },
      // Removals inside a terminating namespace may be the last thing it waits for.
      ...NAMESPACED.filter((r) => r.plural !== 'events').map((resource) => ({
        resource,
        keysFor: (event: { type: string; object: KubeObject }): string[] =>
          event.type === 'DELETED' && terminating(event.object.metadata.namespace)
            ? [event.object.metadata.namespace!]
            : [],
      })),
    ],
    initialKeys: () =>
      store
        .list(NAMESPACES)
        .items.filter((n) => n.metadata.deletionTimestamp)
        .map((n) => n.metadata.name),
    reconcile(name) {
      const namespace = store.tryGet(NAMESPACES, undefined, name);
      if (!namespace?.metadata.deletionTimestamp) return;
      let remaining = 0;
      for (const resource of NAMESPACED) {
        for (const object of store.list(resource, { namespace: name }).items) {
          if (object.metadata.deletionTimestamp) {
            remaining++;
            continue;
          }
          try {
            const result = store.delete(resource, name, object.metadata.name, { propagationPolicy: 'Background' });
            if (!result.removed) remaining++;
          } catch (error) {
            if (!(error instanceof ApiError && error.code === 404)) throw error;
          }
        }
      }
      if (remaining === 0) store.remove(NAMESPACES, undefined, name);
    },
  };
}
