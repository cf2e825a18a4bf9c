// The hot-reload loop through the real engine: dev start with a local folder and a forwarded port,
// run/start of the synced server, an edit → sync batch → process restarted → HTTP answers the change.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DevStart } from '../../protocol/dev.js';
import { PortForwardList, RunExited, RunStart, RunStop } from '../../protocol/index.js';
import type { RunExitedParams } from '../../protocol/index.js';
import { startInitializedEngine } from '../helpers/engine.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, shopConfig, startDevCluster, writeProjectConfig, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;
let local: string;

before(async () => {
  cluster = await startDevCluster();
  local = tempDir('hotreload');
});

after(async () => {
  await cluster?.close();
  rmSync(local, { recursive: true, force: true });
});

const server = (version: string): string =>
  `require('node:http').createServer((req, res) => res.end('${version}\\n')).listen(8080);\n`;

async function answer(port: number): Promise<string> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) })).text()).trim();
  } catch {
    return '';
  }
}

void test('an edit is synced, the run restarts and HTTP through the dev forward answers the change', async () => {
  const namespace = cluster.namespace('hot');
  writeFileSync(join(local, 'server.js'), server('v1'));
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const exits: RunExitedParams[] = [];
  engine.connection.onNotification(RunExited.type, (params) => void exits.push(params));
  await engine.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
    remoteDir: '/app',
    localDir: local,
    ports: ['0:8080'],
  });
  const { forwards } = await engine.connection.sendRequest(PortForwardList.type, {});
  const port = forwards.find((forward) => forward.remotePort === 8080)?.localPort;
  assert.ok(port !== undefined && port > 0, `dev start forwards 8080: ${JSON.stringify(forwards)}`);

  const { runId } = await engine.connection.sendRequest(RunStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    command: ['node', '/app/server.js'],
  });
  await waitFor('v1 over HTTP', async () => (await answer(port)) === 'v1');

  const edited = performance.now();
  writeFileSync(join(local, 'server.js'), server('v2'));
  await waitFor('v2 over HTTP after the hot reload', async () => (await answer(port)) === 'v2', 30_000);
  const reloadMs = performance.now() - edited;
  assert.ok(
    exits.some((exit) => exit.runId === runId && exit.restarting),
    'the old process was restarted',
  );
  process.stderr.write(`edit → hot-reloaded answer: ${Math.round(reloadMs)} ms\n`);
  await engine.connection.sendRequest(RunStop.type, { runId });
});

/** A local port that is free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

void test("the config's portForward entries start with dev mode and run/start uses its run command", async () => {
  const namespace = cluster.namespace('hotcfg');
  const project = tempDir('hotreload-project');
  try {
    const port = await freePort();
    writeFileSync(join(project, 'server.js'), server('from config'));
    writeProjectConfig(
      project,
      shopConfig([
        '- name: web',
        '  command:',
        '    run: ["node", "/app/server.js"]',
        `  portForward: ["${port}:8080"]`,
      ]),
    );
    await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
    const engine = await startInitializedEngine({ workspaceFolder: project }, { env: cluster.sandbox.env });
    try {
      await engine.connection.sendRequest(DevStart.type, {
        kind: 'Deployment',
        name: 'shop',
        namespace,
        image: 'podloop/node-dev',
        remoteDir: '/app',
        localDir: project,
      });
      const { forwards } = await engine.connection.sendRequest(PortForwardList.type, {});
      assert.deepEqual(
        forwards.map((forward) => [forward.localPort, forward.remotePort]),
        [[port, 8080]],
      );
      const { runId } = await engine.connection.sendRequest(RunStart.type, {
        kind: 'Deployment',
        name: 'shop',
        namespace,
      });
      await waitFor(
        'the configured server over the configured forward',
        async () => (await answer(port)) === 'from config',
      );
      await engine.connection.sendRequest(RunStop.type, { runId });
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
