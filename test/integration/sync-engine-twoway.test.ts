// Two-way file sync through the real engine against the sandbox: with `sync.mode: two-way` in the
// project config, files the dev container writes come back to the local folder; conflicts keep both.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DevStart } from '../../protocol/dev.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../../protocol/sync.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, shopConfig, startDevCluster, writeProjectConfig, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;
const folders: string[] = [];

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function project(mode: 'one-way' | 'two-way' | undefined): string {
  const folder = tempDir('sync-twoway');
  folders.push(folder);
  mkdirSync(join(folder, 'src'));
  writeFileSync(join(folder, 'src', 'index.js'), 'console.log("hello")\n');
  writeFileSync(join(folder, '.gitignore'), '*.log\n');
  if (mode !== undefined) {
    writeProjectConfig(folder, shopConfig(['- name: web', '  sync:', `    mode: ${mode}`]));
  }
  return folder;
}

async function startDev(namespace: string, localDir: string) {
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  await engine.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image: 'podloop/node-dev',
    remoteDir: '/app',
    localDir,
  });
  const ref = { kind: 'Deployment' as const, name: 'shop', namespace };
  return {
    engine,
    ref,
    status: async () => (await engine.connection.sendRequest(SyncStatusRequest.type, ref)).status,
    verify: () => engine.connection.sendRequest(SyncVerify.type, ref),
  };
}

/** Runs a fixed sh script in the dev container; values travel as arguments, never inside the script. */
async function inContainer(namespace: string, script: string, ...args: string[]): Promise<void> {
  const result = await cluster.sandbox.kubectl(
    ['exec', '-n', namespace, 'deploy/shop', '-c', 'web', '--', 'sh', '-c', script, 'sh', ...args],
    { timeoutMs: 15_000 },
  );
  assert.equal(result.code, 0, `${script}: ${result.stderr}`);
}

const WRITE = 'mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1"';

async function containerFile(namespace: string, path: string): Promise<string | undefined> {
  const result = await cluster.sandbox.kubectl(
    ['exec', '-n', namespace, 'deploy/shop', '-c', 'web', '--', 'cat', path],
    {
      timeoutMs: 15_000,
    },
  );
  return result.code === 0 ? result.stdout : undefined;
}

function localFile(root: string, path: string): string | undefined {
  return existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined;
}

function hasEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

test('two-way: a file generated in the container appears locally, and its edit and deletion follow', async () => {
  const namespace = cluster.namespace('twoway-pull');
  const local = project('two-way');
  const { status, verify } = await startDev(namespace, local);
  const batchesBefore = (await status()).totals.batches;

  await inContainer(namespace, WRITE, '/app/dist/bundle.js', 'generated in the container');
  await waitFor(
    'the generated file appears locally',
    () => localFile(local, 'dist/bundle.js') === 'generated in the container',
  );

  await inContainer(namespace, WRITE, '/app/dist/bundle.js', 'rebuilt in the container');
  await waitFor('the container edit follows', () => localFile(local, 'dist/bundle.js') === 'rebuilt in the container');
  await inContainer(namespace, 'rm -rf "$1"', '/app/dist');
  await waitFor('the container deletion follows', () => !existsSync(join(local, 'dist')));

  writeFileSync(join(local, 'src', 'index.js'), 'console.log("edited locally")\n');
  await waitFor(
    'a local edit still lands',
    async () => (await containerFile(namespace, '/app/src/index.js')) === 'console.log("edited locally")\n',
  );
  const verified = await verify();
  assert.deepEqual(verified.differences, []);
  const now = await status();
  assert.ok((now.pulledFiles ?? 0) >= 2, JSON.stringify(now));
  assert.equal(now.conflicts, 0);
  // Pulled files are not pushed back: the one batch since start is the local edit.
  assert.equal(now.totals.batches - batchesBefore, 1, JSON.stringify(now));
});

test('two-way: an edit of one file on both sides keeps the newer in place and the other as .conflict', async () => {
  const namespace = cluster.namespace('twoway-conflict');
  const local = project('two-way');
  writeFileSync(join(local, 'notes.txt'), 'base\n');
  const { engine, ref, status, verify } = await startDev(namespace, local);
  // Held while both sides are edited, so that neither edit is synced before the other is made.
  await engine.connection.sendRequest(SyncPause.type, ref);
  const second = Math.floor(Date.now() / 1000);
  writeFileSync(join(local, 'notes.txt'), 'edited locally\n');
  utimesSync(join(local, 'notes.txt'), second - 30, second - 30);
  await inContainer(
    namespace,
    `${WRITE} && touch -d "@$3" "$1"`,
    '/app/notes.txt',
    'edited in the container\n',
    String(second - 10),
  );
  await engine.connection.sendRequest(SyncResume.type, ref);

  const verified = await verify();
  assert.deepEqual(verified.differences, []);
  assert.equal(localFile(local, 'notes.txt'), 'edited in the container\n', 'the newer (container) write wins');
  assert.equal(localFile(local, 'notes.txt.conflict'), 'edited locally\n', 'the local version is kept beside it');
  assert.equal(await containerFile(namespace, '/app/notes.txt.conflict'), 'edited locally\n');
  const now = await status();
  assert.equal(now.conflicts, 1);
  assert.deepEqual(now.lastConflicts, ['notes.txt']);
  assert.match(
    engine.stderr(),
    /"level":40[^\n]*sync conflict: notes\.txt changed on both sides/,
    'a warning in the engine log',
  );
});

