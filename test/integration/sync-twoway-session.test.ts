// Two-way sync of one session against a local "container" folder (the receiver and tar run as
// local processes): generated files come back, deletions follow, conflicts keep both versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { localEntry, prepareParents, removeLocal } from '../../server/sync/containerPull.js';
import { SyncSession, type SyncSessionOptions } from '../../server/sync/syncSession.js';
import { localProcessTransport } from '../../server/sync/transport.js';
import { tempDir, toolsets, toolsetTransport, waitFor } from './sync-helpers.js';

function write(root: string, path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

function read(root: string, path: string): string | undefined {
  return existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined;
}

function twoWay(local: string, remote: string, extra: Partial<SyncSessionOptions> = {}): SyncSession {
  return new SyncSession({
    localRoot: local,
    workDir: remote,
    transport: localProcessTransport(),
    direction: 'two-way',
    pollIntervalMs: 50,
    ...extra,
  });
}

void test('files generated in the container come back, edits and deletions follow, nothing echoes', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'src/index.js', 'local source\n');
  const sync = twoWay(local.path, remote.path);
  try {
    await sync.start();
    const batchesAfterStart = sync.status().totals.batches;
    write(remote.path, 'dist/bundle.js', 'generated\n');
    mkdirSync(join(remote.path, 'out/empty'), { recursive: true });
    await waitFor(() => read(local.path, 'dist/bundle.js') === 'generated\n', 'the generated file to come back');
    await waitFor(() => existsSync(join(local.path, 'out/empty')), 'the empty folder to come back');

    write(remote.path, 'dist/bundle.js', 'generated again, longer\n');
    await waitFor(() => read(local.path, 'dist/bundle.js') === 'generated again, longer\n', 'the container edit');
    rmSync(join(remote.path, 'dist'), { recursive: true });
    await waitFor(() => !existsSync(join(local.path, 'dist')), 'the container deletion');

    write(local.path, 'src/index.js', 'edited locally\n');
    await waitFor(() => read(remote.path, 'src/index.js') === 'edited locally\n', 'the local edit');
    const verified = await sync.verify();
    assert.deepEqual(verified.differences, []);
    const status = sync.status();
    assert.equal(status.twoWay?.conflicts, 0);
    assert.ok((status.twoWay?.pulledFiles ?? 0) >= 2, JSON.stringify(status.twoWay));
    // Pulled files are not pushed back: the only batch after start is the local edit.
    assert.equal(status.totals.batches - batchesAfterStart, 1, JSON.stringify(status));
  } finally {
    await sync.dispose();
  }
});

void test('an edit on both sides keeps the newer one in place and the other as NAME.conflict', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'a.txt', 'base a\n');
  write(local.path, 'b.txt', 'base b\n');
  const sync = twoWay(local.path, remote.path, { pollIntervalMs: 60_000 });
  try {
    await sync.start();
    // A scan is under way right after start: let it end so that it cannot see the edits half made.
    await sync.verify();
    sync.pause();
    const now = Date.now() / 1000;
    // a.txt: the container's write is newer; b.txt: the local one is.
    write(local.path, 'a.txt', 'local a\n');
    utimesSync(join(local.path, 'a.txt'), now - 20, now - 20);
    write(remote.path, 'a.txt', 'container a\n');
    utimesSync(join(remote.path, 'a.txt'), now - 10, now - 10);
    write(local.path, 'b.txt', 'local b\n');
    utimesSync(join(local.path, 'b.txt'), now - 10, now - 10);
    write(remote.path, 'b.txt', 'container b\n');
    utimesSync(join(remote.path, 'b.txt'), now - 20, now - 20);
    sync.resume();
    const verified = await sync.verify();
    assert.deepEqual(verified.differences, []);
    for (const root of [local.path, remote.path]) {
      assert.equal(read(root, 'a.txt'), 'container a\n');
      assert.equal(read(root, 'a.txt.conflict'), 'local a\n');
      assert.equal(read(root, 'b.txt'), 'local b\n');
      assert.equal(read(root, 'b.txt.conflict'), 'container b\n');
    }
    const status = sync.status().twoWay;
    assert.equal(status?.conflicts, 2);
    assert.deepEqual([...(status?.lastConflicts ?? [])].sort(), ['a.txt', 'b.txt']);
  } finally {
    await sync.dispose();
  }
});

