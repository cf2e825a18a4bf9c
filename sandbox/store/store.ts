// The sandbox's object store: every API object, one global resourceVersion counter, uid/generation
// semantics, optimistic concurrency, graceful deletion, and an event log that watches replay from.
// It knows nothing of HTTP; the API server, controllers and kubelet all work through it.

import { randomUUID } from 'node:crypto';
import { alreadyExists, ApiError, badRequest, conflict, gone, invalid, notFound } from './errors.js';
import { cloneObject, type KubeObject, type KubeObjectInput, type ObjectMeta } from './objects.js';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from './resources.js';
import type { FieldMatcher, LabelMatcher } from './selectors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  previous?: KubeObject;
}

export interface ListFilter {
  namespace?: string;
  labels?: LabelMatcher;
  fields?: FieldMatcher;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface DeleteOptions {
  /** Seconds to wait before removal; pods default to spec.terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WriteOptions {
  dryRun?: boolean;
}

export type WatchListener = (event: WatchEvent) => void;

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Record<string, KubeObject[]>;
}

interface LoggedEvent {
  rv: number;
  resource: string;
  event: WatchEvent;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);
/** Kinds without a spec whose generation never moves. */
const NO_GENERATION = new Set([
  'ConfigMap',
  'Secret',
  'Event',
  'Endpoints',
  'ServiceAccount',
  'Lease',
  'StorageClass',
  'Node',
  'Namespace',
]);
const EVENT_LOG_LIMIT = 20_000;

function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 5; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** Everything but metadata and status: what a generation bump is about. */
function specPart(object: KubeObject | KubeObjectInput): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return JSON.stringify(rest);
}

export class ObjectStore {
  private readonly byResource = new Map<string, Map<string, KubeObject>>();
  private readonly eventLog: LoggedEvent[] = [];
  private readonly listeners = new Set<{ resource: string; listener: WatchListener }>();
  private rv = 1;
  private onChange: (() => void) | undefined;

  constructor(snapshot?: StoreSnapshot) {
    for (const r of RESOURCE_TYPES) this.byResource.set(r.plural, new Map());
    if (snapshot) {
      this.rv = snapshot.resourceVersion;
      for (const [plural, items] of Object.entries(snapshot.objects)) {
        const table = this.byResource.get(plural);
        if (!table) continue;
        for (const item of items) table.set(key(item.metadata.namespace, item.metadata.name), item);
      }
    }
  }

  /** Called after every committed change (persistence hooks in here). */
  setChangeHook(hook: () => void): void {
    this.onChange = hook;
  }

  snapshot(): StoreSnapshot {
    const objects: Record<string, KubeObject[]> = {};
    for (const [plural, table] of this.byResource) objects[plural] = [...table.values()];
    return { resourceVersion: this.rv, objects: cloneObject(objects) };
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.table(resource).get(key(resource.namespaced ? namespace : undefined, name));
    if (!found) throw notFound(resource.plural, resource.group, name);
    return cloneObject(found);
  }

  tryGet(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.table(resource).get(key(resource.namespaced ? namespace : undefined, name));
    return found ? cloneObject(found) : undefined;
  }

