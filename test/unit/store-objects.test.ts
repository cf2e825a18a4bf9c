// The object store's semantics: resourceVersions and conflicts, generation, graceful deletion,
// watch replay and expiry, and selectors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../sandbox/store/errors.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { parseFieldSelector, parseLabelSelector } from '../../sandbox/store/selectors.js';
import { seedCluster } from '../../sandbox/store/seed.js';
import { ObjectStore, type WatchEvent } from '../../sandbox/store/store.js';

const CONFIGMAPS = resourceByPlural('configmaps');
const DEPLOYMENTS = resourceByPlural('deployments');
const PODS = resourceByPlural('pods');

function seeded(): ObjectStore {
  const store = new ObjectStore();
  seedCluster(store)();
  return store;
}

function apiError(code: number, reason: string): (error: unknown) => boolean {
  return (error) => error instanceof ApiError && error.code === code && error.reason === reason;
}

void test('an update carrying a stale resourceVersion is a 409 Conflict', () => {
  const store = seeded();
  const created = store.create(CONFIGMAPS, { metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } });
  const updated = store.update(CONFIGMAPS, { ...created, data: { a: '2' } });
  assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  assert.throws(() => store.update(CONFIGMAPS, { ...created, data: { a: '3' } }), apiError(409, 'Conflict'));
  assert.equal(
    store.get(CONFIGMAPS, 'default', 'cfg').data && (store.get(CONFIGMAPS, 'default', 'cfg').data as { a: string }).a,
    '2',
  );
});

void test('generation moves with the spec only, not with labels or status', () => {
  const store = seeded();
  const d = store.create(DEPLOYMENTS, { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1 } });
  assert.equal(d.metadata.generation, 1);
  const labelled = store.update(DEPLOYMENTS, { ...d, metadata: { ...d.metadata, labels: { a: 'b' } } });
  assert.equal(labelled.metadata.generation, 1);
  const withStatus = store.update(DEPLOYMENTS, { ...labelled, status: { replicas: 1 } }, { subresource: 'status' });
  assert.equal(withStatus.metadata.generation, 1);
  const scaled = store.update(DEPLOYMENTS, { ...withStatus, spec: { replicas: 3 } });
  assert.equal(scaled.metadata.generation, 2);
});

void test('deleting a scheduled pod marks it terminating until it is removed', () => {
  const store = seeded();
  store.create(PODS, { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n', containers: [] } });
  const { object, removed } = store.delete(PODS, 'default', 'p', {});
  assert.equal(removed, false);
  assert.ok(object.metadata.deletionTimestamp);
  assert.equal(object.metadata.deletionGracePeriodSeconds, 30);
  assert.equal(store.delete(PODS, 'default', 'p', { gracePeriodSeconds: 0 }).removed, true);
  assert.equal(store.tryGet(PODS, 'default', 'p'), undefined);
});

void test('a watch replays the events after its resourceVersion and refuses one that has left the log', () => {
  const store = seeded();
  const start = store.currentResourceVersion();
  store.create(CONFIGMAPS, { metadata: { name: 'a', namespace: 'default' } });
  store.create(CONFIGMAPS, { metadata: { name: 'b', namespace: 'default' } });
  const seen: WatchEvent[] = [];
  const stop = store.watch(CONFIGMAPS, (e) => seen.push(e), start);
  store.delete(CONFIGMAPS, 'default', 'a');
  stop();
  assert.deepEqual(
    seen.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED a', 'ADDED b', 'DELETED a'],
  );
  const busy = seeded();
  const old = busy.currentResourceVersion();
  for (let i = 0; i < 20_010; i++) busy.create(CONFIGMAPS, { metadata: { generateName: 'x-', namespace: 'default' } });
  assert.throws(() => busy.watch(CONFIGMAPS, () => undefined, old), apiError(410, 'Expired'));
});

void test('label and field selectors match as kubectl writes them', () => {
  const labels = parseLabelSelector('app=web,tier in (front,back),!canary');
  assert.equal(labels({ app: 'web', tier: 'front' }), true);
  assert.equal(labels({ app: 'web', tier: 'front', canary: 'x' }), false);
  assert.equal(labels({ app: 'api', tier: 'front' }), false);
  const store = seeded();
  store.create(PODS, {
    metadata: { name: 'p1', namespace: 'default' },
    spec: { nodeName: 'n' },
    status: { phase: 'Running' },
  });
  store.create(PODS, { metadata: { name: 'p2', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } });
  const running = store.list(PODS, { fields: parseFieldSelector('status.phase=Running') }).items;
  assert.deepEqual(
    running.map((p) => p.metadata.name),
    ['p1'],
  );
  assert.throws(() => parseFieldSelector('spec.bogus=1'), apiError(400, 'BadRequest'));
});

void test('creating in a missing namespace is namespaces "x" not found', () => {
  const store = seeded();
  assert.throws(
    () => store.create(CONFIGMAPS, { metadata: { name: 'c', namespace: 'nope' } }),
    (e: unknown) => e instanceof ApiError && e.code === 404 && e.message === 'namespaces "nope" not found',
  );
});

void test('a foreground delete keeps an owner with dependents, marked, until its finalizer is lifted', () => {
  const store = seeded();
  const owner = store.create(DEPLOYMENTS, { metadata: { name: 'web', namespace: 'default' }, spec: {} });
  store.create(CONFIGMAPS, {
    metadata: {
      name: 'dependent',
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner.metadata.uid }],
    },
  });
  const { object, removed } = store.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Foreground' });
  assert.equal(removed, false);
  assert.ok(object.metadata.deletionTimestamp);
  assert.deepEqual(object.metadata.finalizers, ['foregroundDeletion']);
  store.update(DEPLOYMENTS, { ...object, metadata: { ...object.metadata, finalizers: [] } });
  assert.equal(store.tryGet(DEPLOYMENTS, 'default', 'web'), undefined);
  const lone = store.create(CONFIGMAPS, { metadata: { name: 'lone', namespace: 'default' } });
  assert.equal(
    store.delete(CONFIGMAPS, 'default', lone.metadata.name, { propagationPolicy: 'Foreground' }).removed,
    true,
  );
});
