// Bad dev/start targets and contention, through the real engine against the sandbox: each answers its
// documented error and leaves the cluster exactly as it was.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node.js';
import { DevEnd, DevStart, DevStatus } from '../../protocol/dev.js';
import { ErrorCodes, type DevPodFailedData } from '../../protocol/errors.js';
import { importImage } from '../../sandbox/kubelet/images.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import type { EngineProcess } from '../helpers/engine.js';
import {
  createWorkload,
  progressMessages,
  shopConfig,
  snapshot,
  startDevCluster,
  writeProjectConfig,
  type DevCluster,
} from './dev-helpers.js';

let cluster: DevCluster;

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
});

async function rejection(work: Promise<unknown>): Promise<ResponseError<unknown>> {
  const error = await work.then(
    () => assert.fail('expected the request to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ResponseError, `a ResponseError, got ${String(error)}`);
  return error;
}

/** Starts dev mode on Deployment shop, which must fail with DevPodFailed; returns the error and its data. */
async function devPodFailure(
  engine: EngineProcess,
  namespace: string,
  params: { image?: string; localDir?: string; sync?: boolean },
): Promise<{ error: ResponseError<unknown>; data: DevPodFailedData }> {
  const error = await rejection(
    engine.connection.sendRequest(DevStart.type, { kind: 'Deployment', name: 'shop', namespace, ...params }),
  );
  assert.equal(error.code, ErrorCodes.DevPodFailed);
  return { error, data: error.data as DevPodFailedData };
}

test('dev start on a missing workload answers WorkloadNotFound', async () => {
  const namespace = cluster.namespace('missing');
  const engine = await cluster.engine();
  const error = await rejection(
    engine.connection.sendRequest(DevStart.type, {
      kind: 'Deployment',
      name: 'nope',
      namespace,
      image: 'podloop/node-dev',
    }),
  );
  assert.equal(error.code, ErrorCodes.WorkloadNotFound);
  assert.deepEqual(error.data, { kind: 'Deployment', name: 'nope', namespace });
});

test('dev start on a missing container lists the containers and changes nothing', async () => {
  const namespace = cluster.namespace('container');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const error = await rejection(
    engine.connection.sendRequest(DevStart.type, {
      kind: 'Deployment',
      name: 'shop',
      namespace,
      container: 'api',
      image: 'podloop/node-dev',
    }),
  );
  assert.equal(error.code, ErrorCodes.ContainerNotFound);
  assert.match(error.message, /no container 'api'; its containers are: web, sidecar/);
  assert.deepEqual((error.data as { containers: string[] }).containers, ['web', 'sidecar']);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
});

test('dev start with an invalid project config answers InvalidConfig with file, line, column and field', async () => {
  const namespace = cluster.namespace('config');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const project = tempDir('dev-config');
  try {
    const file = writeProjectConfig(project, shopConfig(['- image: 42']));
    const engine = await cluster.engine();
    const error = await rejection(
      engine.connection.sendRequest(DevStart.type, { kind: 'Deployment', name: 'shop', namespace, localDir: project }),
    );
    assert.equal(error.code, ErrorCodes.InvalidConfig);
    assert.deepEqual(error.data, { source: file, line: 6, column: 16, field: 'workloads[0].containers[0].image' });
    assert.match(error.message, /config\.yaml:6:16: workloads\[0\]\.containers\[0\]\.image: must be string/);
    assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('dev start with an unknown image rolls back and the error carries the pod events', async () => {
  const namespace = cluster.namespace('image');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const { data } = await devPodFailure(engine, namespace, { image: 'example.com/no-such-image:1' });
  assert.match(data.reason, /ErrImagePull|ImagePullBackOff/);
  assert.equal(data.rolledBack, true);
  assert.ok(
    data.events.some((event) => /no-such-image/.test(event)),
    `events name the image: ${data.events.join(' | ')}`,
  );
  assert.ok(data.containerState, 'the container state is attached');
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
  assert.deepEqual((await engine.connection.sendRequest(DevStatus.type, {})).sessions, []);
});

test('two engines racing for one workload: exactly one wins, the other gets AlreadyInDevMode', async () => {
  const namespace = cluster.namespace('race');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const [first, second] = await Promise.all([cluster.engine(), cluster.engine()]);
  const params = { kind: 'Deployment' as const, name: 'shop', namespace, image: 'podloop/node-dev' };
  const outcomes = await Promise.allSettled([
    first.connection.sendRequest(DevStart.type, params),
    second.connection.sendRequest(DevStart.type, params),
  ]);
  const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
  const lost = outcomes.findIndex((outcome) => outcome.status === 'rejected');
  assert.ok(won >= 0 && lost >= 0, `one wins and one loses: ${outcomes.map((o) => o.status).join(', ')}`);
  const reason = (outcomes[lost] as PromiseRejectedResult).reason as ResponseError<{ holder: string }>;
  assert.equal(reason.code, ErrorCodes.AlreadyInDevMode);
  const winner = won === 0 ? first : second;
  const loser = won === 0 ? second : first;
  const session = (outcomes[won] as PromiseFulfilledResult<{ session: { holder: string } }>).value.session;
  assert.equal(reason.data?.holder, session.holder);

  // The loser cannot end the winner's session without force; the winner can.
  const refused = await rejection(
    loser.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'shop', namespace }),
  );
  assert.equal(refused.code, ErrorCodes.AlreadyInDevMode);
  const ended = await winner.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'shop', namespace });
  assert.equal(ended.restored, true);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
});

test('cancelling dev start while it rolls out restores the workload', async () => {
  const namespace = cluster.namespace('cancel');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const stages = progressMessages(engine.connection, 'cancel');
  const source = new CancellationTokenSource();
  const started = engine.connection.sendRequest(
    DevStart.type,
    { kind: 'Deployment', name: 'shop', namespace, image: 'podloop/node-dev', workDoneToken: 'cancel' },
    source.token,
  );
  await waitFor('the rollout stage', () => stages.includes('rolling out'));
  source.cancel();
  const error = await rejection(started);
  assert.equal(error.code, ErrorCodes.Cancelled);
  await waitFor('the workload restored', async () => {
    const now = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
    try {
      assert.deepEqual(now, before);
      return true;
    } catch {
      return false;
    }
  });
});

test('a dev pod that never runs times out, rolls back and says what it waited for', async () => {
  const namespace = cluster.namespace('timeout');
  const labels = { app: 'shop' };
  await cluster.objects.create(
    'Deployment',
    namespace,
    {
      metadata: { name: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          // No node carries this label: every pod of the workload stays Pending.
          spec: { nodeSelector: { disk: 'none-such' }, containers: [{ name: 'web', image: 'podloop/web-app' }] },
        },
      },
    },
    AbortSignal.timeout(5000),
  );
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine({ PODLOOP_DEV_READY_TIMEOUT_MS: '1500' });
  const { error, data } = await devPodFailure(engine, namespace, { image: 'podloop/node-dev' });
  assert.equal(data.reason, 'Timeout');
  assert.equal(data.rolledBack, true);
  assert.ok(data.pod, 'the error names the dev pod');
  assert.match(error.message, /did not run within 2 s \(last seen: Unschedulable/);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
});

test('a persistent dir on a StorageClass that does not exist rolls back at once with the claim events', async () => {
  const namespace = cluster.namespace('storage');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const project = tempDir('dev-storage');
  try {
    writeProjectConfig(
      project,
      shopConfig([
        '- name: web',
        '  image: podloop/node-dev',
        '  persistentDirs:',
        '    - path: /root/.cache',
        '      storageClass: no-such-class',
      ]),
    );
    // The ready timeout stays far away: a Timeout answer would mean dev start waited instead of failing fast.
    const engine = await cluster.engine({ PODLOOP_DEV_READY_TIMEOUT_MS: '600000' });
    const { error, data } = await devPodFailure(engine, namespace, { localDir: project, sync: false });
    assert.equal(data.reason, 'ProvisioningFailed');
    assert.equal(data.rolledBack, true);
    assert.ok(data.pod, 'the error names the dev pod');
    assert.ok(
      data.events.includes('Warning ProvisioningFailed: storageclass.storage.k8s.io "no-such-class" not found'),
      `the claim's event is attached: ${data.events.join(' | ')}`,
    );
    assert.ok(
      data.events.some((event) => /FailedScheduling: .*unbound immediate PersistentVolumeClaims/.test(event)),
      `the pod's event is attached: ${data.events.join(' | ')}`,
    );
    assert.match(error.message, /claim shop-root-cache-podloop cannot be bound/);
    assert.match(error.message, /kubectl get storageclass/);
    assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
    assert.deepEqual((await engine.connection.sendRequest(DevStatus.type, {})).sessions, []);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('a dev image that cannot run PID 1 rolls back with the container state and events', async () => {
  const namespace = cluster.namespace('nosh');
  // An image whose PATH holds no shell: the dev container's `sh` cannot start, as in an image without one.
  const image = tempDir('image-nosh');
  try {
    writeFileSync(join(image, 'manifest.json'), JSON.stringify({ env: { PATH: '/nowhere' }, workingDir: '/app' }));
    await importImage(cluster.sandbox.stateDir, image, 'podloop-test/no-shell:1');
  } finally {
    rmSync(image, { recursive: true, force: true });
  }
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const before = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine({ PODLOOP_DEV_READY_TIMEOUT_MS: '600000' });
  const { data } = await devPodFailure(engine, namespace, { image: 'podloop-test/no-shell:1' });
  assert.match(data.reason, /^(ContainerExited|CrashLoopBackOff|RunContainerError)$/);
  assert.equal(data.rolledBack, true);
  assert.match(
    JSON.stringify(data.containerState),
    /StartError|CrashLoopBackOff/,
    'the container state says the container could not start',
  );
  assert.match(
    `${JSON.stringify(data.containerState)} ${data.events.join(' ')}`,
    /exec: \\?"sh\\?": executable file not found/,
  );
  assert.ok(data.events.length > 0, 'the pod events are attached');
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), before);
  assert.deepEqual((await engine.connection.sendRequest(DevStatus.type, {})).sessions, []);
});
