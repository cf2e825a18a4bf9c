import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControllers } from '../../sandbox/controllers/index.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { JsonObject, KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import type { ObjectStore } from '../../sandbox/store/store.js';
import { fakeKubelet, PODS, storeWithNamespace, waitFor, type PodOutcome } from './controllers-fakes.js';

const DEPLOYMENTS = resourceByPlural('deployments');
const REPLICASETS = resourceByPlural('replicasets');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function cluster(outcome?: (pod: KubeObject) => PodOutcome): ObjectStore {
  const store = storeWithNamespace();
  const kubelet = fakeKubelet(store, outcome);
  const controllers = startControllers(store);
  cleanups.push(
    () => controllers.stop(),
    () => kubelet.stop(),
  );
  return store;
}

function deployment(replicas: number, image: string, strategy?: JsonObject): KubeObjectInput {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

/** What `kubectl rollout status deploy/web` decides from the object (rollout_status.go). */
function rolloutStatus(d: KubeObject): string {
  const spec = d.spec as { replicas?: number };
  const status = (d.status ?? {}) as {
    observedGeneration?: number;
    updatedReplicas?: number;
    replicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; reason?: string }[];
  };
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) return 'waiting for spec update';
  if (status.conditions?.find((c) => c.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded')
    return 'deadline exceeded';
  if ((status.updatedReplicas ?? 0) < (spec.replicas ?? 1)) return 'waiting for updated replicas';
  if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0)) return 'waiting for old replicas';
  if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) return 'waiting for available';
  return 'rolled out';
}

function activePods(store: ObjectStore): KubeObject[] {
  return store.list(PODS, { namespace: 'default' }).items.filter((p) => !p.metadata.deletionTimestamp);
}

function rolledOut(store: ObjectStore): KubeObject | undefined {
  const d = store.get(DEPLOYMENTS, 'default', 'web');
  return rolloutStatus(d) === 'rolled out' ? d : undefined;
}

void test('a Deployment creates a ReplicaSet and pods with hash labels, owner references and revision annotations', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, deployment(3, 'web:1'));
  const d = await waitFor(() => rolledOut(store), 'rollout');
  const [rs, ...others] = store.list(REPLICASETS, { namespace: 'default' }).items;
  assert.equal(others.length, 0);
  const hash = rs!.metadata.labels?.['pod-template-hash'];
  assert.match(hash ?? '', /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(rs!.metadata.name, `web-${hash}`);
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
  assert.deepEqual(rs!.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: d.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(
    (rs!.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['pod-template-hash'],
    hash,
  );
  const pods = activePods(store);
  assert.equal(pods.length, 3);
  for (const pod of pods) {
    assert.equal(pod.metadata.labels?.['pod-template-hash'], hash);
    assert.ok(pod.metadata.name.startsWith(`web-${hash}-`));
    assert.equal(pod.metadata.ownerReferences?.[0]?.uid, rs!.metadata.uid);
    assert.equal((pod.spec as { nodeName?: string }).nodeName, 'podloop-sandbox');
  }
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const status = d.status as Record<string, unknown>;
  assert.equal(status.replicas, 3);
  assert.equal(status.readyReplicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.unavailableReplicas, undefined);
  const conditions = status.conditions as { type: string; status: string; reason: string }[];
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ],
  );
});

void test('a template change rolls within replicas + maxSurge pods and scales the old ReplicaSet to zero', async () => {
  const store = cluster();
  store.create(
    DEPLOYMENTS,
    deployment(4, 'web:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
  );
  await waitFor(() => rolledOut(store), 'first rollout');
  let most = 0;
  const unwatch = store.watch(PODS, () => {
    most = Math.max(most, activePods(store).length);
  });
  cleanups.push(unwatch);
  const d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'web:2';
  store.update(DEPLOYMENTS, d);
  const done = await waitFor(() => rolledOut(store), 'second rollout');
  assert.ok(most <= 5, `at most 5 pods at once, saw ${most}`);
  assert.ok(most >= 5, 'the surge pod was used');
  const sets = store.list(REPLICASETS, { namespace: 'default' }).items;
  assert.equal(sets.length, 2);
  const byRevision = new Map(sets.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs]));
  assert.equal((byRevision.get('1')!.spec as { replicas: number }).replicas, 0);
  assert.equal((byRevision.get('2')!.spec as { replicas: number }).replicas, 4);
  assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.equal(done.metadata.generation, 2);
  const status = done.status as Record<string, number>;
  assert.deepEqual(
    [status.observedGeneration, status.replicas, status.updatedReplicas, status.availableReplicas],
    [2, 4, 4, 4],
  );
  assert.ok(
    activePods(store).every(
      (p) => p.metadata.labels?.['pod-template-hash'] === byRevision.get('2')!.metadata.labels?.['pod-template-hash'],
    ),
  );
});

