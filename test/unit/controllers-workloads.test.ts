import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControllers } from '../../sandbox/controllers/index.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { JsonObject, KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import type { ObjectStore } from '../../sandbox/store/store.js';
import { fakeKubelet, PODS, storeWithNamespace, waitFor, type PodOutcome } from './controllers-fakes.js';

const STATEFULSETS = resourceByPlural('statefulsets');
const DAEMONSETS = resourceByPlural('daemonsets');
const JOBS = resourceByPlural('jobs');
const PVCS = resourceByPlural('persistentvolumeclaims');
const REVISIONS = resourceByPlural('controllerrevisions');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function cluster(outcome?: (pod: KubeObject) => PodOutcome): ObjectStore {
  const store = storeWithNamespace();
  const kubelet = fakeKubelet(store, outcome);
  const controllers = startControllers(store, { jobBackoffMs: 1 });
  cleanups.push(
    () => controllers.stop(),
    () => kubelet.stop(),
  );
  return store;
}

function livePods(store: ObjectStore): KubeObject[] {
  return store.list(PODS, { namespace: 'default' }).items.filter((p) => !p.metadata.deletionTimestamp);
}

function template(image: string, labels: Record<string, string> = { app: 'db' }, restartPolicy?: string): JsonObject {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image }], ...(restartPolicy ? { restartPolicy } : {}) },
  };
}

