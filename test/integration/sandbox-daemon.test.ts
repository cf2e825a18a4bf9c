// The sandbox as a background daemon: up starts it and writes a working kubeconfig, a second up
// reuses it, down leaves no process of it behind, and objects and port survive down/up.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importImage, sandboxDown, sandboxStatus, sandboxUp, stateDirProcesses } from '../../sandbox/control.js';
import { run, tempDir, waitFor } from '../helpers/sandbox.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: podloop/web-app
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void test('sandbox up, reuse, down with a running pod, and up again with the same port and objects', async () => {
  const stateDir = tempDir('daemon');
  const env = { ...process.env, KUBECONFIG: join(stateDir, 'kubeconfig'), KUBECACHEDIR: join(stateDir, 'kube-cache') };
  const kubectl = (args: string[]) => run('kubectl', args, { env, timeoutMs: 60_000 });
  try {
    const up = await sandboxUp({ stateDir });
    assert.equal(up.running, true);
    assert.ok(up.pid);
    const again = await sandboxUp({ stateDir });
    assert.equal(again.pid, up.pid);
    assert.equal((await sandboxStatus({ stateDir })).running, true);

    writeFileSync(join(stateDir, 'web.yaml'), DEPLOYMENT);
    assert.equal((await kubectl(['apply', '-f', join(stateDir, 'web.yaml')])).code, 0);
    await waitFor(
      'a running pod',
      async () =>
        (await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}'])).stdout ===
        'Running',
      60_000,
    );
    const before = stateDirProcesses(stateDir);
    assert.ok(before.length >= 2, `expected the daemon and pod processes, saw ${before.length}`);

    assert.deepEqual(await sandboxDown({ stateDir }), { stopped: true });
    assert.equal(isAlive(up.pid!), false);
    assert.deepEqual(stateDirProcesses(stateDir), []);
    assert.equal((await sandboxStatus({ stateDir })).running, false);

    const restarted = await sandboxUp({ stateDir });
    assert.equal(restarted.server, up.server);
    const kept = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.name}']);
    assert.equal(kept.stdout, 'web', kept.stderr);
    assert.match(readFileSync(join(stateDir, 'sandbox.json'), 'utf8'), new RegExp(`"pid": ${restarted.pid}`));
  } finally {
    await sandboxDown({ stateDir });
    assert.deepEqual(stateDirProcesses(stateDir), []);
    rmSync(stateDir, { recursive: true, force: true });
  }
});

void test('sandbox image import stores an image folder under its name and tag', async () => {
  const stateDir = tempDir('images');
  try {
    const source = join(stateDir, 'src');
    mkdirSync(join(source, 'rootfs', 'app'), { recursive: true });
    writeFileSync(
      join(source, 'manifest.json'),
      JSON.stringify({ entrypoint: ['sh'], cmd: [], env: {}, workingDir: '/app', ports: [] }),
    );
    writeFileSync(join(source, 'rootfs', 'app', 'hello.txt'), 'hi\n');
    assert.deepEqual(await importImage({ stateDir, dir: source, name: 'team/tool:2' }), { name: 'team/tool:2' });
    assert.equal(existsSync(join(stateDir, 'images', 'team', 'tool', '2', 'rootfs', 'app', 'hello.txt')), true);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