void test('rollout undo brings the old ReplicaSet back as the next revision', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, deployment(2, 'web:1'));
  await waitFor(() => rolledOut(store), 'first rollout');
  const first = store.list(REPLICASETS, { namespace: 'default' }).items[0]!;
  let d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'web:2';
  store.update(DEPLOYMENTS, d);
  await waitFor(
    () => rolledOut(store) && store.list(REPLICASETS, { namespace: 'default' }).items.length === 2 && rolledOut(store),
    'second rollout',
  );
  // What kubectl rollout undo sends: the old ReplicaSet's template without its hash label.
  d = store.get(DEPLOYMENTS, 'default', 'web');
  const template = structuredClone(
    (first.spec as { template: { metadata: { labels: Record<string, string> } } }).template,
  );
  delete template.metadata.labels['pod-template-hash'];
  (d.spec as { template: unknown }).template = template;
  store.update(DEPLOYMENTS, d);
  const done = await waitFor(() => {
    const current = rolledOut(store);
    return current?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' ? current : undefined;
  }, 'undo rollout');
  const reused = store.get(REPLICASETS, 'default', first.metadata.name);
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal((reused.spec as { replicas: number }).replicas, 2);
  assert.equal(store.list(REPLICASETS, { namespace: 'default' }).items.length, 2);
  assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
});

void test('scaling resizes the current ReplicaSet without a new revision', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, deployment(1, 'web:1'));
  await waitFor(() => rolledOut(store), 'rollout');
  const d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { replicas: number }).replicas = 3;
  store.update(DEPLOYMENTS, d);
  await waitFor(() => rolledOut(store) && activePods(store).length === 3, 'scale up');
  const sets = store.list(REPLICASETS, { namespace: 'default' }).items;
  assert.equal(sets.length, 1);
  assert.equal(sets[0]!.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(sets[0]!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
});

void test('Recreate stops every old pod before starting new ones', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, deployment(2, 'web:1', { type: 'Recreate' }));
  await waitFor(() => rolledOut(store), 'rollout');
  let mixed = false;
  const unwatch = store.watch(PODS, () => {
    const hashes = new Set(activePods(store).map((p) => p.metadata.labels?.['pod-template-hash']));
    if (hashes.size > 1) mixed = true;
  });
  cleanups.push(unwatch);
  const d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'web:2';
  store.update(DEPLOYMENTS, d);
  await waitFor(
    () =>
      rolledOut(store) &&
      store.get(DEPLOYMENTS, 'default', 'web').metadata.annotations?.['deployment.kubernetes.io/revision'] === '2',
    'recreate',
  );
  assert.equal(mixed, false);
  assert.equal(activePods(store).length, 2);
});

void test('a rollout whose pods never become ready reports ProgressDeadlineExceeded', async () => {
  const store = cluster(() => 'pending');
  const input = deployment(1, 'web:1') as KubeObjectInput & { spec: Record<string, unknown> };
  input.spec.progressDeadlineSeconds = 1;
  store.create(DEPLOYMENTS, input);
  const d = await waitFor(
    () => {
      const current = store.get(DEPLOYMENTS, 'default', 'web');
      return rolloutStatus(current) === 'deadline exceeded' ? current : undefined;
    },
    'deadline',
    5000,
  );
  const progressing = (d.status as { conditions: { type: string; status: string; message: string }[] }).conditions.find(
    (c) => c.type === 'Progressing',
  )!;
  assert.equal(progressing.status, 'False');
  assert.match(progressing.message, /^ReplicaSet "web-\w+" has timed out progressing\.$/);
});

void test('a paused Deployment does not roll out a template change until resumed', async () => {
  const store = cluster();
  store.create(DEPLOYMENTS, deployment(2, 'web:1'));
  await waitFor(() => rolledOut(store), 'first rollout');
  let d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { paused: boolean }).paused = true;
  (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'web:2';
  store.update(DEPLOYMENTS, d);
  const paused = await waitFor(() => {
    const current = store.get(DEPLOYMENTS, 'default', 'web');
    const status = current.status as { observedGeneration?: number; conditions?: { type: string; reason: string }[] };
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    return status.observedGeneration === current.metadata.generation && progressing?.reason === 'DeploymentPaused'
      ? current
      : undefined;
  }, 'paused condition');
  assert.equal(store.list(REPLICASETS, { namespace: 'default' }).items.length, 1);
  assert.equal(paused.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { paused: boolean }).paused = false;
  store.update(DEPLOYMENTS, d);
  const resumed = await waitFor(() => {
    const current = rolledOut(store);
    return current?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' ? current : undefined;
  }, 'rollout after resume');
  assert.ok(
    activePods(store).every((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image === 'web:2'),
  );
  assert.equal(
    (resumed.status as { conditions: { type: string; reason: string }[] }).conditions.find(
      (c) => c.type === 'Progressing',
    )?.reason,
    'NewReplicaSetAvailable',
  );
});

void test('with maxSurge 0 a rollout first removes an old pod and never drops below replicas - maxUnavailable', async () => {
  const store = cluster();
  store.create(
    DEPLOYMENTS,
    deployment(3, 'web:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }),
  );
  await waitFor(() => rolledOut(store), 'first rollout');
  let most = 0;
  let fewestReady = 3;
  const unwatch = store.watch(PODS, () => {
    const pods = activePods(store);
    most = Math.max(most, pods.length);
    const ready = pods.filter((p) =>
      ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;
    fewestReady = Math.min(fewestReady, ready);
  });
  cleanups.push(unwatch);
  const d = store.get(DEPLOYMENTS, 'default', 'web');
  (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'web:2';
  store.update(DEPLOYMENTS, d);
  await waitFor(
    () => rolledOut(store)?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2',
    'second rollout',
  );
  assert.equal(most, 3);
  assert.equal(fewestReady, 2);
});