function statefulSet(replicas: number, image: string): KubeObjectInput {
  return {
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: template(image),
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

function stsRolledOut(store: ObjectStore, replicas: number): KubeObject | undefined {
  const sts = store.get(STATEFULSETS, 'default', 'db');
  const status = (sts.status ?? {}) as {
    observedGeneration?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
  const done =
    (status.observedGeneration ?? 0) >= (sts.metadata.generation ?? 1) &&
    status.readyReplicas === replicas &&
    status.currentRevision === status.updateRevision &&
    livePods(store).length === replicas;
  return done ? sts : undefined;
}

void test('a StatefulSet creates db-0..db-2 one after another, each with its own claim', async () => {
  const store = cluster();
  const violations: string[] = [];
  const unwatch = store.watch(PODS, (event) => {
    if (event.type !== 'ADDED') return;
    const ordinal = Number(event.object.metadata.name.split('-').pop());
    if (ordinal === 0) return;
    const previous = store.tryGet(PODS, 'default', `db-${ordinal - 1}`);
    const ready = (
      (previous?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
    ).some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) violations.push(event.object.metadata.name);
  });
  cleanups.push(unwatch);
  store.create(STATEFULSETS, statefulSet(3, 'db:1'));
  const sts = await waitFor(() => stsRolledOut(store, 3), 'three ready pods');
  assert.deepEqual(violations, []);
  assert.deepEqual(
    livePods(store).map((p) => p.metadata.name),
    ['db-0', 'db-1', 'db-2'],
  );
  const pod = store.get(PODS, 'default', 'db-1');
  assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
  assert.equal(
    pod.metadata.labels?.['controller-revision-hash'],
    (sts.status as { updateRevision: string }).updateRevision,
  );
  assert.equal((pod.spec as { hostname: string }).hostname, 'db-1');
  assert.deepEqual((pod.spec as { volumes: unknown[] }).volumes, [
    { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } },
  ]);
  assert.deepEqual(
    store.list(PVCS, { namespace: 'default' }).items.map((c) => c.metadata.name),
    ['data-db-0', 'data-db-1', 'data-db-2'],
  );
  await waitFor(
    () =>
      store
        .list(PVCS, { namespace: 'default' })
        .items.every((c) => (c.status as { phase?: string } | undefined)?.phase === 'Bound'),
    'claims bound',
  );
  assert.equal(store.list(REVISIONS, { namespace: 'default' }).items.length, 1);
});

void test('a StatefulSet template change replaces pods from the highest ordinal down; scale-down keeps claims', async () => {
  const store = cluster();
  store.create(STATEFULSETS, statefulSet(3, 'db:1'));
  await waitFor(() => stsRolledOut(store, 3), 'first rollout');
  const deletions: string[] = [];
  const unwatch = store.watch(PODS, (event) => {
    if (event.type === 'DELETED') deletions.push(event.object.metadata.name);
  });
  cleanups.push(unwatch);
  const sts = store.get(STATEFULSETS, 'default', 'db');
  (sts.spec as { template: unknown }).template = template('db:2');
  store.update(STATEFULSETS, sts);
  const done = await waitFor(() => stsRolledOut(store, 3), 'rolling update');
  assert.deepEqual(deletions, ['db-2', 'db-1', 'db-0']);
  const status = done.status as Record<string, unknown>;
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.currentReplicas, 3);
  assert.ok(livePods(store).every((p) => p.metadata.labels?.['controller-revision-hash'] === status.updateRevision));
  assert.equal(store.list(REVISIONS, { namespace: 'default' }).items.length, 2);

  const scaled = store.get(STATEFULSETS, 'default', 'db');
  (scaled.spec as { replicas: number }).replicas = 1;
  store.update(STATEFULSETS, scaled);
  await waitFor(() => stsRolledOut(store, 1), 'scale down');
  assert.deepEqual(
    livePods(store).map((p) => p.metadata.name),
    ['db-0'],
  );
  assert.equal(store.list(PVCS, { namespace: 'default' }).items.length, 3);
});

void test('a DaemonSet runs one pod on the node and replaces it on a template change', async () => {
  const store = cluster();
  store.create(DAEMONSETS, {
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent:1', { app: 'agent' }) },
  });
  const ready = (): KubeObject | undefined => {
    const ds = store.get(DAEMONSETS, 'default', 'agent');
    const s = (ds.status ?? {}) as Record<string, number>;
    const ok =
      s.observedGeneration === ds.metadata.generation &&
      s.updatedNumberScheduled === 1 &&
      s.numberAvailable === 1 &&
      s.desiredNumberScheduled === 1 &&
      livePods(store).length === 1;
    return ok ? ds : undefined;
  };
  await waitFor(ready, 'daemon pod');
  const first = livePods(store)[0]!;
  assert.match(first.metadata.name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal((first.spec as { nodeName: string }).nodeName, 'podloop-sandbox');
  const ds = store.get(DAEMONSETS, 'default', 'agent');
  (ds.spec as { template: unknown }).template = template('agent:2', { app: 'agent' });
  store.update(DAEMONSETS, ds);
  await waitFor(() => ready() && livePods(store)[0]!.metadata.name !== first.metadata.name, 'replacement');
  const pod = livePods(store)[0]!;
  assert.equal((pod.spec as { containers: { image: string }[] }).containers[0]!.image, 'agent:2');
});

void test('a Job runs pods until its completions succeed, two at a time', async () => {
  const store = cluster(() => 'succeed');
  let most = 0;
  const unwatch = store.watch(PODS, () => {
    const running = store
      .list(PODS, { namespace: 'default' })
      .items.filter((p) => ((p.status as { phase?: string } | undefined)?.phase ?? 'Pending') === 'Pending');
    most = Math.max(most, running.length);
  });
  cleanups.push(unwatch);
  store.create(JOBS, {
    metadata: { name: 'batch', namespace: 'default' },
    spec: { completions: 3, parallelism: 2, template: template('batch:1', {}, 'Never') },
  });
  const job = await waitFor(() => {
    const j = store.get(JOBS, 'default', 'batch');
    return ((j.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
      (c) => c.type === 'Complete' && c.status === 'True',
    )
      ? j
      : undefined;
  }, 'job complete');
  const status = job.status as Record<string, unknown>;
  assert.equal(most, 2, 'parallelism 2 was used and never exceeded');
  assert.equal(status.succeeded, 3);
  assert.equal(status.active, undefined);
  assert.ok(typeof status.startTime === 'string' && typeof status.completionTime === 'string');
  const pods = store.list(PODS, { namespace: 'default' }).items;
  assert.equal(pods.length, 3);
  for (const pod of pods) {
    assert.equal(pod.metadata.labels?.['job-name'], 'batch');
    assert.equal(pod.metadata.labels?.['batch.kubernetes.io/controller-uid'], job.metadata.uid);
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'Job');
  }
});

void test('a Job fails with BackoffLimitExceeded after backoffLimit + 1 failed pods', async () => {
  const store = cluster(() => 'fail');
  store.create(JOBS, {
    metadata: { name: 'crash', namespace: 'default' },
    spec: { backoffLimit: 2, template: template('crash:1', {}, 'Never') },
  });
  const job = await waitFor(() => {
    const j = store.get(JOBS, 'default', 'crash');
    return ((j.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).some(
      (c) => c.type === 'Failed',
    )
      ? j
      : undefined;
  }, 'job failed');
  const failed = (job.status as { conditions: { type: string; reason: string }[] }).conditions.find(
    (c) => c.type === 'Failed',
  )!;
  assert.equal(failed.reason, 'BackoffLimitExceeded');
  assert.equal((job.status as { failed: number }).failed, 3);
  assert.equal(store.list(PODS, { namespace: 'default' }).items.length, 3);
});

void test('a suspended Job starts no pods until resumed', async () => {
  const store = cluster(() => 'pending');
  store.create(JOBS, {
    metadata: { name: 'later', namespace: 'default' },
    spec: { suspend: true, template: template('x:1', {}, 'Never') },
  });
  await waitFor(
    () =>
      (
        (store.get(JOBS, 'default', 'later').status as { conditions?: { type: string }[] } | undefined)?.conditions ??
        []
      ).some((c) => c.type === 'Suspended'),
    'suspended',
  );
  assert.equal(store.list(PODS, { namespace: 'default' }).items.length, 0);
  const job = store.get(JOBS, 'default', 'later');
  (job.spec as { suspend: boolean }).suspend = false;
  store.update(JOBS, job);
  await waitFor(() => store.list(PODS, { namespace: 'default' }).items.length === 1, 'pod after resume');
});

void test('a Parallel StatefulSet creates all its pods at once', async () => {
  const store = cluster(() => 'pending');
  const input = statefulSet(3, 'db:1') as KubeObjectInput & { spec: JsonObject };
  input.spec.podManagementPolicy = 'Parallel';
  store.create(STATEFULSETS, input);
  await waitFor(() => livePods(store).length === 3, 'three pods while none is ready');
  assert.deepEqual(
    livePods(store).map((p) => p.metadata.name),
    ['db-0', 'db-1', 'db-2'],
  );
});

void test('an Indexed Job runs one pod per completion index and reports completedIndexes', async () => {
  const store = cluster(() => 'succeed');
  store.create(JOBS, {
    metadata: { name: 'shards', namespace: 'default' },
    spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', template: template('shard:1', {}, 'Never') },
  });
  const job = await waitFor(() => {
    const j = store.get(JOBS, 'default', 'shards');
    return (j.status as { completedIndexes?: string } | undefined)?.completedIndexes === '0-2' ? j : undefined;
  }, 'all indexes');
  assert.equal((job.status as { succeeded: number }).succeeded, 3);
  const pods = store.list(PODS, { namespace: 'default' }).items;
  const indexes = pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const zero = pods.find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
  assert.match(zero.metadata.name, /^shards-0-/);
  const env = (zero.spec as { containers: { env: { name: string }[] }[] }).containers[0]!.env;
  assert.ok(env.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
});

void test('a recreated StatefulSet adopts the pods its predecessor orphaned; whenScaled Delete removes claims', async () => {
  const store = cluster();
  const input = statefulSet(2, 'db:1') as KubeObjectInput & { spec: JsonObject };
  input.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Delete' };
  store.create(STATEFULSETS, input);
  await waitFor(() => stsRolledOut(store, 2), 'first rollout');
  const uids = livePods(store).map((p) => p.metadata.uid);
  store.delete(STATEFULSETS, 'default', 'db', { propagationPolicy: 'Orphan' });
  store.create(STATEFULSETS, input);
  await waitFor(() => stsRolledOut(store, 2), 'adoption');
  assert.deepEqual(
    livePods(store).map((p) => p.metadata.uid),
    uids,
  );
  const sts = store.get(STATEFULSETS, 'default', 'db');
  assert.ok(livePods(store).every((p) => p.metadata.ownerReferences?.[0]?.uid === sts.metadata.uid));
  (sts.spec as { replicas: number }).replicas = 1;
  store.update(STATEFULSETS, sts);
  await waitFor(() => !store.tryGet(PVCS, 'default', 'data-db-1') && stsRolledOut(store, 1), 'claim of db-1 removed');
  assert.ok(store.tryGet(PVCS, 'default', 'data-db-0'));
});
