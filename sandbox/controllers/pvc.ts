// The volume binder: every PersistentVolumeClaim is bound at once to a directory of its own,
// `<stateDir>/pvcs/<namespace>/<name>/`, which outlives the pods that mount it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../store/objects.js';
import { PVCS, type ControllerContext } from './context.js';
import { objectKey, specOf, splitKey, statusOf, toJson } from './objects.js';
import type { Controller } from './queue.js';

interface ClaimSpec {
  accessModes?: string[];
  volumeName?: string;
  resources?: { requests?: { storage?: string } };
}

/** Where a claim's data lives; namespace and name are DNS names, so they are safe path parts. */
export function claimDirectory(stateDir: string, namespace: string, name: string): string {
  return join(stateDir, 'pvcs', namespace, name);
}

export function pvcController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'persistentvolume-binder',
    watches: [{ resource: PVCS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) }],
    initialKeys: () => store.list(PVCS).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      let claim = store.tryGet(PVCS, namespace, name);
      if (!claim || claim.metadata.deletionTimestamp || !namespace) return;
      if (ctx.stateDir) mkdirSync(claimDirectory(ctx.stateDir, namespace, name), { recursive: true });
      const spec = specOf<ClaimSpec>(claim);
      const annotations = claim.metadata.annotations ?? {};
      if (!spec.volumeName || annotations['pv.kubernetes.io/bind-completed'] !== 'yes') {
        claim = store.update(PVCS, {
          ...claim,
          metadata: {
            ...claim.metadata,
            annotations: {
              ...annotations,
              'pv.kubernetes.io/bind-completed': 'yes',
              'pv.kubernetes.io/bound-by-controller': 'yes',
            },
          },
          spec: toJson({ ...spec, volumeName: spec.volumeName ?? `pvc-${claim.metadata.uid}` }),
        });
      }
      const status = statusOf<{ phase?: string }>(claim);
      if (status.phase === 'Bound') return;
      store.update(
        PVCS,
        {
          ...claim,
          status: toJson({
            phase: 'Bound',
            accessModes: spec.accessModes ?? ['ReadWriteOnce'],
            capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' },
          }),
        },
        { subresource: 'status' },
      );
    },
  };
}
