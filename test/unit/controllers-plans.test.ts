import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDaemonSet } from '../../sandbox/controllers/daemonset.js';
import {
  maxSurgeOf,
  maxUnavailableOf,
  newReplicaSetReplicas,
  oldReplicaSetScaleDowns,
  proportionalScale,
} from '../../sandbox/controllers/deploymentMath.js';
import { planEndpoints } from '../../sandbox/controllers/endpoints.js';
import { formatIndexes, parseIndexes, planJob } from '../../sandbox/controllers/job.js';
import { templateHash } from '../../sandbox/controllers/objects.js';
import type { JsonObject, KubeObject } from '../../sandbox/store/objects.js';

let serial = 0;
function object(
  kind: string,
  spec: JsonObject,
  extra: Partial<KubeObject> = {},
  metadata: Partial<KubeObject['metadata']> = {},
): KubeObject {
  serial++;
  return {
    apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
    kind,
    metadata: {
      name: `${kind.toLowerCase()}-${serial}`,
      namespace: 'default',
      uid: `uid-${serial}`,
      resourceVersion: '1',
      creationTimestamp: `2026-01-01T00:00:${String(serial % 60).padStart(2, '0')}Z`,
      ...metadata,
    },
    spec,
    ...extra,
  };
}

function deployment(replicas: number, rollingUpdate?: JsonObject): KubeObject {
  return object('Deployment', {
    replicas,
    ...(rollingUpdate ? { strategy: { type: 'RollingUpdate', rollingUpdate } } : {}),
  });
}

function replicaSet(replicas: number, available: number): KubeObject {
  return object('ReplicaSet', { replicas }, { status: { replicas, availableReplicas: available } });
}

void test('maxSurge rounds up and maxUnavailable down; both zero allows one unavailable', () => {
  assert.deepEqual([maxSurgeOf(deployment(10)), maxUnavailableOf(deployment(10))], [3, 2]);
  assert.deepEqual([maxSurgeOf(deployment(1)), maxUnavailableOf(deployment(1))], [1, 0]);
  assert.deepEqual(
    [
      maxSurgeOf(deployment(4, { maxSurge: 0, maxUnavailable: 0 })),
      maxUnavailableOf(deployment(4, { maxSurge: 0, maxUnavailable: 0 })),
    ],
    [0, 1],
  );
  assert.deepEqual(
    [
      maxSurgeOf(deployment(3, { maxSurge: '50%', maxUnavailable: '50%' })),
      maxUnavailableOf(deployment(3, { maxSurge: '50%', maxUnavailable: '50%' })),
    ],
    [2, 1],
  );
});

void test('a rolling update surges the new ReplicaSet, then scales old pods down only while enough stay available', () => {
  const d = deployment(4, { maxSurge: 1, maxUnavailable: 0 });
  const old = replicaSet(4, 4);
  assert.equal(newReplicaSetReplicas(d, [old], undefined), 1);
  const fresh = replicaSet(1, 0);
  assert.deepEqual(oldReplicaSetScaleDowns(d, [old], fresh), [], 'the new pod is not available yet');
  const availableFresh = replicaSet(1, 1);
  assert.deepEqual(
    oldReplicaSetScaleDowns(d, [old], availableFresh).map((s) => s.replicas),
    [3],
  );
  // Unhealthy old pods go first, even beyond what availability alone would allow.
  const sick = replicaSet(4, 2);
  assert.deepEqual(
    oldReplicaSetScaleDowns(deployment(4, { maxSurge: 1, maxUnavailable: 1 }), [sick], replicaSet(1, 0)).map(
      (s) => s.replicas,
    ),
    [3],
  );
});

void test('a finished Job is deleted once ttlSecondsAfterFinished has passed', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const finished = (ttl: number): KubeObject =>
    object(
      'Job',
      { ttlSecondsAfterFinished: ttl, template: {} },
      {
        status: {
          completionTime: '2026-01-01T00:00:50Z',
          conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:00:50Z' }],
        },
      },
    );
  assert.equal(planJob(finished(5), [], now, 10_000).deleteJob, true);
  const later = planJob(finished(60), [], now, 10_000);
  assert.equal(later.deleteJob, false);
  assert.equal(later.recheckInMs, 50_000);
});

