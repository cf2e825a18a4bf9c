// Finding a workload's pods, pure parts: selectors as query strings and the pod traffic goes to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickPod, podQueryOf, selectorString, summarizePod } from '../../server/kube/pods.js';

void test('label selectors become query strings with every operator', () => {
  assert.equal(
    selectorString({
      matchLabels: { app: 'web', tier: 'front' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['dev', 'qa'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
        { key: 'old', operator: 'NotIn', values: ['1'] },
      ],
    }),
    'app=web,tier=front,env in (dev,qa),!canary,zone,old notin (1)',
  );
});

void test('a Pod selects itself by name and a CronJob by its job template labels', () => {
  assert.deepEqual(podQueryOf({ metadata: { name: 'p1' } }, 'Pod'), { fieldSelector: 'metadata.name=p1' });
  assert.deepEqual(
    podQueryOf(
      { spec: { jobTemplate: { spec: { template: { metadata: { labels: { job: 'nightly' } } } } } } },
      'CronJob',
    ),
    { labelSelector: 'job=nightly' },
  );
});

void test('traffic goes to the newest ready running pod, never to one being deleted', () => {
  const pod = (name: string, createdAt: string, ready: boolean, extra: Record<string, unknown> = {}) =>
    summarizePod({
      metadata: { name, uid: name, creationTimestamp: createdAt, ...extra },
      spec: { containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [{ name: 'app', restartCount: 0, state: { running: {} } }],
      },
    });
  const pods = [
    pod('old', '2024-01-01T00:00:00Z', true),
    pod('newer-not-ready', '2024-01-02T00:00:00Z', false),
    pod('newest-deleting', '2024-01-03T00:00:00Z', true, { deletionTimestamp: '2024-01-03T00:01:00Z' }),
    pod('new', '2024-01-01T12:00:00Z', true),
  ];
  assert.equal(pickPod(pods)?.name, 'new');
  assert.deepEqual(pods[0]?.started, ['app']);
  assert.equal(pickPod([pods[2]!]), undefined);
});
