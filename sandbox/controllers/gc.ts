// The garbage collector: deletes dependents (ownerReferences) whose owners are gone, in the
// background; for an owner marked with the foregroundDeletion finalizer it deletes the dependents
// first and then lifts the finalizer. Orphaning is done by the store itself.

import { ApiError } from '../store/errors.js';
import type { KubeObject, OwnerReference } from '../store/objects.js';
import { RESOURCE_TYPES, resourceByPlural, resourceForKind, type ResourceType } from '../store/resources.js';
import type { ControllerContext } from './context.js';
import type { Controller } from './queue.js';

const FOREGROUND = 'foregroundDeletion';
/** Kinds that never own anything and churn a lot. */
const IGNORED = new Set(['events', 'leases']);
const WATCHED = RESOURCE_TYPES.filter((r) => !IGNORED.has(r.plural));

function ownerKey(resource: ResourceType, namespace: string | undefined, name: string, uid: string): string {
  return [resource.plural, resource.namespaced ? (namespace ?? '') : '', name, uid].join('|');
}

function keyForReference(dependent: KubeObject, ref: OwnerReference): string | undefined {
  const resource = resourceForKind(ref.apiVersion, ref.kind);
  return resource ? ownerKey(resource, dependent.metadata.namespace, ref.name, ref.uid) : undefined;
}

function referenceAlive(ctx: ControllerContext, dependent: KubeObject, ref: OwnerReference): boolean {
  const resource = resourceForKind(ref.apiVersion, ref.kind);
  // An owner of a kind the sandbox does not serve cannot be checked; keep the dependent.
  if (!resource) return true;
  return ctx.store.tryGet(resource, dependent.metadata.namespace, ref.name)?.metadata.uid === ref.uid;
}

interface Dependent {
  resource: ResourceType;
  namespace: string | undefined;
  name: string;
}

/**
 * Which objects name which owner uids, kept current from the watch events, so finding an owner's
 * dependents never scans the store.
 */
function ownershipIndex(): {
  track(resource: ResourceType, object: KubeObject, removed: boolean): void;
  clear(): void;
  dependentsOf(uid: string): Dependent[];
} {
  const byOwner = new Map<string, Map<string, Dependent>>();
  const ownersOf = new Map<string, string[]>();
  return {
    track(resource, object, removed) {
      const id = `${resource.plural}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
      for (const uid of ownersOf.get(id) ?? []) {
        const dependents = byOwner.get(uid);
        dependents?.delete(id);
        if (dependents?.size === 0) byOwner.delete(uid);
      }
      ownersOf.delete(id);
      const uids = removed ? [] : (object.metadata.ownerReferences ?? []).map((ref) => ref.uid);
      if (uids.length === 0) return;
      ownersOf.set(id, uids);
      const dependent = { resource, namespace: object.metadata.namespace, name: object.metadata.name };
      for (const uid of uids) {
        const dependents = byOwner.get(uid) ?? new Map<string, Dependent>();
        dependents.set(id, dependent);
        byOwner.set(uid, dependents);
      }
    },
    clear() {
      byOwner.clear();
      ownersOf.clear();
    },
    dependentsOf: (uid) => [...(byOwner.get(uid)?.values() ?? [])],
  };
}

function deleteQuietly(ctx: ControllerContext, resource: ResourceType, object: KubeObject): void {
  try {
    ctx.store.delete(resource, object.metadata.namespace, object.metadata.name, {
      propagationPolicy: 'Background',
      preconditions: { uid: object.metadata.uid },
    });
  } catch (error) {
    if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
  }
}

export function garbageCollector(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const index = ownershipIndex();
  const dependentsOf = (uid: string): { resource: ResourceType; object: KubeObject }[] =>
    index
      .dependentsOf(uid)
      .map((d) => ({ resource: d.resource, object: store.tryGet(d.resource, d.namespace, d.name) }))
      .filter((d): d is { resource: ResourceType; object: KubeObject } =>
        (d.object?.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid),
      );
  const watches = WATCHED.map((resource) => ({
    resource,
    keysFor: (event: { type: string; object: KubeObject }): string[] => {
      const { object } = event;
      index.track(resource, object, event.type === 'DELETED');
      const keys: string[] = [];
      if (event.type === 'DELETED')
        keys.push(ownerKey(resource, object.metadata.namespace, object.metadata.name, object.metadata.uid));
      if (
        event.type === 'MODIFIED' &&
        object.metadata.deletionTimestamp &&
        object.metadata.finalizers?.includes(FOREGROUND)
      ) {
        keys.push(ownerKey(resource, object.metadata.namespace, object.metadata.name, object.metadata.uid));
      }
      // A new dependent may point at an owner that is already gone; a removed one may be the
      // last thing a foreground deletion waits for.
      if (event.type !== 'MODIFIED') {
        for (const ref of object.metadata.ownerReferences ?? []) {
          const key = keyForReference(object, ref);
          if (key) keys.push(key);
        }
      }
      return keys;
    },
  }));
  return {
    name: 'garbage-collector',
    watches,
    initialKeys: () => {
      const keys = new Set<string>();
      index.clear();
      for (const resource of WATCHED) {
        for (const object of store.list(resource).items) {
          index.track(resource, object, false);
          for (const ref of object.metadata.ownerReferences ?? []) {
            const key = keyForReference(object, ref);
            if (key) keys.add(key);
          }
          if (object.metadata.deletionTimestamp && object.metadata.finalizers?.includes(FOREGROUND)) {
            keys.add(ownerKey(resource, object.metadata.namespace, object.metadata.name, object.metadata.uid));
          }
        }
      }
      return [...keys];
    },
    reconcile(key) {
      const [plural, namespace, name, uid] = key.split('|') as [string, string, string, string];
      const resource = resourceByPlural(plural);
      const owner = store.tryGet(resource, namespace || undefined, name);
      const alive = owner?.metadata.uid === uid;
      if (!alive) {
        for (const { resource: r, object } of dependentsOf(uid)) {
          const others = (object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
          if (others.some((ref) => referenceAlive(ctx, object, ref))) {
            store.update(r, { ...object, metadata: { ...object.metadata, ownerReferences: others } });
          } else if (!object.metadata.deletionTimestamp) {
            deleteQuietly(ctx, r, object);
          }
        }
        return;
      }
      if (!owner.metadata.deletionTimestamp || !owner.metadata.finalizers?.includes(FOREGROUND)) return;
      for (const { resource: r, object } of dependentsOf(uid)) {
        if (!object.metadata.deletionTimestamp) deleteQuietly(ctx, r, object);
      }
      const blocking = dependentsOf(uid).filter(({ object }) =>
        (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true),
      );
      if (blocking.length > 0) return;
      const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
      store.update(resource, { ...owner, metadata: { ...owner.metadata, finalizers } });
    },
  };
}