void test('a failed Job pod is replaced only after the back-off', () => {
  const now = new Date('2026-01-01T00:00:05Z');
  const job = object('Job', { backoffLimit: 6, template: { spec: { restartPolicy: 'Never' } } });
  const failed = object(
    'Pod',
    {},
    {
      status: {
        phase: 'Failed',
        containerStatuses: [{ state: { terminated: { finishedAt: '2026-01-01T00:00:00Z' } } }],
      },
    },
  );
  const waiting = planJob(job, [failed], now, 10_000);
  assert.equal(waiting.create, 0);
  assert.equal(waiting.recheckInMs, 5_000);
  assert.equal(planJob(job, [failed], new Date('2026-01-01T00:00:11Z'), 10_000).create, 1);
});

void test('a DaemonSet replaces an outdated pod: delete first by default, new first with maxSurge', () => {
  const hash = 'abc';
  const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  const oldPod = object('Pod', {}, { status: ready }, { labels: { 'controller-revision-hash': 'old' } });
  const ds = object('DaemonSet', {});
  assert.deepEqual(planDaemonSet(ds, [oldPod], hash, new Date()), { create: false, delete: [oldPod] });
  const surging = object('DaemonSet', {
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  });
  assert.deepEqual(planDaemonSet(surging, [oldPod], hash, new Date()), { create: true, delete: [] });
  const newPod = object('Pod', {}, { status: ready }, { labels: { 'controller-revision-hash': hash } });
  assert.deepEqual(planDaemonSet(surging, [oldPod, newPod], hash, new Date()), { create: false, delete: [oldPod] });
});

void test('Endpoints group pods by resolved ports and leave out pods without the named port', () => {
  const service = object('Service', {
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'web' }],
  });
  const pod = (ip: string, containerPort: number | undefined): KubeObject =>
    object(
      'Pod',
      { containers: [{ name: 'app', ports: containerPort ? [{ name: 'web', containerPort }] : [] }] },
      { status: { podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] } },
      { labels: { app: 'web' } },
    );
  const subsets = planEndpoints(service, [
    pod('10.0.0.2', 8080),
    pod('10.0.0.10', 8080),
    pod('10.0.0.3', 9090),
    pod('10.0.0.4', undefined),
  ]);
  assert.deepEqual(
    subsets.map((s) => [s.ports?.[0]?.port, s.addresses?.map((a) => a.ip)]),
    [
      [8080, ['10.0.0.2', '10.0.0.10']],
      [9090, ['10.0.0.3']],
    ],
  );
});

void test('template hashes are stable under key order and null fields, and change with the template', () => {
  const a = templateHash({
    metadata: { labels: { app: 'web' }, creationTimestamp: null },
    spec: { containers: [{ name: 'app', image: 'x' }] },
  });
  const b = templateHash({ spec: { containers: [{ image: 'x', name: 'app' }] }, metadata: { labels: { app: 'web' } } });
  const c = templateHash({ spec: { containers: [{ image: 'y', name: 'app' }] }, metadata: { labels: { app: 'web' } } });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
});

void test('completed indexes are written as ranges and read back', () => {
  assert.equal(formatIndexes(new Set([5, 0, 1, 2, 7, 8])), '0-2,5,7-8');
  assert.deepEqual([...parseIndexes('0-2,5')], [0, 1, 2, 5]);
});

void test('a Job active longer than activeDeadlineSeconds fails with DeadlineExceeded and stops its pods', () => {
  const job = object(
    'Job',
    { activeDeadlineSeconds: 30, template: { spec: { restartPolicy: 'Never' } } },
    { status: { startTime: '2026-01-01T00:00:00Z', active: 1 } },
  );
  const running = object('Pod', {}, { status: { phase: 'Running' } });
  const early = planJob(job, [running], new Date('2026-01-01T00:00:10Z'), 10_000);
  assert.equal(early.recheckInMs, 20_000);
  assert.deepEqual(early.delete, []);
  const late = planJob(job, [running], new Date('2026-01-01T00:00:31Z'), 10_000);
  const failed = late.status.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failed?.reason, 'DeadlineExceeded');
  assert.deepEqual(late.delete, [running]);
});

void test('scaling during a rollout spreads the new replicas over the ReplicaSets in proportion', () => {
  const d = deployment(8);
  const annotated = (rs: KubeObject): KubeObject => ({
    ...rs,
    metadata: { ...rs.metadata, annotations: { 'deployment.kubernetes.io/max-replicas': '5' } },
  });
  const old = annotated(replicaSet(3, 3));
  const fresh = annotated(replicaSet(2, 1));
  const result = new Map(proportionalScale(d, [old, fresh]).map((s) => [s.rs, s.replicas]));
  assert.equal(result.get(old), 6);
  assert.equal(result.get(fresh), 4);
});
