// The volume binder: a claim whose StorageClass exists is bound at once to a directory of its own,
// `<stateDir>/pvcs/<namespace>/<name>/`, which outlives the pods that mount it. A claim naming a missing
// class, or no class while none is the default, stays Pending with the event a real cluster records.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../store/objects.js';
import { PVCS, STORAGE_CLASSES, type ControllerContext } from './context.js';
import { objectKey, specOf, splitKey, statusOf, toJson } from './objects.js';
import type { Controller } from './queue.js';

interface ClaimSpec {
  accessModes?: string[];
  volumeName?: string;
  storageClassName?: string | null;
  resources?: { requests?: { storage?: string } };
}

const COMPONENT = 'persistentvolume-controller';
const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];
const LEGACY_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Where a claim's data lives; namespace and name are DNS names, so they are safe path parts. */
export function claimDirectory(stateDir: string, namespace: string, name: string): string {
  return join(stateDir, 'pvcs', namespace, name);
}

/** The default StorageClass: of several marked default, the newest wins (as since Kubernetes 1.26). */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  return classes
    .filter((c) => DEFAULT_CLASS_ANNOTATIONS.some((key) => c.metadata.annotations?.[key] === 'true'))
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
}

/** The class a claim asks for: the legacy annotation wins over the field, as in the volume binder. */
export function claimClassName(claim: KubeObject): string | null | undefined {
  return claim.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] ?? specOf<ClaimSpec>(claim).storageClassName;
}

export function isBound(claim: KubeObject): boolean {
  return statusOf<{ phase?: string }>(claim).phase === 'Bound';
}

/** Whether the binder leaves this unbound claim Pending until someone adds a StorageClass. */
export function claimCannotBind(claim: KubeObject, classes: readonly KubeObject[]): boolean {
  const className = claimClassName(claim);
  if (className === undefined || className === null) return defaultStorageClass(classes) === undefined;
  return className === '' || !classes.some((c) => c.metadata.name === className);
}

export function pvcController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  const unboundKeys = (): string[] =>
    store
      .list(PVCS)
      .items.filter((claim) => !isBound(claim))
      .map(keyOf);
  return {
    name: 'persistentvolume-binder',
    watches: [
      { resource: PVCS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      // A class created later (or a new default) lets waiting claims bind.
      { resource: STORAGE_CLASSES, keysFor: (event) => (event.type === 'DELETED' ? [] : unboundKeys()) },
    ],
    initialKeys: () => store.list(PVCS).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const claim = store.tryGet(PVCS, namespace, name);
      if (!claim || claim.metadata.deletionTimestamp || !namespace) return;
      if (isBound(claim)) return;
      const className = claimClassName(claim);
      if (className === undefined || className === null) {
        const fallback = defaultStorageClass(store.list(STORAGE_CLASSES).items);
        if (!fallback) {
          waitForVolume(ctx, claim, 'Normal', 'FailedBinding', NO_CLASS_MESSAGE);
          return;
        }
        // Retroactive default assignment: the update comes back here through the watch.
        store.update(PVCS, {
          ...claim,
          spec: toJson({ ...specOf<ClaimSpec>(claim), storageClassName: fallback.metadata.name }),
        });
        return;
      }
      if (className === '') {
        waitForVolume(ctx, claim, 'Normal', 'FailedBinding', NO_CLASS_MESSAGE);
        return;
      }
      const storageClass = store.tryGet(STORAGE_CLASSES, undefined, className);
      if (!storageClass) {
        const message = `storageclass.storage.k8s.io "${className}" not found`;
        waitForVolume(ctx, claim, 'Warning', 'ProvisioningFailed', message);
        return;
      }
      bind(ctx, claim, typeof storageClass.provisioner === 'string' ? storageClass.provisioner : '');
    },
  };
}

/** What the binder says of a claim without a class when no PersistentVolume could match it. */
const NO_CLASS_MESSAGE = 'no persistent volumes available for this claim and no storage class is set';

function waitForVolume(
  ctx: ControllerContext,
  claim: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): void {
  if (statusOf<{ phase?: string }>(claim).phase !== 'Pending') {
    claim = ctx.store.update(
      PVCS,
      { ...claim, status: toJson({ ...statusOf<object>(claim), phase: 'Pending' }) },
      { subresource: 'status' },
    );
  }
  ctx.record(claim, type, reason, message, COMPONENT);
}

function bind(ctx: ControllerContext, claim: KubeObject, provisioner: string): void {
  const { store } = ctx;
  const namespace = claim.metadata.namespace ?? '';
  const name = claim.metadata.name;
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
          ...(provisioner
            ? {
                'volume.beta.kubernetes.io/storage-provisioner': provisioner,
                'volume.kubernetes.io/storage-provisioner': provisioner,
              }
            : {}),
        },
      },
      spec: toJson({ ...spec, volumeName: spec.volumeName ?? `pvc-${claim.metadata.uid}` }),
    });
  }
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
}
