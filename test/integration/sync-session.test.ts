import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../server/sync/batcher.js';
import { scanTree } from '../../server/sync/manifest.js';
import { SyncSession, type SyncEvent, type SyncSessionOptions } from '../../server/sync/syncSession.js';
import { localProcessTransport, type SyncTransport } from '../../server/sync/transport.js';
import { tempDir, toolsets, toolsetTransport, waitFor } from './sync-helpers.js';

function write(root: string, path: string, content: string | Buffer): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

function generateTree(root: string, files: number): void {
  for (let i = 0; i < files; i++)
    write(root, `src/pkg${i % 7}/mod${i % 3}/file${i}.ts`, `export const v${i} = ${'x'.repeat(i % 50)};\n`);
  write(root, 'bin/run.sh', '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'bin/run.sh'), 0o755);
  mkdirSync(join(root, 'empty/nested'), { recursive: true });
  symlinkSync('src/pkg0', join(root, 'current'));
  write(root, '.gitignore', '*.log\n');
  write(root, 'debug.log', 'ignored');
  write(root, 'node_modules/dep/index.js', 'ignored');
}

function session(local: string, remote: string, extra: Partial<SyncSessionOptions> = {}): SyncSession {
  return new SyncSession({ localRoot: local, workDir: remote, transport: localProcessTransport(), ...extra });
}

async function assertInSync(sync: SyncSession): Promise<void> {
  const result = await sync.verify();
  assert.deepEqual(result.differences, []);
  assert.ok(result.filesCompared > 0);
}

// A marker written last: once it has landed, every earlier edit has at least been seen.
async function settle(sync: SyncSession, local: string, remote: string): Promise<void> {
  const marker = `marker-${Date.now()}-${Math.random()}`;
  writeFileSync(join(local, '.sync-marker'), marker);
  await waitFor(
    () => existsSync(join(remote, '.sync-marker')) && readFileSync(join(remote, '.sync-marker'), 'utf8') === marker,
    'the marker file to land',
  );
  await sync.waitForIdle();
}

void test('initial sync copies a generated tree, leaves ignored paths out, and verifies clean', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  generateTree(local.path, 300);
  const sync = session(local.path, join(remote.path, 'app'));
  try {
    await sync.start();
    const app = join(remote.path, 'app');
    assert.equal(
      readFileSync(join(app, 'src/pkg1/mod1/file1.ts'), 'utf8'),
      readFileSync(join(local.path, 'src/pkg1/mod1/file1.ts'), 'utf8'),
    );
    assert.equal(statSync(join(app, 'bin/run.sh')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(app, 'current')), 'src/pkg0');
    assert.equal(lstatSync(join(app, 'empty/nested')).isDirectory(), true);
    assert.equal(existsSync(join(app, 'debug.log')), false);
    assert.equal(existsSync(join(app, 'node_modules')), false);
    const status = sync.status();
    assert.equal(status.mode, 'receiver');
    assert.equal(status.state, 'idle');
    assert.ok(status.totals.files >= 300);
    await assertInSync(sync);
  } finally {
    await sync.dispose();
  }
});

void test('restarting on an unchanged tree sends nothing, and a touched but unchanged file is not resent', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  generateTree(local.path, 200);
  const first = session(local.path, remote.path);
  await first.start();
  const initialBytes = first.status().totals.bytes;
  await first.dispose();
  // Files created in the container and ignored locally are left alone.
  write(remote.path, 'debug.log', 'made in the container');
  utimesSync(join(local.path, 'src/pkg2/mod2/file2.ts'), new Date(), new Date(Date.now() + 5000));
  const second = session(local.path, remote.path);
  try {
    await second.start();
    const totals = second.status().totals;
    assert.equal(totals.bytes, 0, `re-sync sent ${totals.bytes} bytes of ${initialBytes}`);
    assert.equal(totals.batches, 0);
    assert.equal(readFileSync(join(remote.path, 'debug.log'), 'utf8'), 'made in the container');
  } finally {
    await second.dispose();
  }
});