test('two-way: a local file replacing a folder the container wrote into loses to the folder and is kept as .conflict', async () => {
  const namespace = cluster.namespace('twoway-swap');
  const local = project('two-way');
  mkdirSync(join(local, 'gen'));
  writeFileSync(join(local, 'gen', 'old.out'), 'synced\n');
  const { engine, ref, status, verify } = await startDev(namespace, local);
  // Held while both sides change, so that the local swap meets a container write no scan has seen.
  await engine.connection.sendRequest(SyncPause.type, ref);
  await inContainer(namespace, WRITE, '/app/gen/new.out', 'written in the container');
  rmSync(join(local, 'gen'), { recursive: true });
  writeFileSync(join(local, 'gen'), 'a local file in place of the folder\n');
  await engine.connection.sendRequest(SyncResume.type, ref);

  await waitFor(
    'the local file reaches the container as gen.conflict',
    async () => (await containerFile(namespace, '/app/gen.conflict')) === 'a local file in place of the folder\n',
  );
  assert.deepEqual((await verify()).differences, []);
  assert.equal(localFile(local, 'gen/new.out'), 'written in the container', 'the folder comes back locally');
  assert.equal(localFile(local, 'gen.conflict'), 'a local file in place of the folder\n');
  assert.equal(await containerFile(namespace, '/app/gen/new.out'), 'written in the container');
  assert.equal(await containerFile(namespace, '/app/gen/old.out'), undefined, 'the local deletion still wins');
  const now = await status();
  assert.equal(now.conflicts, 1);
  assert.deepEqual(now.lastConflicts, ['gen']);
  assert.equal(now.lastError, undefined);
  assert.match(
    engine.stderr(),
    /"level":40[^\n]*sync conflict: gen changed on both sides; the container folder stays \(a folder beats a file\)/,
    'a warning in the engine log',
  );
});

test('two-way: ignored container paths are never pulled and a link leading out of the workDir is not followed', async () => {
  const namespace = cluster.namespace('twoway-ignored');
  const local = project('two-way');
  const { verify, status } = await startDev(namespace, local);
  await inContainer(namespace, WRITE, '/app/node_modules/dep/index.js', 'a dependency');
  await inContainer(namespace, WRITE, '/app/.git/HEAD', 'ref: refs/heads/main');
  await inContainer(namespace, WRITE, '/app/server.log', 'a log line');
  await inContainer(namespace, 'ln -s /etc "$1" && ln -s ../../.. "$2"', '/app/escape', '/app/climb');
  await inContainer(namespace, WRITE, '/app/sentinel.txt', 'written last');
  await waitFor('the sentinel appears locally', () => localFile(local, 'sentinel.txt') === 'written last');

  for (const path of ['node_modules', '.git', 'server.log', 'escape', 'climb'])
    assert.equal(hasEntry(join(local, path)), false, `${path} is not pulled`);
  const verified = await verify();
  // The unsafe links stay in the container only; verify says so rather than hiding them.
  assert.deepEqual(verified.differences.map((difference) => difference.path).sort(), ['climb', 'escape']);
  assert.ok(((await status()).pulledFiles ?? 0) >= 1);
});

test('with the default one-way sync nothing comes back from the container', async () => {
  const namespace = cluster.namespace('twoway-off');
  const local = project(undefined);
  const { status, verify } = await startDev(namespace, local);
  await inContainer(namespace, WRITE, '/app/generated.txt', 'generated');
  // In two-way mode verify scans the container first and would have pulled the file.
  const verified = await verify();
  assert.deepEqual(verified.differences, [{ path: 'generated.txt', reason: 'missing-local' }]);
  assert.equal(hasEntry(join(local, 'generated.txt')), false);
  const now = await status();
  assert.equal(now.pulledFiles, undefined);
  assert.equal(now.conflicts, undefined);
});

test('two-way: a container write just before the sync channel drops is pulled after the reconnect, not undone', async () => {
  const namespace = cluster.namespace('twoway-drop');
  const local = project('two-way');
  const { verify } = await startDev(namespace, local);
  // The write and the receiver's end in one exec: the next container scan (every second) comes after the
  // reconnect, whose full sync would otherwise make the container match the local folder.
  await inContainer(
    namespace,
    `${WRITE} && pkill -f 'podloop-[r]eceiver'`,
    '/app/out/report.txt',
    'written as the channel dropped',
  );
  await waitFor(
    'the file written before the drop appears locally',
    () => localFile(local, 'out/report.txt') === 'written as the channel dropped',
  );
  assert.equal(await containerFile(namespace, '/app/out/report.txt'), 'written as the channel dropped');
  assert.deepEqual((await verify()).differences, []);
});