void test('ignored container paths are never pulled and a link leading out is not followed', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  using outside = tempDir('podloop-2w-outside-');
  write(local.path, '.gitignore', '*.log\n');
  write(local.path, 'keep.txt', 'keep\n');
  const sync = twoWay(local.path, remote.path);
  try {
    await sync.start();
    write(remote.path, 'node_modules/dep/index.js', 'dep');
    write(remote.path, '.git/HEAD', 'ref');
    write(remote.path, 'server.log', 'log');
    symlinkSync(outside.path, join(remote.path, 'escape'));
    symlinkSync('../../etc', join(remote.path, 'climb'));
    write(remote.path, 'sentinel.txt', 'last');
    await waitFor(() => read(local.path, 'sentinel.txt') === 'last', 'the sentinel to come back');
    for (const path of ['node_modules', '.git', 'server.log', 'escape', 'climb'])
      assert.equal(existsSync(join(local.path, path)) || isLink(join(local.path, path)), false, path);
    assert.equal(read(outside.path, 'sentinel.txt'), undefined);
  } finally {
    await sync.dispose();
  }
});

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

void test('with the default one-way sync nothing is pulled', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'a.txt', 'a');
  const sync = new SyncSession({ localRoot: local.path, workDir: remote.path, transport: localProcessTransport() });
  try {
    await sync.start();
    write(remote.path, 'generated.txt', 'generated');
    write(local.path, 'b.txt', 'b');
    await waitFor(() => read(remote.path, 'b.txt') === 'b', 'a later local edit to land');
    assert.equal(read(local.path, 'generated.txt'), undefined);
    assert.equal(sync.status().twoWay, null);
  } finally {
    await sync.dispose();
  }
});

void test('two-way works with the busybox tools of minimal images', async () => {
  using scratch = tempDir('podloop-2w-tools-');
  const busybox = toolsets(scratch.path).find((set) => set.name === 'busybox');
  assert.ok(busybox, 'busybox is installed (apt-get install busybox-static)');
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'a.txt', 'a');
  const sync = twoWay(local.path, remote.path, { transport: toolsetTransport(busybox) });
  try {
    await sync.start();
    write(remote.path, 'gen/out.txt', 'from busybox');
    await waitFor(() => read(local.path, 'gen/out.txt') === 'from busybox', 'the generated file to come back');
    assert.deepEqual((await sync.verify()).differences, []);
  } finally {
    await sync.dispose();
  }
});

for (const mode of ['receiver', 'tar-fallback'] as const) {
  void test(`a local edit never overwrites a container edit not scanned yet (${mode})`, async () => {
    using local = tempDir('podloop-2w-local-');
    using remote = tempDir('podloop-2w-remote-');
    write(local.path, 'a.txt', 'base\n');
    // No periodic scan during the test: only the check before the batch can see the container edit.
    const sync = twoWay(local.path, remote.path, { pollIntervalMs: 600_000, mode });
    try {
      await sync.start();
      await sync.verify();
      const second = Math.floor(Date.now() / 1000);
      write(remote.path, 'a.txt', 'container edit\n');
      utimesSync(join(remote.path, 'a.txt'), second - 5, second - 5);
      write(local.path, 'a.txt', 'older local edit\n');
      utimesSync(join(local.path, 'a.txt'), second - 50, second - 50);
      await waitFor(() => read(local.path, 'a.txt') === 'container edit\n', 'the newer container edit to come back');
      assert.equal(read(local.path, 'a.txt.conflict'), 'older local edit\n');
      await waitFor(
        () => read(remote.path, 'a.txt.conflict') === 'older local edit\n',
        'the copy to reach the container',
      );
      assert.equal(read(remote.path, 'a.txt'), 'container edit\n');
      assert.equal(sync.status().twoWay?.conflicts, 1);
    } finally {
      await sync.dispose();
    }
  });
}