void test('an initial sync streams what the container lacks, then sends the rest as a batch, with progress on the way', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  generateTree(local.path, 200);
  write(local.path, 'assets/big.bin', Buffer.alloc(24 * 1024 * 1024, 3));
  // Already in the container: a stale copy of one file, and a file where the local tree has a folder.
  write(remote.path, 'src/pkg0/mod0/file0.ts', 'stale');
  write(remote.path, 'src/pkg1', 'a file in the way');
  const events: SyncEvent[] = [];
  // Every reading of the clock is 150 ms later, so progress throttled to one report per 100 ms
  // reports each step.
  let now = 0;
  const clock: Clock = { ...systemClock, now: () => (now += 150) };
  const sync = session(local.path, remote.path, { clock });
  sync.onEvent((event) => events.push(event));
  try {
    await sync.start();
    const batches = events.flatMap((event) => (event.kind === 'batch' && event.initial ? [event.batch] : []));
    assert.equal(batches.length, 2, 'one stream of fresh entries, one batch for the rest');
    assert.equal(batches[1]!.removed, 1, 'the file in the way is removed');
    const tree = [...(await scanTree(local.path, { isIgnored: () => false })).entries.values()].filter(
      (entry) => !/(^|\/)(node_modules|debug\.log)/.test(entry.path),
    );
    // src, src/pkg0 and src/pkg0/mod0 were folders in the container already.
    assert.equal(batches[0]!.files + batches[1]!.files, tree.length - 3, 'every other entry once');
    assert.ok(batches[1]!.files >= 3, 'the stale file and the folder in the way with its files');
    const progress = events.flatMap((event) => (event.kind === 'progress' ? [event] : []));
    const last = progress[progress.length - 1]!;
    const treeBytes = tree.reduce((sum, entry) => sum + entry.size, 0);
    assert.equal(last.done, true);
    assert.equal(last.filesDone, last.filesTotal);
    assert.equal(last.bytesTotal, treeBytes, 'the whole tree is accounted for');
    assert.ok(
      progress.some((event) => event.bytesDone > 0 && event.bytesDone < event.bytesTotal && !event.done),
      'progress is reported while the bytes go',
    );
    assert.equal(
      readFileSync(join(remote.path, 'src/pkg0/mod0/file0.ts'), 'utf8'),
      readFileSync(join(local.path, 'src/pkg0/mod0/file0.ts'), 'utf8'),
    );
    assert.equal(lstatSync(join(remote.path, 'src/pkg1')).isDirectory(), true);
    await assertInSync(sync);
  } finally {
    await sync.dispose();
  }
});

for (const watcher of ['directories', 'chokidar'] as const) {
  void test(`live edits land: create, modify, delete, rename, chmod, symlink, empty directory (${watcher} watcher)`, async () => {
    using local = tempDir('podloop-local-');
    using remote = tempDir('podloop-remote-');
    generateTree(local.path, 20);
    const sync = session(local.path, remote.path, { watcher });
    const batches: number[] = [];
    sync.onEvent((event) => {
      if (event.kind === 'batch' && !event.initial) batches.push(event.batch.latencyMs);
    });
    try {
      await sync.start();
      const at = (path: string): string => join(remote.path, path);
      // tar replaces a file by unlinking it first: a poll may fall between the unlink and the create.
      const remoteText = (path: string): string | null => {
        try {
          return readFileSync(at(path), 'utf8');
        } catch {
          return null;
        }
      };
      write(local.path, 'new/deep/file.txt', 'created');
      await waitFor(() => existsSync(at('new/deep/file.txt')), 'a created file');
      writeFileSync(join(local.path, 'new/deep/file.txt'), 'modified content');
      await waitFor(() => remoteText('new/deep/file.txt') === 'modified content', 'a modification');
      for (const content of ['same-size-1', 'same-size-2', 'same-size-3']) {
        // Same size, same second: only the exact mtime tells these writes apart.
        writeFileSync(join(local.path, 'new/deep/file.txt'), content);
        await waitFor(() => remoteText('new/deep/file.txt') === content, `rewrite ${content}`);
      }
      rmSync(join(local.path, 'src/pkg1'), { recursive: true });
      await waitFor(() => !existsSync(at('src/pkg1')), 'a recursive delete');
      renameSync(join(local.path, 'src/pkg2'), join(local.path, 'src/renamed'));
      renameSync(join(local.path, 'bin/run.sh'), join(local.path, 'bin/start.sh'));
      await waitFor(
        () =>
          !existsSync(at('src/pkg2')) &&
          existsSync(at('src/renamed/mod2/file2.ts')) &&
          existsSync(at('bin/start.sh')) &&
          !existsSync(at('bin/run.sh')),
        'renames',
      );
      chmodSync(join(local.path, 'new/deep/file.txt'), 0o750);
      await waitFor(
        () => ((statSync(at('new/deep/file.txt'), { throwIfNoEntry: false })?.mode ?? 0) & 0o777) === 0o750,
        'a mode change',
      );
      symlinkSync('../new/deep/file.txt', join(local.path, 'bin/link'));
      mkdirSync(join(local.path, 'fresh-empty'));
      await waitFor(
        () =>
          existsSync(at('fresh-empty')) &&
          lstatSync(at('bin/link'), { throwIfNoEntry: false })?.isSymbolicLink() === true,
        'a symlink and an empty directory',
      );
      rmSync(join(local.path, 'current'));
      mkdirSync(join(local.path, 'current'));
      await waitFor(
        () => lstatSync(at('current'), { throwIfNoEntry: false })?.isDirectory() === true,
        'a symlink replaced by a directory',
      );
      write(local.path, 'debug.log', 'now wanted');
      writeFileSync(join(local.path, '.gitignore'), '# nothing ignored\n');
      await waitFor(() => existsSync(at('debug.log')), 'a file no longer ignored after a .gitignore edit');
      await settle(sync, local.path, remote.path);
      await assertInSync(sync);
      assert.ok(batches.length > 0);
      assert.ok(sync.status().lastBatch!.latencyMs >= 0);
    } finally {
      await sync.dispose();
    }
  });
}

