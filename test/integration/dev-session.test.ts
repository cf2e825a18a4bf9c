// A dev session's life beyond start and end: HPA warnings, idempotent start, engine/state pushes, dev/status
// from the cluster, dev/reset, lease renewal, and taking over a stale lease only with force.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { DevEnd, DevReset, DevStart, DevStatus } from '../../protocol/dev.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { EngineState } from '../../protocol/state.js';
import type { EngineStateParams } from '../../protocol/state.js';
import { waitFor } from '../helpers/sandbox.js';
import { createWorkload, shopConfig, snapshot, startDevCluster, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
});

const annotation = (key: string) => `/metadata/annotations/${key.replace(/\//g, '~1')}`;

async function lease(namespace: string): Promise<{ holder: string; renewTime: string }> {
  const deployment = (await cluster.objects.get('Deployment', namespace, 'shop', AbortSignal.timeout(5000))) as {
    metadata: { annotations: Record<string, string> };
  };
  return JSON.parse(deployment.metadata.annotations['podloop.dev/lease'] ?? 'null') as {
    holder: string;
    renewTime: string;
  };
}

test('a dev session: HPA warning, idempotent start, engine/state, status from the cluster, reset', async () => {
  const namespace = cluster.namespace('session');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  await cluster.objects.create(
    'HorizontalPodAutoscaler',
    namespace,
    {
      metadata: { name: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
        minReplicas: 2,
        maxReplicas: 4,
      },
    },
    AbortSignal.timeout(5000),
  );
  const original = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const states: EngineStateParams[] = [];
  engine.connection.onNotification(EngineState.type, (params) => states.push(params));

  const params = { kind: 'Deployment' as const, name: 'shop', namespace, image: 'podloop/node-dev' };
  const first = await engine.connection.sendRequest(DevStart.type, params);
  assert.ok(
    first.warnings?.some((warning) => /HorizontalPodAutoscaler shop/.test(warning)),
    `an HPA warning: ${JSON.stringify(first.warnings)}`,
  );
  const again = await engine.connection.sendRequest(DevStart.type, params);
  assert.equal(again.session.pod, first.session.pod, 'a second dev start keeps the same dev pod');
  await waitFor('engine/state with the running session', () =>
    states.some((state) => state.devSessions.some((s) => s.workload.name === 'shop' && s.phase === 'running')),
  );

  // Another engine finds the session in the cluster by its annotation, held by the first one.
  const other = await cluster.engine();
  const seen = await other.connection.sendRequest(DevStatus.type, { namespace });
  assert.deepEqual(
    seen.sessions.map((s) => [s.workload.name, s.container, s.holder, s.ownedByThisEngine]),
    [['shop', 'web', first.session.holder, false]],
  );

  const reset = await other.connection.sendRequest(DevReset.type, { kind: 'Deployment', name: 'shop', namespace });
  assert.equal(reset.changed, true);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), original);
  assert.deepEqual((await other.connection.sendRequest(DevStatus.type, { namespace })).sessions, []);
});

test('the engine renews its lease while the dev session lasts', async () => {
  const namespace = cluster.namespace('renew');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine({ PODLOOP_LEASE_RENEW_MS: '200' });
  await engine.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
  });
  const taken = await lease(namespace);
  await waitFor('a renewed lease', async () => (await lease(namespace)).renewTime !== taken.renewTime);
  assert.equal((await lease(namespace)).holder, taken.holder);
  await engine.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'shop', namespace });
});

test('a stale lease of another machine is reported, and taken over only with force', async () => {
  const namespace = cluster.namespace('stale');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const original = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const gone = await cluster.engine();
  await gone.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
  });
  gone.child.kill('SIGKILL');
  await gone.exited;
  // As if a laptop elsewhere went away ten minutes ago.
  const staleLease = {
    holder: 'elsewhere-4242-0badcafe',
    renewTime: new Date(Date.now() - 600_000).toISOString(),
    leaseDurationSeconds: 60,
  };
  await cluster.objects.jsonPatch(
    'Deployment',
    namespace,
    'shop',
    [{ op: 'replace', path: annotation('podloop.dev/lease'), value: JSON.stringify(staleLease) }],
    AbortSignal.timeout(5000),
  );

  const engine = await cluster.engine();
  const params = { kind: 'Deployment' as const, name: 'shop', namespace, image: 'podloop/node-dev' };
  const refused = await engine.connection.sendRequest(DevStart.type, params).then(
    () => assert.fail('a stale lease needs force'),
    (error: unknown) => error as ResponseError<{ holder: string; stale: boolean }>,
  );
  assert.equal(refused.code, ErrorCodes.AlreadyInDevMode);
  assert.equal(refused.data?.stale, true);
  assert.match(refused.message, /elsewhere-4242-0badcafe.*--force/);

  const taken = await engine.connection.sendRequest(DevStart.type, { ...params, force: true });
  assert.equal(taken.session.ownedByThisEngine, true);
  assert.notEqual((await lease(namespace)).holder, staleLease.holder);
  await engine.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'shop', namespace });
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), original);
});

test('the podloop config a workload carries in its annotation picks the dev image and workDir', async () => {
  const namespace = cluster.namespace('annotated');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const config = shopConfig(['- name: web', '  image: podloop/python-dev', '  workDir: /srv/app']);
  await cluster.objects.mergePatch(
    'Deployment',
    namespace,
    'shop',
    { metadata: { annotations: { 'podloop.dev/config': config } } },
    AbortSignal.timeout(5000),
  );
  const original = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const started = await engine.connection.sendRequest(DevStart.type, { kind: 'Deployment', name: 'shop', namespace });
  assert.equal(started.session.remoteDir, '/srv/app');
  const pod = (await cluster.objects.get('Pod', namespace, started.session.pod ?? '', AbortSignal.timeout(5000))) as {
    spec: { containers: Array<{ image: string; workingDir?: string }> };
  };
  assert.equal(pod.spec.containers[0]?.image, 'podloop/python-dev');
  assert.equal(pod.spec.containers[0]?.workingDir, '/srv/app');
  await engine.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'shop', namespace });
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), original);
});
