import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControllers } from '../../sandbox/controllers/index.js';
import { compareForScaleDown, planReplicaSet } from '../../sandbox/controllers/replicaset.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { JsonObject, KubeObject } from '../../sandbox/store/objects.js';
import type { ObjectStore } from '../../sandbox/store/store.js';
import { fakeKubelet, PODS, storeWithNamespace, waitFor } from './controllers-fakes.js';

const SERVICES = resourceByPlural('services');
const ENDPOINTS = resourceByPlural('endpoints');
const DEPLOYMENTS = resourceByPlural('deployments');
const REPLICASETS = resourceByPlural('replicasets');
const NAMESPACES = resourceByPlural('namespaces');
const CONFIGMAPS = resourceByPlural('configmaps');
const PVCS = resourceByPlural('persistentvolumeclaims');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function cluster(options: { stateDir?: string } = {}): ObjectStore {
  const store = storeWithNamespace();
  const kubelet = fakeKubelet(store);
  const controllers = startControllers(store, options);
  cleanups.push(
    () => controllers.stop(),
    () => kubelet.stop(),
  );
  return store;
}

function pod(
  name: string,
  labels: Record<string, string>,
  status: object = {},
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels,
      ...extra,
    },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: status as KubeObject['status'],
  };
}

function setReady(store: ObjectStore, name: string, ready: boolean): void {
  const current = store.get(PODS, 'default', name);
  const status = current.status as { conditions: { type: string; status: string }[] };
  status.conditions = status.conditions.map((c) =>
    c.type === 'Ready' ? { ...c, status: ready ? 'True' : 'False' } : c,
  );
  store.update(PODS, current, { subresource: 'status' });
}

void test('ReplicaSets give up unscheduled, then not-ready, then newest pods first', () => {
  const ready = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
  const scheduled = { nodeName: 'n' };
  const a = { ...pod('a', {}, ready), spec: scheduled };
  const b = {
    ...pod('b', {}, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }),
    spec: scheduled,
  };
  const c = pod('c', {}, {});
  const d = { ...pod('d', {}, ready, { creationTimestamp: '2026-01-02T00:00:00Z' }), spec: scheduled };
  assert.deepEqual(
    [a, b, c, d].sort(compareForScaleDown).map((p) => p.metadata.name),
    ['c', 'b', 'd', 'a'],
  );
});

void test('a ReplicaSet adopts matching orphans, releases pods that stop matching and deletes the surplus', () => {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'rs',
      namespace: 'default',
      uid: 'rs-uid',
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      generation: 4,
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } } },
    },
  };
  const owner = {
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }],
  };
  const orphan = pod('orphan', { app: 'web' }, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
  const strayed = pod('strayed', { app: 'other' }, {}, owner);
  const mine = pod('mine', { app: 'web' }, {}, owner);
  const plan = planReplicaSet(rs, [orphan, strayed, mine], new Date());
  assert.deepEqual(
    plan.adopt.map((p) => p.metadata.name),
    ['orphan'],
  );
  assert.deepEqual(
    plan.release.map((p) => p.metadata.name),
    ['strayed'],
  );
  assert.deepEqual(
    plan.delete.map((p) => p.metadata.name),
    ['mine'],
  );
  assert.equal(plan.create, 0);
  assert.deepEqual(plan.status, {
    replicas: 2,
    fullyLabeledReplicas: 2,
    readyReplicas: 1,
    availableReplicas: 1,
    observedGeneration: 4,
  });
});

void test('Endpoints list ready pod IPs in addresses and the others in notReadyAddresses, ports resolved by name', async () => {
  const store = cluster();
  store.create(SERVICES, {
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  });
  for (const name of ['web-a', 'web-b']) {
    store.create(PODS, {
      metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
  }
  store.create(PODS, {
    metadata: { name: 'other', namespace: 'default', labels: { app: 'db' } },
    spec: { containers: [{ name: 'app', image: 'db' }] },
  });
  type Subset = {
    addresses?: { ip: string; targetRef: { name: string } }[];
    notReadyAddresses?: { targetRef: { name: string } }[];
    ports: unknown[];
  };
  const subsets = (): Subset[] => (store.tryGet(ENDPOINTS, 'default', 'web')?.subsets ?? []) as unknown as Subset[];
  await waitFor(() => subsets()[0]?.addresses?.length === 2, 'two ready addresses');
  assert.deepEqual(subsets()[0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(
    subsets()[0]!
      .addresses!.map((a) => a.targetRef.name)
      .sort(),
    ['web-a', 'web-b'],
  );
  setReady(store, 'web-b', false);
  await waitFor(() => subsets()[0]?.notReadyAddresses?.[0]?.targetRef.name === 'web-b', 'web-b not ready');
  assert.deepEqual(
    subsets()[0]!.addresses!.map((a) => a.targetRef.name),
    ['web-a'],
  );
  store.delete(SERVICES, 'default', 'web');
  await waitFor(() => !store.tryGet(ENDPOINTS, 'default', 'web'), 'endpoints removed with the service');
});

void test('deleting a Deployment removes its ReplicaSet and pods', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web' }] } },
    },
  });
  await waitFor(() => store.list(PODS, { namespace: 'default' }).items.length === 2, 'pods');
  store.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Background' });
  await waitFor(
    () =>
      store.list(REPLICASETS, { namespace: 'default' }).items.length === 0 &&
      store.list(PODS, { namespace: 'default' }).items.length === 0,
    'cascade',
  );
});