void test('a link escaping the folder is never synced and is reported', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  write(local.path, 'ok.txt', 'ok');
  symlinkSync('/etc', join(local.path, 'etc-link'));
  symlinkSync('../..', join(local.path, 'up-link'));
  const sync = session(local.path, remote.path);
  try {
    await sync.start();
    assert.equal(existsSync(join(remote.path, 'ok.txt')), true);
    assert.equal(lstatSync(join(remote.path, 'etc-link'), { throwIfNoEntry: false }), undefined);
    assert.deepEqual(
      sync
        .status()
        .rejected.map((r) => `${r.path}:${r.reason}`)
        .sort(),
      ['etc-link:link-absolute', 'up-link:link-escape'],
    );
  } finally {
    await sync.dispose();
  }
});

void test('pause holds edits back and resume sends them', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  write(local.path, 'a.txt', 'one');
  const sync = session(local.path, remote.path);
  try {
    await sync.start();
    sync.pause();
    assert.equal(sync.status().state, 'paused');
    write(local.path, 'held.txt', 'held');
    await waitFor(() => sync.status().pendingFiles > 0, 'the edit to be pending');
    assert.equal(existsSync(join(remote.path, 'held.txt')), false);
    const paused = await sync.verify();
    assert.deepEqual(paused.differences, [{ path: 'held.txt', kind: 'missing-remote' }]);
    sync.resume();
    await waitFor(() => existsSync(join(remote.path, 'held.txt')), 'the held edit to land after resume');
  } finally {
    await sync.dispose();
  }
});

void test('without a usable receiver, sync falls back to one tar exec per batch and says so', async () => {
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  generateTree(local.path, 30);
  const base = localProcessTransport();
  const noReceiver: SyncTransport = {
    openChannel: (command, signal) =>
      base.openChannel(
        command.includes('podloop-receiver') ? ['sh', '-c', 'echo "sh: not allowed" >&2; exit 126'] : command,
        signal,
      ),
  };
  const sync = session(local.path, remote.path, { transport: noReceiver });
  try {
    await sync.start();
    assert.equal(sync.status().mode, 'tar-fallback');
    write(local.path, 'later.txt', 'live in fallback');
    rmSync(join(local.path, 'src/pkg3'), { recursive: true });
    await waitFor(
      () => existsSync(join(remote.path, 'later.txt')) && !existsSync(join(remote.path, 'src/pkg3')),
      'a live edit in fallback mode',
    );
    await settle(sync, local.path, remote.path);
    await assertInSync(sync);
  } finally {
    await sync.dispose();
  }
});

void test('a missing local folder is refused instead of emptying the container', async () => {
  using remote = tempDir('podloop-remote-');
  write(remote.path, 'precious.txt', 'keep');
  const sync = session(join(remote.path, 'does-not-exist'), remote.path);
  try {
    await assert.rejects(sync.start(), /not a folder/);
    assert.equal(readFileSync(join(remote.path, 'precious.txt'), 'utf8'), 'keep');
  } finally {
    await sync.dispose();
  }
});

void test('the receiver works with busybox tools as found in minimal images', async () => {
  using scratch = tempDir('podloop-tools-');
  const busybox = toolsets(scratch.path).find((tools) => tools.name === 'busybox');
  assert.ok(busybox, 'busybox is installed (apt-get install busybox-static)');
  using local = tempDir('podloop-local-');
  using remote = tempDir('podloop-remote-');
  generateTree(local.path, 40);
  const transport = toolsetTransport(busybox);
  const sync = session(local.path, remote.path, { transport });
  try {
    await sync.start();
    assert.equal(sync.status().mode, 'receiver');
    rmSync(join(local.path, 'src/pkg4'), { recursive: true });
    chmodSync(join(local.path, 'src/pkg5/mod0/file12.ts'), 0o700);
    await waitFor(
      () =>
        !existsSync(join(remote.path, 'src/pkg4')) &&
        (statSync(join(remote.path, 'src/pkg5/mod0/file12.ts')).mode & 0o777) === 0o700,
      'edits applied by busybox',
    );
    await settle(sync, local.path, remote.path);
    await assertInSync(sync);
  } finally {
    await sync.dispose();
  }
  const again = session(local.path, remote.path, { transport });
  try {
    await again.start();
    assert.equal(
      again.status().totals.bytes,
      0,
      'busybox manifest (whole-second mtimes) lets an unchanged tree send nothing',
    );
  } finally {
    await again.dispose();
  }
});
