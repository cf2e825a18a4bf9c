// Where each workload kind keeps its pod template and replicas, and how users may name a kind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Workload } from '../../server/dev/types.js';
import {
  podTemplateOf,
  readReplicas,
  resolveWorkloadKind,
  setReplicas,
  workloadKinds,
} from '../../server/dev/workloadKinds.js';

void test('kinds resolve from the names users type, and unsupported kinds do not', () => {
  for (const [typed, kind] of [
    ['deploy', 'Deployment'],
    ['deployments.apps', 'Deployment'],
    ['sts', 'StatefulSet'],
    ['DaemonSet', 'DaemonSet'],
    ['po', 'Pod'],
    ['jobs.batch', 'Job'],
    ['cronjob', 'CronJob'],
  ] as const) {
    assert.equal(resolveWorkloadKind(typed)?.kind, kind, typed);
  }
  assert.equal(resolveWorkloadKind('ReplicaSet'), undefined);
});

void test('each kind finds its pod template at its own path, and a Pod is its own template', () => {
  const spec = { containers: [{ name: 'c' }] };
  const cases: Array<[Workload, unknown]> = [
    [{ kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec } } }, spec],
    [{ kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec } } } } }, spec],
    [{ kind: 'Pod', metadata: { name: 'p' }, spec }, spec],
    [{ kind: 'Job', metadata: { name: 'j' }, spec: {} }, undefined],
  ];
  for (const [workload, expected] of cases) {
    assert.equal(podTemplateOf(workload, resolveWorkloadKind(workload.kind)!)?.spec, expected, workload.kind);
  }
});

void test('replicas are read and set only where the kind has them, and unset removes the field', () => {
  const deployment: Workload = { kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 3 } };
  assert.equal(readReplicas(deployment, workloadKinds.Deployment), 3);
  setReplicas(deployment, workloadKinds.Deployment, undefined);
  assert.equal('replicas' in deployment.spec!, false);
  const daemonSet: Workload = { kind: 'DaemonSet', metadata: { name: 'd' }, spec: {} };
  setReplicas(daemonSet, workloadKinds.DaemonSet, 1);
  assert.deepEqual(daemonSet.spec, {});
  assert.deepEqual(
    Object.values(workloadKinds).map((k) => [k.kind, k.strategy]),
    [
      ['Deployment', 'patchInPlace'],
      ['StatefulSet', 'patchInPlace'],
      ['DaemonSet', 'patchInPlace'],
      ['Pod', 'recreatePod'],
      ['Job', 'separateDevPod'],
      ['CronJob', 'separateDevPod'],
    ],
  );
});
