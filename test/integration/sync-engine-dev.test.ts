// File sync through the real engine against the sandbox: dev start with a local folder puts the
// files in the dev container, live edits follow, pause holds them back, a replaced pod is caught up.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { DevEnd, DevStart, DevStatus } from '../../protocol/dev.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { EngineState } from '../../protocol/state.js';
import type { EngineStateParams } from '../../protocol/state.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../../protocol/sync.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, progressMessages, startDevCluster, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;
const folders: string[] = [];

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function localFolder(): string {
  const folder = tempDir('sync-local');
  folders.push(folder);
  mkdirSync(join(folder, 'src', 'deep'), { recursive: true });
  writeFileSync(join(folder, 'index.js'), 'console.log("hello")\n');
  writeFileSync(join(folder, 'src', 'deep', 'util.js'), 'export const x = 1;\n');
  writeFileSync(join(folder, '.gitignore'), 'dist/\n');
  mkdirSync(join(folder, 'dist'));
  writeFileSync(join(folder, 'dist', 'bundle.js'), 'ignored');
  return folder;
}

async function containerFile(namespace: string, path: string): Promise<string | undefined> {
  const result = await cluster.sandbox.kubectl(
    ['exec', '-n', namespace, 'deploy/shop', '-c', 'web', '--', 'cat', path],
    { timeoutMs: 15_000 },
  );
  return result.code === 0 ? result.stdout : undefined;
}

async function startDev(namespace: string, localDir: string) {
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const messages = progressMessages(engine.connection, 'start');
  const started = await engine.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
    remoteDir: '/app',
    localDir,
    workDoneToken: 'start',
  });
  return { engine, started, messages, ref: { kind: 'Deployment' as const, name: 'shop', namespace } };
}

test('dev start with a local folder syncs it, and edits, deletes and renames follow', async () => {
  const namespace = cluster.namespace('sync-dev');
  const local = localFolder();
  const { engine, messages, ref } = await startDev(namespace, local);
  const states: EngineStateParams[] = [];
  engine.connection.onNotification(EngineState.type, (params) => states.push(params));
  assert.ok(
    messages.some((message) => message.startsWith('initial sync: ')),
    `initial sync progress: ${messages.join(' | ')}`,
  );

  await waitFor('dev/status shows the sync state', async () => {
    const { sessions } = await engine.connection.sendRequest(DevStatus.type, {});
    return sessions[0]?.sync?.state === 'idle' && sessions[0].sync.totals.files >= 4;
  });
  assert.equal(await containerFile(namespace, '/app/index.js'), 'console.log("hello")\n');
  assert.equal(await containerFile(namespace, '/app/src/deep/util.js'), 'export const x = 1;\n');
  assert.equal(await containerFile(namespace, '/app/dist/bundle.js'), undefined, '.gitignore is honoured');

  writeFileSync(join(local, 'index.js'), 'console.log("edited")\n');
  renameSync(join(local, 'src', 'deep', 'util.js'), join(local, 'src', 'util2.js'));
  writeFileSync(join(local, 'new.txt'), 'new');
  await waitFor(
    'the edit lands',
    async () => (await containerFile(namespace, '/app/index.js')) === 'console.log("edited")\n',
  );
  await waitFor(
    'the rename lands',
    async () => (await containerFile(namespace, '/app/src/util2.js')) === 'export const x = 1;\n',
  );
  assert.equal(await containerFile(namespace, '/app/src/deep/util.js'), undefined, 'the old name is gone');
  rmSync(join(local, 'src', 'deep'), { recursive: true });

  const verified = await engine.connection.sendRequest(SyncVerify.type, ref);
  assert.deepEqual(verified.differences, []);
  assert.equal(verified.inSync, true);
  assert.ok(verified.files >= 3);

  const status = (await engine.connection.sendRequest(SyncStatusRequest.type, ref)).status;
  assert.equal(status.state, 'idle');
  assert.ok(status.totals.batches >= 2 && status.lastBatch !== undefined, JSON.stringify(status));
  assert.ok(status.mode === 'receiver' || status.mode === 'tar-fallback');
  await waitFor('engine/state carries the sync status', () =>
    states.some((state) => state.devSessions.some((info) => info.sync !== undefined && info.sync.totals.batches >= 2)),
  );

  const paused = await engine.connection.sendRequest(SyncPause.type, ref);
  assert.equal(paused.status.state, 'paused');
  writeFileSync(join(local, 'held.txt'), 'held back');
  const pending = await waitFor('the paused edit is pending', async () => {
    const now = (await engine.connection.sendRequest(SyncStatusRequest.type, ref)).status;
    return now.pendingFiles > 0 ? now : undefined;
  });
  assert.equal(pending.state, 'paused');
  assert.equal(await containerFile(namespace, '/app/held.txt'), undefined, 'nothing lands while paused');
  const whilePaused = await engine.connection.sendRequest(SyncVerify.type, ref);
  assert.deepEqual(whilePaused.differences, [{ path: 'held.txt', reason: 'missing-remote' }]);

  await engine.connection.sendRequest(SyncResume.type, ref);
  await waitFor(
    'the held edit lands after resume',
    async () => (await containerFile(namespace, '/app/held.txt')) === 'held back',
  );
  assert.equal((await engine.connection.sendRequest(SyncVerify.type, ref)).inSync, true);

  await engine.connection.sendRequest(DevEnd.type, ref);
  const afterEnd = await engine.connection.sendRequest(SyncStatusRequest.type, ref).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(afterEnd instanceof ResponseError && afterEnd.code === ErrorCodes.NotInDevMode, 'dev end stops sync');
});

test('sync follows the dev pod when it is replaced, edits made meanwhile included', async () => {
  const namespace = cluster.namespace('sync-replace');
  const local = localFolder();
  const { engine, started, ref } = await startDev(namespace, local);
  const firstPod = started.session.pod;
  assert.ok(firstPod);
  const states: EngineStateParams[] = [];
  engine.connection.onNotification(EngineState.type, (params) => states.push(params));

  const deleted = await cluster.sandbox.kubectl(['delete', 'pod', '-n', namespace, firstPod, '--wait=false']);
  assert.equal(deleted.code, 0, deleted.stderr);
  writeFileSync(join(local, 'during.txt'), 'written while the pod was replaced');
  writeFileSync(join(local, 'index.js'), 'console.log("second")\n');

  const verified = await waitFor(
    'verify is clean on the new pod',
    async () => {
      const result = await engine.connection.sendRequest(SyncVerify.type, ref).catch(() => undefined);
      return result?.inSync ? result : undefined;
    },
    60_000,
  );
  assert.deepEqual(verified.differences, []);
  const pods = await cluster.sandbox.kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  await waitFor(
    'the new pod holds the files',
    async () => {
      const names = (
        await cluster.sandbox.kubectl([
          'get',
          'pods',
          '-n',
          namespace,
          '-o',
          'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{end}',
        ])
      ).stdout;
      if (names.includes(firstPod)) return false;
      return (await containerFile(namespace, '/app/during.txt')) === 'written while the pod was replaced';
    },
    60_000,
  );
  assert.notEqual(pods.stdout.trim(), '', 'the workload has a pod');
  await waitFor('engine/state names the replacement pod', () =>
    states.some((state) => state.devSessions.some((info) => info.pod !== undefined && info.pod !== firstPod)),
  );
});
