// kubectl's rollout commands against the sandbox API server with the real controllers (pods are
// played by a stand-in kubelet, so no container processes are needed).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControllers } from '../../sandbox/controllers/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.js';
import { fakeKubelet } from '../unit/controllers-fakes.js';

const run = promisify(execFile);
let sandbox: RunningSandbox;
let stateDir: string;
let cacheDir: string;
let stopWorkloads: () => void;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, {
    env: { ...process.env, KUBECONFIG: sandbox.kubeconfigPath, KUBECACHEDIR: cacheDir },
    timeout: 60_000,
  });
  return stdout;
}

/** Repeats a kubectl command until its output matches (the controllers act asynchronously). */
async function waitForOutput(command: () => Promise<string>, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const output = await command();
    if (pattern.test(output) || Date.now() > deadline) return output;
  }
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'podloop-controllers-'));
  cacheDir = mkdtempSync(join(tmpdir(), 'podloop-kubecache-'));
  sandbox = await startSandbox({ stateDir, apiOnly: true });
  const controllers = startControllers(sandbox.store);
  const kubelet = fakeKubelet(sandbox.store);
  stopWorkloads = () => {
    controllers.stop();
    kubelet.stop();
  };
});

after(async () => {
  stopWorkloads();
  await sandbox.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

void test('kubectl rollout status, set image, undo, history and scale follow the Deployment controller', async () => {
  const manifest = join(stateDir, 'web.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: rollout}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: rollout}',
      'spec:',
      '  replicas: 2',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec: {containers: [{name: app, image: "web:1"}]}',
      '',
    ].join('\n'),
  );
  await kubectl('apply', '-f', manifest);
  assert.match(
    await kubectl('-n', 'rollout', 'rollout', 'status', 'deploy/web', '--timeout=30s'),
    /deployment "web" successfully rolled out/,
  );

  await kubectl('-n', 'rollout', 'set', 'image', 'deploy/web', 'app=web:2');
  assert.match(
    await kubectl('-n', 'rollout', 'rollout', 'status', 'deploy/web', '--timeout=30s'),
    /successfully rolled out/,
  );
  await kubectl('-n', 'rollout', 'annotate', 'deploy/web', 'kubernetes.io/change-cause=image web:2');
  const history = await waitForOutput(
    () => kubectl('-n', 'rollout', 'rollout', 'history', 'deploy/web'),
    /^2\s+image web:2$/m,
  );
  assert.match(history, /^1\s+<none>$/m);

  await kubectl('-n', 'rollout', 'rollout', 'undo', 'deploy/web');
  assert.match(
    await kubectl('-n', 'rollout', 'rollout', 'status', 'deploy/web', '--timeout=30s'),
    /successfully rolled out/,
  );
  const image = await kubectl(
    '-n',
    'rollout',
    'get',
    'deploy/web',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
  );
  assert.equal(image, 'web:1 3');

  await kubectl('-n', 'rollout', 'scale', 'deploy/web', '--replicas=3');
  assert.match(
    await kubectl('-n', 'rollout', 'rollout', 'status', 'deploy/web', '--timeout=30s'),
    /successfully rolled out/,
  );
  const ready = await kubectl(
    '-n',
    'rollout',
    'get',
    'deploy/web',
    '-o',
    'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}',
  );
  assert.equal(ready, '3/3');
  const sets = (await kubectl('-n', 'rollout', 'get', 'rs', '-o', 'name')).trim().split('\n');
  assert.equal(sets.length, 2);
});

void test('kubectl rollout status works for a StatefulSet and a DaemonSet', async () => {
  const manifest = join(stateDir, 'sets.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: sets}',
      '---',
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata: {name: db, namespace: sets}',
      'spec:',
      '  replicas: 2',
      '  serviceName: db',
      '  selector: {matchLabels: {app: db}}',
      '  template:',
      '    metadata: {labels: {app: db}}',
      '    spec: {containers: [{name: db, image: "db:1"}]}',
      '---',
      'apiVersion: apps/v1',
      'kind: DaemonSet',
      'metadata: {name: agent, namespace: sets}',
      'spec:',
      '  selector: {matchLabels: {app: agent}}',
      '  template:',
      '    metadata: {labels: {app: agent}}',
      '    spec: {containers: [{name: agent, image: "agent:1"}]}',
      '',
    ].join('\n'),
  );
  await kubectl('apply', '-f', manifest);
  assert.match(
    await kubectl('-n', 'sets', 'rollout', 'status', 'sts/db', '--timeout=30s'),
    /roll(ing update|out) complete|partitioned roll out complete|statefulset rolling update complete/,
  );
  assert.match(
    await kubectl('-n', 'sets', 'rollout', 'status', 'ds/agent', '--timeout=30s'),
    /daemon set "agent" successfully rolled out/,
  );
  await kubectl('-n', 'sets', 'set', 'image', 'sts/db', 'db=db:2');
  assert.match(
    await kubectl('-n', 'sets', 'rollout', 'status', 'sts/db', '--timeout=30s'),
    /partitioned roll out complete: 2 new pods have been updated/,
  );
  const images = await kubectl(
    '-n',
    'sets',
    'get',
    'pods',
    '-l',
    'app=db',
    '-o',
    'jsonpath={.items[*].spec.containers[0].image}',
  );
  assert.equal(images, 'db:2 db:2');
  assert.match(await kubectl('-n', 'sets', 'rollout', 'history', 'sts/db'), /^2\s/m);
  await kubectl('-n', 'sets', 'rollout', 'undo', 'sts/db');
  assert.match(
    await kubectl('-n', 'sets', 'rollout', 'status', 'sts/db', '--timeout=30s'),
    /partitioned roll out complete: 2 new pods have been updated/,
  );
  const restored = await kubectl(
    '-n',
    'sets',
    'get',
    'pods',
    '-l',
    'app=db',
    '-o',
    'jsonpath={.items[*].spec.containers[0].image}',
  );
  assert.equal(restored, 'db:1 db:1');
});
