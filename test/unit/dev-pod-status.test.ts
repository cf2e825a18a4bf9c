// Finding the dev pod among listed pods and judging whether it is ready, coming up or failed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockingCommand } from '../../server/dev/devContainer.js';
import { devPodVerdict, pickDevPod, podEvents } from '../../server/dev/devPodStatus.js';

const target = { labels: { app: 'web', 'podloop.dev/dev-mode': 'true' }, container: 'app', image: 'podloop/node-dev' };

function pod(
  name: string,
  options: {
    created?: string;
    labels?: Record<string, string>;
    image?: string;
    command?: string[];
    deleting?: boolean;
    status?: Record<string, unknown>;
  } = {},
): unknown {
  return {
    metadata: {
      name,
      creationTimestamp: options.created ?? '2026-11-24T12:00:00Z',
      labels: options.labels ?? target.labels,
      ...(options.deleting ? { deletionTimestamp: '2026-11-24T12:01:00Z' } : {}),
    },
    spec: {
      containers: [
        { name: 'app', image: options.image ?? 'podloop/node-dev', command: options.command ?? [...blockingCommand] },
      ],
    },
    status: options.status ?? { phase: 'Pending' },
  };
}

const withState = (state: Record<string, unknown>, phase = 'Running'): Record<string, unknown> => ({
  phase,
  containerStatuses: [{ name: 'app', state, ready: 'running' in state, restartCount: 0 }],
});

void describe('picking the dev pod', () => {
  void test('the newest live pod with the dev labels, dev image and podloop PID 1 is the dev pod', () => {
    const pods = [
      pod('web-old', { labels: { app: 'web' }, image: 'podloop/web-app:1.0', command: ['node'] }),
      pod('web-dev-1', { created: '2026-11-24T12:00:01Z' }),
      pod('web-dev-2', { created: '2026-11-24T12:00:05Z' }),
      pod('web-dev-3', { created: '2026-11-24T12:00:09Z', deleting: true }),
      pod('web-other-session', { created: '2026-11-24T12:00:10Z', image: 'other/dev' }),
      'not a pod',
    ];
    assert.equal(pickDevPod(pods, target), 'web-dev-2');
    assert.equal(pickDevPod(pods.slice(0, 1), target), undefined);
  });
});