void test('foreground deletion removes dependents before the owner', async () => {
  const store = cluster();
  const owner = store.create(CONFIGMAPS, { metadata: { name: 'owner', namespace: 'default' } });
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, blockOwnerDeletion: true };
  store.create(PODS, {
    metadata: { name: 'dependent', namespace: 'default', ownerReferences: [ref] },
    spec: { containers: [{ name: 'app', image: 'x' }] },
  });
  let ownerGoneFirst = false;
  const unwatch = store.watch(CONFIGMAPS, (event) => {
    if (event.type === 'DELETED' && store.tryGet(PODS, 'default', 'dependent')) ownerGoneFirst = true;
  });
  cleanups.push(unwatch);
  const marked = store.get(CONFIGMAPS, 'default', 'owner');
  marked.metadata.finalizers = ['foregroundDeletion'];
  store.update(CONFIGMAPS, marked);
  store.delete(CONFIGMAPS, 'default', 'owner');
  await waitFor(() => !store.tryGet(CONFIGMAPS, 'default', 'owner'), 'owner removed');
  assert.equal(ownerGoneFirst, false);
  assert.equal(store.tryGet(PODS, 'default', 'dependent'), undefined);
});

void test('a terminating namespace is emptied and then removed', async () => {
  const store = cluster();
  store.create(NAMESPACES, { metadata: { name: 'shop' } });
  store.create(CONFIGMAPS, { metadata: { name: 'settings', namespace: 'shop' } });
  store.create(PODS, {
    metadata: { name: 'worker', namespace: 'shop' },
    spec: { containers: [{ name: 'app', image: 'x' }] },
  });
  await waitFor(
    () => (store.tryGet(PODS, 'shop', 'worker')?.status as { phase?: string } | undefined)?.phase === 'Running',
    'pod running',
  );
  store.delete(NAMESPACES, undefined, 'shop');
  await waitFor(() => !store.tryGet(NAMESPACES, undefined, 'shop'), 'namespace removed');
  assert.equal(store.list(CONFIGMAPS, { namespace: 'shop' }).items.length, 0);
  assert.equal(store.list(PODS, { namespace: 'shop' }).items.length, 0);
});

void test('a PersistentVolumeClaim gets the default StorageClass and is bound to a directory of its own', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-pvc-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const store = cluster({ stateDir });
  store.create(PVCS, {
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
  });
  const claim = await waitFor(() => {
    const c = store.get(PVCS, 'default', 'data');
    return (c.status as { phase?: string } | undefined)?.phase === 'Bound' ? c : undefined;
  }, 'bound');
  assert.deepEqual(claim.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
  assert.equal((claim.spec as { volumeName: string }).volumeName, `pvc-${claim.metadata.uid}`);
  assert.equal((claim.spec as { storageClassName: string }).storageClassName, 'standard');
  assert.ok(existsSync(join(stateDir, 'pvcs', 'default', 'data')));
});

void test('without a default StorageClass a claim without a class stays Pending and says why', async () => {
  const store = cluster();
  store.delete(resourceByPlural('storageclasses'), undefined, 'standard');
  store.create(PVCS, {
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const event = await waitFor(
    () =>
      store.list(resourceByPlural('events'), { namespace: 'default' }).items.find((e) => e.reason === 'FailedBinding'),
    'FailedBinding',
  );
  assert.equal(event.message, 'no persistent volumes available for this claim and no storage class is set');
  assert.equal((store.get(PVCS, 'default', 'data').status as { phase?: string }).phase, 'Pending');
});

void test('pods and DaemonSets whose nodeSelector excludes the node stay unscheduled', async () => {
  const store = cluster();
  store.create(resourceByPlural('nodes'), {
    metadata: { name: 'podloop-sandbox', labels: { 'kubernetes.io/os': 'linux' } },
  });
  const spec = (os: string): JsonObject => ({
    nodeSelector: { 'kubernetes.io/os': os },
    containers: [{ name: 'a', image: 'x' }],
  });
  store.create(PODS, { metadata: { name: 'windows', namespace: 'default' }, spec: spec('windows') });
  store.create(PODS, { metadata: { name: 'linux', namespace: 'default' }, spec: spec('linux') });
  store.create(resourceByPlural('daemonsets'), {
    metadata: { name: 'win-agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'w' } },
      template: { metadata: { labels: { app: 'w' } }, spec: spec('windows') },
    },
  });
  await waitFor(
    () => (store.get(PODS, 'default', 'linux').status as { phase?: string } | undefined)?.phase === 'Running',
    'the fitting pod runs',
  );
  const condition = await waitFor(() => {
    const status = store.get(PODS, 'default', 'windows').status as {
      conditions?: { type: string; status: string; reason?: string }[];
    };
    return status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  }, 'Unschedulable');
  assert.equal(condition.reason, 'Unschedulable');
  assert.equal((store.get(PODS, 'default', 'windows').spec as { nodeName?: string }).nodeName, undefined);
  const ds = await waitFor(() => {
    const current = store.get(resourceByPlural('daemonsets'), 'default', 'win-agent');
    return current.status ? current : undefined;
  }, 'daemonset status');
  assert.equal((ds.status as { desiredNumberScheduled: number }).desiredNumberScheduled, 0);
  assert.equal(store.list(PODS, { namespace: 'default' }).items.length, 2);
});

void test('objects whose owner vanished while the controllers were stopped are collected at start', async () => {
  const store = storeWithNamespace();
  store.create(CONFIGMAPS, {
    metadata: {
      name: 'leftover',
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone', uid: 'no-such-uid' }],
    },
  });
  store.create(CONFIGMAPS, { metadata: { name: 'unowned', namespace: 'default' } });
  const controllers = startControllers(store);
  cleanups.push(() => controllers.stop());
  await waitFor(() => !store.tryGet(CONFIGMAPS, 'default', 'leftover'), 'leftover collected');
  assert.ok(store.tryGet(CONFIGMAPS, 'default', 'unowned'));
});