for (const mode of ['receiver', 'tar-fallback'] as const) {
  void test(`a local folder deletion keeps what the container wrote there since the last scan (${mode})`, async () => {
    using local = tempDir('podloop-2w-local-');
    using remote = tempDir('podloop-2w-remote-');
    write(local.path, 'gen/old.out', 'synced\n');
    write(local.path, 'gen/sub/edited.out', 'synced\n');
    // No periodic scan during the test: the container writes below are unseen when the batch goes.
    const sync = twoWay(local.path, remote.path, { pollIntervalMs: 600_000, mode });
    try {
      await sync.start();
      await sync.verify();
      write(remote.path, 'gen/sub/new.out', 'written in the container\n');
      rmSync(join(local.path, 'gen'), { recursive: true });
      await waitFor(() => !existsSync(join(remote.path, 'gen/old.out')), 'the local deletion to reach the container');
      // An edit beats a deletion: the container's new file stays, and with it its folders.
      assert.equal(read(remote.path, 'gen/sub/new.out'), 'written in the container\n');
      assert.equal(read(remote.path, 'gen/sub/edited.out'), undefined);
      assert.deepEqual((await sync.verify()).differences, []);
      assert.equal(read(local.path, 'gen/sub/new.out'), 'written in the container\n');
      assert.equal(sync.status().lastError, null);

      write(local.path, 'gen/sub/new.out', 'synced again\n');
      await waitFor(() => read(remote.path, 'gen/sub/new.out') === 'synced again\n', 'the local edit');
      write(remote.path, 'gen/sub/new.out', 'edited in the container, longer\n');
      rmSync(join(local.path, 'gen'), { recursive: true });
      // The container edit is seen before the batch goes: it comes back instead of being removed.
      await waitFor(
        () => read(local.path, 'gen/sub/new.out') === 'edited in the container, longer\n',
        'the container edit to come back',
      );
      assert.equal(read(remote.path, 'gen/sub/new.out'), 'edited in the container, longer\n');
      assert.deepEqual((await sync.verify()).differences, []);
      assert.equal(sync.status().lastError, null);
    } finally {
      await sync.dispose();
    }
  });
}

void test('one size written on both sides within one second is a conflict, told apart by content', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'a.txt', 'base\n');
  const sync = twoWay(local.path, remote.path, { pollIntervalMs: 600_000 });
  try {
    await sync.start();
    await sync.verify();
    const second = Math.floor(Date.now() / 1000) - 10;
    write(remote.path, 'a.txt', 'container\n');
    utimesSync(join(remote.path, 'a.txt'), second + 0.7, second + 0.7);
    write(local.path, 'a.txt', 'local ok!\n');
    utimesSync(join(local.path, 'a.txt'), second + 0.2, second + 0.2);
    await waitFor(() => read(local.path, 'a.txt') === 'container\n', 'the newer container write to come back');
    assert.equal(read(local.path, 'a.txt.conflict'), 'local ok!\n');
    assert.deepEqual((await sync.verify()).differences, []);
    assert.equal(sync.status().twoWay?.conflicts, 1);
  } finally {
    await sync.dispose();
  }
});

void test('one size and one mtime on both sides (two writes in one clock tick): the local version is sent', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'a.txt', 'base\n');
  const sync = twoWay(local.path, remote.path, { pollIntervalMs: 600_000 });
  try {
    await sync.start();
    await sync.verify();
    const tick = Math.floor(Date.now() / 1000) - 10 + 0.25;
    write(remote.path, 'a.txt', 'container\n');
    utimesSync(join(remote.path, 'a.txt'), tick, tick);
    write(local.path, 'a.txt', 'local ok!\n');
    utimesSync(join(local.path, 'a.txt'), tick, tick);
    await waitFor(() => read(remote.path, 'a.txt') === 'local ok!\n', 'the local version to reach the container');
    assert.equal(read(local.path, 'a.txt.conflict'), 'container\n');
    assert.deepEqual((await sync.verify()).differences, []);
    assert.equal(sync.status().twoWay?.conflicts, 1);
  } finally {
    await sync.dispose();
  }
});

void test('two names of one container file (a hard link) both come back', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  write(local.path, 'keep.txt', 'keep');
  const sync = twoWay(local.path, remote.path);
  try {
    await sync.start();
    write(remote.path, 'out/first.txt', 'one inode, two names');
    linkSync(join(remote.path, 'out/first.txt'), join(remote.path, 'out/second.txt'));
    const both = (): boolean =>
      read(local.path, 'out/first.txt') === 'one inode, two names' &&
      read(local.path, 'out/second.txt') === 'one inode, two names';
    await waitFor(both, 'both names to come back');
    assert.deepEqual((await sync.verify()).differences, []);
  } finally {
    await sync.dispose();
  }
});

void test('a pull never reads, moves or removes anything behind a local link', async () => {
  using local = tempDir('podloop-2w-local-');
  using outside = tempDir('podloop-2w-outside-');
  write(outside.path, 'x.txt', 'not the project');
  symlinkSync(outside.path, join(local.path, 'lib'));
  assert.equal(await localEntry(local.path, 'lib/x.txt'), null);
  const behind = { path: 'lib/x.txt', type: 'file' as const, size: 15, mode: 0o644, mtimeMs: 0 };
  assert.equal(await removeLocal(local.path, behind), false);
  await assert.rejects(prepareParents(local.path, 'lib/y.txt'), /lib is not a folder here/);
  assert.equal(read(outside.path, 'x.txt'), 'not the project');
  assert.equal(existsSync(join(outside.path, 'y.txt')), false);
});