void describe('dev pod verdict', () => {
  void test('a running dev container is ready', () => {
    assert.deepEqual(devPodVerdict(pod('p', { status: withState({ running: { startedAt: 'x' } }) }), 'app'), {
      state: 'ready',
      pod: 'p',
    });
  });

  void test('ContainerCreating is still coming up', () => {
    assert.deepEqual(
      devPodVerdict(pod('p', { status: withState({ waiting: { reason: 'ContainerCreating' } }, 'Pending') }), 'app'),
      {
        state: 'waiting',
        pod: 'p',
        reason: 'ContainerCreating',
      },
    );
  });

  void test('an image that cannot be pulled fails with the container state and the pod events', () => {
    const events = [
      {
        involvedObject: { kind: 'Pod', name: 'p' },
        type: 'Normal',
        reason: 'Scheduled',
        message: 'assigned',
        lastTimestamp: '2026-11-24T12:00:00Z',
      },
      {
        involvedObject: { kind: 'Pod', name: 'p' },
        type: 'Warning',
        reason: 'Failed',
        message: 'pull access denied',
        lastTimestamp: '2026-11-24T12:00:02Z',
      },
      {
        involvedObject: { kind: 'Pod', name: 'other' },
        type: 'Warning',
        reason: 'Failed',
        message: 'not ours',
        lastTimestamp: '2026-11-24T12:00:03Z',
      },
    ];
    const waiting = { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope/dev"' } };
    const verdict = devPodVerdict(pod('p', { status: withState(waiting, 'Pending') }), 'app', events);
    assert.deepEqual(verdict, {
      state: 'failed',
      pod: 'p',
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "nope/dev"',
      containerState: waiting,
      events: ['Scheduled: assigned', 'Warning Failed: pull access denied'],
    });
  });

  void test('a crashing PID 1 fails as CrashLoopBackOff, and an exited one as ContainerExited', () => {
    const crash = devPodVerdict(pod('p', { status: withState({ waiting: { reason: 'CrashLoopBackOff' } }) }), 'app');
    assert.equal(crash.state === 'failed' && crash.reason, 'CrashLoopBackOff');
    const exited = devPodVerdict(
      pod('p', { status: withState({ terminated: { exitCode: 127, reason: 'Error' } }) }),
      'app',
    );
    assert.equal(exited.state === 'failed' && exited.message, 'container app exited (Error, code 127)');
  });

  void test('an unschedulable pod (unbound claim) waits with the scheduler message, for the caller timeout to report', () => {
    const status = {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: 'pod has unbound immediate PersistentVolumeClaims',
        },
      ],
    };
    assert.deepEqual(devPodVerdict(pod('p', { status }), 'app'), {
      state: 'waiting',
      pod: 'p',
      reason: 'Unschedulable',
      message: 'pod has unbound immediate PersistentVolumeClaims',
    });
  });

  void test('an unschedulable pod whose claim has no StorageClass fails at once with the claim events', () => {
    const status = {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
        },
      ],
    };
    const withClaim = { ...(pod('p', { status }) as Record<string, unknown>) };
    withClaim.spec = {
      ...(withClaim.spec as object),
      volumes: [{ name: 'cache', persistentVolumeClaim: { claimName: 'web-cache-podloop' } }],
    };
    const events = [
      {
        involvedObject: { kind: 'PersistentVolumeClaim', name: 'web-cache-podloop' },
        type: 'Warning',
        reason: 'ProvisioningFailed',
        message: 'storageclass.storage.k8s.io "fast" not found',
        lastTimestamp: '2026-11-24T12:00:01Z',
      },
      {
        involvedObject: { kind: 'Pod', name: 'p' },
        type: 'Warning',
        reason: 'FailedScheduling',
        message: 'pod has unbound immediate PersistentVolumeClaims',
        lastTimestamp: '2026-11-24T12:00:02Z',
      },
    ];
    const verdict = devPodVerdict(withClaim, 'app', events);
    assert.equal(verdict.state, 'failed');
    assert.equal(verdict.state === 'failed' && verdict.reason, 'ProvisioningFailed');
    assert.match(
      verdict.state === 'failed' ? verdict.message : '',
      /claim web-cache-podloop cannot be bound: .*"fast" not found/,
    );
    assert.deepEqual(verdict.state === 'failed' && verdict.events, [
      'Warning FailedScheduling: pod has unbound immediate PersistentVolumeClaims',
      'Warning ProvisioningFailed: storageclass.storage.k8s.io "fast" not found',
    ]);
    // The same claim event while the scheduler blames something else is old news: the pod waits.
    const otherwise = {
      ...status,
      conditions: [{ ...status.conditions[0]!, message: "node(s) didn't match Pod's node affinity" }],
    };
    assert.equal(devPodVerdict({ ...withClaim, status: otherwise }, 'app', events).state, 'waiting');
  });

  void test('a failed pod phase is final', () => {
    const verdict = devPodVerdict(pod('p', { status: { phase: 'Failed', message: 'evicted' } }), 'app');
    assert.equal(verdict.state === 'failed' && verdict.reason, 'PodFailed');
  });

  void test('events are limited to the most recent ones', () => {
    const events = Array.from({ length: 8 }, (_, i) => ({
      involvedObject: { kind: 'Pod', name: 'p' },
      reason: `R${i}`,
      message: 'm',
      lastTimestamp: `2026-11-24T12:00:0${i}Z`,
    }));
    assert.deepEqual(podEvents(events, 'p', 3), ['R5: m', 'R6: m', 'R7: m']);
  });
});
