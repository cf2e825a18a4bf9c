// Waiting for the dev pod where the namespace's events cannot be read: readiness comes from the pod alone.
// The watch itself is covered against the sandbox (kube-watch and dev tests); here KubeObjects is a boundary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockingCommand } from '../../server/dev/devContainer.js';
import { waitForDevPod } from '../../server/dev/rollout.js';
import type { KubeObjects } from '../../server/kube/objects.js';

const target = { labels: { 'podloop.dev/dev-mode': 'true' }, container: 'app', image: 'podloop/node-dev' };

const runningPod = {
  metadata: { name: 'web-dev', uid: 'u1', creationTimestamp: '2026-11-24T12:00:00Z', labels: target.labels },
  spec: { containers: [{ name: 'app', image: target.image, command: [...blockingCommand] }] },
  status: {
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
  },
};

function forbidden(): Error {
  return Object.assign(new Error('events is forbidden: User "dev" cannot watch resource "events"'), { code: 403 });
}

function objectsWithoutEvents(): KubeObjects {
  const unused = (): never => {
    throw new Error('not used by waitForDevPod');
  };
  return {
    get: unused,
    find: unused,
    create: unused,
    jsonPatch: unused,
    mergePatch: unused,
    remove: unused,
    list: (kind) => (kind === 'Event' ? Promise.reject(forbidden()) : Promise.resolve([runningPod])),
    watch: (kind, _namespace, _signal, _options, onItems) => {
      if (kind === 'Event') return Promise.reject(forbidden());
      onItems([runningPod]);
      return Promise.resolve();
    },
  };
}

test('the dev pod is ready without access to the namespace events', async () => {
  const verdict = await waitForDevPod(objectsWithoutEvents(), 'shop', target, {
    signal: new AbortController().signal,
    timeoutMs: 5000,
    onVerdict: () => undefined,
  });
  assert.deepEqual(verdict, { state: 'ready', pod: 'web-dev' });
});

test('an abort while waiting still rejects when events cannot be read', async () => {
  const objects = objectsWithoutEvents();
  const pending = { ...runningPod, status: { phase: 'Pending' } };
  objects.watch = (kind, _namespace, _signal, _options, onItems) => {
    if (kind === 'Event') return Promise.reject(forbidden());
    onItems([pending]);
    return Promise.resolve();
  };
  const controller = new AbortController();
  const waiting = waitForDevPod(objects, 'shop', target, {
    signal: controller.signal,
    timeoutMs: 60_000,
    onVerdict: () => undefined,
  });
  setImmediate(() => controller.abort(new Error('cancelled')));
  await assert.rejects(waiting, /cancelled/);
});