  list(resource: ResourceType, filter: ListFilter = {}): ListResult {
    const items: KubeObject[] = [];
    for (const object of this.table(resource).values()) {
      if (this.matches(object, filter)) items.push(cloneObject(object));
    }
    items.sort((a, b) =>
      key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)),
    );
    return { items, resourceVersion: String(this.rv) };
  }

  create(resource: ResourceType, input: KubeObjectInput, options: WriteOptions = {}): KubeObject {
    const meta = { ...(input.metadata ?? {}) };
    if (!meta.name && meta.generateName) {
      // Like the real server, a generated name that is taken is drawn again a few times.
      const candidateNamespace = resource.namespaced ? meta.namespace : undefined;
      for (let attempt = 0; attempt < 8; attempt++) {
        meta.name = `${meta.generateName}${randomSuffix()}`;
        if (!this.table(resource).has(key(candidateNamespace, meta.name))) break;
      }
    }
    const name = meta.name ?? '';
    if (!name) {
      throw invalid(resource.kind, resource.group, '', [
        {
          field: 'metadata.name',
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    this.validateName(resource, name);
    const namespace = resource.namespaced ? meta.namespace : undefined;
    if (resource.namespaced) {
      if (!namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
      const ns = this.table(NAMESPACES).get(namespace);
      if (!ns) throw notFound('namespaces', '', namespace);
      if (ns.metadata.deletionTimestamp) {
        throw new ApiError(
          403,
          'Forbidden',
          `${resource.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        );
      }
    }
    const table = this.table(resource);
    if (table.has(key(namespace, name))) throw alreadyExists(resource.plural, resource.group, name);
    const metadata: ObjectMeta = {
      ...meta,
      name,
      ...(namespace ? { namespace } : {}),
      uid: randomUUID(),
      resourceVersion: '',
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    } as ObjectMeta;
    if (!resource.namespaced) delete metadata.namespace;
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    if (!NO_GENERATION.has(resource.kind)) metadata.generation = 1;
    else delete metadata.generation;
    const object = {
      ...cloneObject(input),
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata,
    } as KubeObject;
    if (options.dryRun) return cloneObject(object);
    metadata.resourceVersion = String(++this.rv);
    table.set(key(namespace, name), object);
    this.emit(resource, { type: 'ADDED', object });
    return cloneObject(object);
  }

  /**
   * Replaces an object. With `subresource: 'status'` only `.status` is taken from the input;
   * otherwise `.status` is kept as stored (as the real API server does for types with a status
   * subresource). An input resourceVersion that is not the stored one is a 409 Conflict.
   */
  update(
    resource: ResourceType,
    input: KubeObjectInput,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): KubeObject {
    const name = input.metadata?.name ?? '';
    const namespace = resource.namespaced ? input.metadata?.namespace : undefined;
    const table = this.table(resource);
    const current = table.get(key(namespace, name));
    if (!current) throw notFound(resource.plural, resource.group, name);
    const wantedRv = input.metadata?.resourceVersion;
    if (wantedRv && wantedRv !== current.metadata.resourceVersion)
      throw conflict(resource.plural, resource.group, name);
    if (input.metadata?.uid && input.metadata.uid !== current.metadata.uid) {
      throw conflict(resource.plural, resource.group, name);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...cloneObject(current), status: cloneObject(input.status) } as KubeObject;
      if (input.status === undefined) delete next.status;
    } else {
      const hasStatusSubresource = resource.subresources.includes('status');
      next = {
        ...cloneObject(input),
        apiVersion: apiVersionOf(resource),
        kind: resource.kind,
        metadata: {
          ...cloneObject(input.metadata ?? {}),
          name,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
          resourceVersion: current.metadata.resourceVersion,
        } as ObjectMeta,
      } as KubeObject;
      if (namespace) next.metadata.namespace = namespace;
      if (current.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
        if (current.metadata.deletionGracePeriodSeconds !== undefined) {
          next.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
        }
      }
      if (hasStatusSubresource) {
        if (current.status !== undefined) next.status = cloneObject(current.status);
        else delete next.status;
      }
      if (current.metadata.generation !== undefined) {
        next.metadata.generation = current.metadata.generation + (specPart(next) !== specPart(current) ? 1 : 0);
      }
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return cloneObject(current);
    if (options.dryRun) return cloneObject(next);
    next.metadata.resourceVersion = String(++this.rv);
    table.set(key(namespace, name), next);
    this.emit(resource, { type: 'MODIFIED', object: next, previous: current });
    // An object whose deletion only waited for finalizers goes once the last one is removed.
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && resource.kind !== 'Pod') {
      this.remove(resource, namespace, name);
      return cloneObject({ ...next });
    }
    return cloneObject(next);
  }

  /**
   * Deletes an object. Pods with a grace period, and objects with finalizers, are only marked
   * (deletionTimestamp) and returned; the kubelet or the finalizer's owner removes them later.
   * Returns the object and whether it is gone already.
   */
  delete(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions & WriteOptions = {},
  ): { object: KubeObject; removed: boolean } {
    const ns = resource.namespaced ? namespace : undefined;
    let current = this.table(resource).get(key(ns, name));
    if (!current) throw notFound(resource.plural, resource.group, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    if (options.dryRun) return { object: cloneObject(current), removed: false };
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(current);

    // Foreground: the owner stays, marked, until the garbage collector has removed its dependents.
    if (
      options.propagationPolicy === 'Foreground' &&
      resource.kind !== 'Namespace' &&
      !current.metadata.deletionTimestamp &&
      !(current.metadata.finalizers ?? []).includes('foregroundDeletion') &&
      this.hasDependents(current)
    ) {
      current = cloneObject(current);
      current.metadata.finalizers = [...(current.metadata.finalizers ?? []), 'foregroundDeletion'];
    }
    const finalizers = current.metadata.finalizers ?? [];
    let grace = 0;
    if (resource.kind === 'Pod') {
      const spec = (current.spec ?? {}) as { terminationGracePeriodSeconds?: number; nodeName?: string };
      const phase = ((current.status ?? {}) as { phase?: string }).phase;
      grace = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      // Pods never scheduled or already finished have nothing to stop.
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
    }
    if (resource.kind === 'Namespace') {
      if (!current.metadata.deletionTimestamp) {
        const next = cloneObject(current);
        next.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        next.status = { phase: 'Terminating' };
        next.metadata.resourceVersion = String(++this.rv);
        this.table(resource).set(key(ns, name), next);
        this.emit(resource, { type: 'MODIFIED', object: next, previous: current });
        return { object: cloneObject(next), removed: false };
      }
      return { object: cloneObject(current), removed: false };
    }
    if (finalizers.length > 0 || grace > 0) {
      const already = current.metadata.deletionTimestamp;
      const previousGrace = current.metadata.deletionGracePeriodSeconds;
      // A repeated delete may only shorten the grace period.
      if (already && (previousGrace === undefined || previousGrace <= grace) && finalizers.length === 0) {
        return { object: cloneObject(current), removed: false };
      }
      if (already && finalizers.length > 0 && resource.kind !== 'Pod')
        return { object: cloneObject(current), removed: false };
      const next = cloneObject(current);
      next.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      if (resource.kind === 'Pod') next.metadata.deletionGracePeriodSeconds = grace;
      next.metadata.resourceVersion = String(++this.rv);
      this.table(resource).set(key(ns, name), next);
      this.emit(resource, { type: 'MODIFIED', object: next, previous: current });
      return { object: cloneObject(next), removed: false };
    }
    const removed = this.remove(resource, ns, name);
    return { object: removed, removed: true };
  }

  /** Removes an object outright (the end of graceful deletion, or a namespace's final step). */
  remove(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const ns = resource.namespaced ? namespace : undefined;
    const table = this.table(resource);
    const current = table.get(key(ns, name));
    if (!current) throw notFound(resource.plural, resource.group, name);
    table.delete(key(ns, name));
    const gone = cloneObject(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit(resource, { type: 'DELETED', object: gone, previous: current });
    return cloneObject(gone);
  }

  /**
   * Subscribes to changes. With `sinceResourceVersion` the events after it are replayed first
   * (410 Gone if they have left the log); without it nothing is replayed. Returns an unsubscribe.
   */
  watch(resource: ResourceType, listener: WatchListener, sinceResourceVersion?: string): () => void {
    if (sinceResourceVersion !== undefined) {
      const since = Number(sinceResourceVersion);
      if (!Number.isFinite(since)) throw badRequest(`invalid resourceVersion ${JSON.stringify(sinceResourceVersion)}`);
      const oldest = this.eventLog.length > 0 ? this.eventLog[0]!.rv : this.rv + 1;
      if (since < this.rv && since < oldest - 1) throw gone(`too old resource version: ${since} (${oldest - 1})`);
      for (const logged of this.eventLog) {
        if (logged.rv > since && logged.resource === resource.plural) listener(cloneObject(logged.event));
      }
    }
    const entry = { resource: resource.plural, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  private hasDependents(owner: KubeObject): boolean {
    for (const r of RESOURCE_TYPES) {
      for (const object of this.table(r).values()) {
        if ((object.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner.metadata.uid)) return true;
      }
    }
    return false;
  }

  /** Sets ownerless: the Orphan propagation policy. */
  private orphanDependents(owner: KubeObject): void {
    for (const r of RESOURCE_TYPES) {
      for (const object of [...this.table(r).values()]) {
        const refs = object.metadata.ownerReferences ?? [];
        if (!refs.some((ref) => ref.uid === owner.metadata.uid)) continue;
        const next = cloneObject(object);
        next.metadata.ownerReferences = refs.filter((ref) => ref.uid !== owner.metadata.uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        next.metadata.resourceVersion = String(++this.rv);
        this.table(r).set(key(object.metadata.namespace, object.metadata.name), next);
        this.emit(r, { type: 'MODIFIED', object: next, previous: object });
      }
    }
  }

  private validateName(resource: ResourceType, name: string): void {
    const pattern = LABEL_NAMED.has(resource.kind) ? DNS_LABEL : DNS_SUBDOMAIN;
    const limit = LABEL_NAMED.has(resource.kind) ? 63 : 253;
    if (!pattern.test(name) || name.length > limit) {
      const what = pattern === DNS_LABEL ? 'RFC 1123 label' : 'RFC 1123 subdomain';
      throw invalid(resource.kind, resource.group, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
  }

  private matches(object: KubeObject, filter: ListFilter): boolean {
    if (filter.namespace && object.metadata.namespace !== filter.namespace) return false;
    if (filter.labels && !filter.labels(object.metadata.labels)) return false;
    if (filter.fields && !filter.fields(object)) return false;
    return true;
  }

  private table(resource: ResourceType): Map<string, KubeObject> {
    const table = this.byResource.get(resource.plural);
    if (!table) throw new Error(`no table for ${resource.plural}`);
    return table;
  }

  private emit(resource: ResourceType, event: WatchEvent): void {
    this.eventLog.push({ rv: this.rv, resource: resource.plural, event: cloneObject(event) });
    if (this.eventLog.length > EVENT_LOG_LIMIT) this.eventLog.splice(0, this.eventLog.length - EVENT_LOG_LIMIT);
    for (const entry of [...this.listeners]) {
      if (entry.resource !== resource.plural) continue;
      try {
        entry.listener(cloneObject(event));
      } catch {
        // A failing listener must not break the write that triggered it.
      }
    }
    this.onChange?.();
  }
}

const NAMESPACES = RESOURCE_TYPES.find((r) => r.plural === 'namespaces')!;
