// Dev start then dev end on every workload kind, through the real engine against the sandbox: the dev pod
// runs the dev image with podloop's PID 1, and dev end gives back the object exactly as it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DevEnd, DevStart, DevStatus } from '../../protocol/dev.js';
import type { WorkloadKind } from '../../protocol/workloads.js';
import { waitFor } from '../helpers/sandbox.js';
import {
  createWorkload,
  progressMessages,
  sampleWorkload,
  snapshot,
  startDevCluster,
  type DevCluster,
} from './dev-helpers.js';

let cluster: DevCluster;

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
});

const kinds: WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob'];

for (const kind of kinds) {
  test(`dev start then dev end leaves a ${kind} exactly as it was`, async () => {
    const { objects } = cluster;
    const namespace = cluster.namespace(kind.toLowerCase());
    await createWorkload(objects, kind, namespace, 'shop');
    const original = await snapshot(objects, kind, namespace, 'shop');
    const engine = await cluster.engine();

    const stages = progressMessages(engine.connection, 'start');
    const started = await engine.connection.sendRequest(DevStart.type, {
      kind,
      name: 'shop',
      namespace,
      image: 'podloop/node-dev',
      workDoneToken: 'start',
    });
    assert.equal(started.session.container, 'web');
    assert.equal(started.session.phase, 'running');
    assert.ok(started.session.pod, 'the result names the dev pod');
    assert.deepEqual(
      stages.map((message) => message.replace(/ \(.*\)$/, '')),
      [
        'validating',
        'saving original',
        'patching',
        'rolling out',
        'pulling image',
        'waiting for the pod',
        'installing sync receiver',
        'initial sync',
      ],
    );
    const pod = (await objects.get('Pod', namespace, started.session.pod, AbortSignal.timeout(5000))) as {
      spec: { containers: Array<{ name: string; image: string; command?: string[] }> };
      status: { phase: string };
    };
    assert.equal(pod.spec.containers[0]?.image, 'podloop/node-dev');
    assert.equal(pod.spec.containers[1]?.image, 'podloop/busybox', 'the other container is untouched');
    assert.equal(pod.status.phase, 'Running');

    const status = await engine.connection.sendRequest(DevStatus.type, {});
    assert.deepEqual(
      status.sessions.map((s) => `${s.workload.kind}/${s.workload.name}`),
      [`${kind}/shop`],
    );

    const ended = await engine.connection.sendRequest(DevEnd.type, { kind, name: 'shop', namespace });
    assert.equal(ended.restored, true);
    const restored = await waitFor(`${kind} restored`, async () => {
      const now = await snapshot(objects, kind, namespace, 'shop').catch(() => undefined);
      return now;
    });
    assert.deepEqual(restored, original);
    assert.deepEqual((await engine.connection.sendRequest(DevStatus.type, {})).sessions, []);
  });
}

test('a DaemonSet with updateStrategy OnDelete gets its dev pod and is restored exactly', async () => {
  const { objects } = cluster;
  const namespace = cluster.namespace('ondelete');
  const manifest = sampleWorkload('DaemonSet', 'shop') as { spec: Record<string, unknown> };
  manifest.spec.updateStrategy = { type: 'OnDelete' };
  await objects.create('DaemonSet', namespace, manifest, AbortSignal.timeout(10_000));
  const original = await snapshot(objects, 'DaemonSet', namespace, 'shop');
  const engine = await cluster.engine();
  const started = await engine.connection.sendRequest(DevStart.type, {
    kind: 'DaemonSet',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
  });
  const pod = (await objects.get('Pod', namespace, started.session.pod ?? '', AbortSignal.timeout(5000))) as {
    spec: { containers: Array<{ image: string }> };
  };
  assert.equal(pod.spec.containers[0]?.image, 'podloop/node-dev', 'the old pod was replaced although OnDelete');
  await engine.connection.sendRequest(DevEnd.type, { kind: 'DaemonSet', name: 'shop', namespace });
  assert.deepEqual(await snapshot(objects, 'DaemonSet', namespace, 'shop'), original);
  await waitFor('the original pod back after dev end', async () => {
    const pods = (await objects.list('Pod', namespace, AbortSignal.timeout(5000))) as Array<{
      metadata: { deletionTimestamp?: string };
      spec: { containers: Array<{ image: string }> };
      status?: { phase?: string };
    }>;
    const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
    return (
      live.length === 1 &&
      live[0]?.spec.containers[0]?.image === 'podloop/web-app' &&
      live[0].status?.phase === 'Running'
    );
  });
});
