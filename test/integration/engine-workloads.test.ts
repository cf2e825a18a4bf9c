// workloads/list against the sandbox cluster: the six kinds, namespaces, controller-owned pods
// left out, dev-mode workloads marked; and the same through `podloop workloads`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkloadsList } from '../../protocol/index.js';
import { startSandbox } from '../../sandbox/index.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { startInitializedEngine } from '../helpers/engine.js';

let sandbox: RunningSandbox;
let stateDir: string;

function podSpec(...containers: string[]) {
  return { containers: containers.map((name) => ({ name, image: `example/${name}:1` })) };
}

function template(app: string, ...containers: string[]) {
  return { metadata: { labels: { app } }, spec: podSpec(...containers) };
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'podloop-workloads-'));
  sandbox = await startSandbox({ stateDir, port: 0, apiOnly: true });
  const store = sandbox.store;
  const create = (plural: string, object: Record<string, unknown>) =>
    store.create(resourceByPlural(plural), object as never);
  create('namespaces', { metadata: { name: 'shop' } });
  create('deployments', {
    metadata: { name: 'web', namespace: 'shop', annotations: { 'podloop.dev/original': '{}' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web', 'app', 'sidecar') },
  });
  create('statefulsets', {
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: template('db', 'postgres'),
    },
  });
  create('daemonsets', {
    metadata: { name: 'agent', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'agent') },
  });
  create('jobs', {
    metadata: { name: 'migrate', namespace: 'shop' },
    spec: { template: { ...template('migrate', 'migrate'), spec: { ...podSpec('migrate'), restartPolicy: 'Never' } } },
  });
  create('cronjobs', {
    metadata: { name: 'nightly', namespace: 'shop' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: { ...template('nightly', 'report'), spec: { ...podSpec('report'), restartPolicy: 'OnFailure' } },
        },
      },
    },
  });
  create('pods', { metadata: { name: 'debug-shell', namespace: 'shop' }, spec: podSpec('shell') });
  create('pods', {
    metadata: {
      name: 'web-abc12',
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-x', uid: 'u1', controller: true }],
    },
    spec: podSpec('app'),
  });
});

after(async () => {
  await sandbox?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

void test('workloads/list answers the six kinds of a namespace, sorted, without controller-owned pods', async (t) => {
  const engine = await startInitializedEngine({ kubeconfig: sandbox.kubeconfigPath, namespace: 'shop' });
  t.after(() => engine.close());
  const { items } = await engine.connection.sendRequest(WorkloadsList.type, {});
  assert.deepEqual(
    items.map((item) => `${item.kind}/${item.name}`),
    ['Deployment/web', 'StatefulSet/db', 'DaemonSet/agent', 'Pod/debug-shell', 'Job/migrate', 'CronJob/nightly'],
  );
  const web = items.find((item) => item.name === 'web');
  assert.deepEqual(web?.containers, ['app', 'sidecar']);
  assert.deepEqual(web?.images, ['example/app:1', 'example/sidecar:1']);
  assert.equal(web?.replicas, 2);
  assert.equal(web?.devMode, true);
  assert.equal(items.find((item) => item.name === 'db')?.devMode, false);
  assert.deepEqual(items.find((item) => item.kind === 'CronJob')?.containers, ['report']);
});

void test('workloads/list filters by kind and spans namespaces with allNamespaces', async (t) => {
  const engine = await startInitializedEngine({ kubeconfig: sandbox.kubeconfigPath });
  t.after(() => engine.close());
  const inDefault = await engine.connection.sendRequest(WorkloadsList.type, { kinds: ['Deployment'] });
  assert.ok(!inDefault.items.some((item) => item.namespace === 'shop'));
  const everywhere = await engine.connection.sendRequest(WorkloadsList.type, {
    allNamespaces: true,
    kinds: ['Deployment', 'Job'],
  });
  assert.deepEqual(
    everywhere.items.filter((item) => item.namespace === 'shop').map((item) => item.name),
    ['web', 'migrate'],
  );
});

void test('podloop workloads -n shop prints the workloads as a table', async () => {
  const cli = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'workloads', '-n', 'shop', '--kubeconfig', sandbox.kubeconfigPath], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^KIND\s+NAME\s+READY\s+CONTAINERS\s+AGE\s+DEV$/);
  assert.match(lines[1] ?? '', /^Deployment\s+web\s+0\/2\s+app,sidecar\s+\d+s\s+yes$/);
  assert.equal(lines.length, 7);
});
