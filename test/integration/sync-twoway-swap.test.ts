// Two-way sync when one side replaces a synced folder by a file (or a file by a folder) while the
// other side writes there: a folder beats a file, the file is kept as NAME.conflict on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchFromContainer } from '../../server/sync/containerPull.js';
import { SyncSession, type SyncSessionOptions } from '../../server/sync/syncSession.js';
import { localProcessTransport, type SyncTransport } from '../../server/sync/transport.js';
import { tempDir, toolsets, toolsetTransport, waitFor } from './sync-helpers.js';

function write(root: string, path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

function read(root: string, path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

function isFolder(root: string, path: string): boolean {
  try {
    return lstatSync(join(root, path)).isDirectory();
  } catch {
    return false;
  }
}

/** One type swap: what was synced, what each side does, and what both sides hold once settled. */
interface Swap {
  name: string;
  synced: Record<string, string>;
  inContainer(remote: string): void;
  locally(local: string): void;
  /** The path in conflict: a folder on both sides in the end, its `.conflict` copy holding the file `kept`. */
  path: string;
  kept: string;
  /** Files on both sides in the end, paths on neither, and (ignored) files on one side only. */
  both: Record<string, string>;
  gone: string[];
  only?: { container?: Record<string, string>; local?: Record<string, string> };
}

const LOCAL_FILE = 'a local file in place of the folder\n';
const CONTAINER_FILE = 'written in the container\n';

const refilledFolder: Swap = {
  name: 'a local file replacing a folder the container wrote into',
  synced: { 'gen/old.out': 'synced\n', 'gen/sub/older.out': 'synced\n' },
  inContainer: (remote) => write(remote, 'gen/sub/new.out', CONTAINER_FILE),
  locally: (local) => {
    rmSync(join(local, 'gen'), { recursive: true });
    write(local, 'gen', LOCAL_FILE);
  },
  path: 'gen',
  kept: LOCAL_FILE,
  both: { 'gen/sub/new.out': CONTAINER_FILE },
  // The local deletion of what the container left as synced still wins.
  gone: ['gen/old.out', 'gen/sub/older.out'],
};

const fileMadeFolder: Swap = {
  name: 'a local edit of a file the container replaced by a folder',
  synced: { out: 'synced file\n' },
  inContainer: (remote) => {
    rmSync(join(remote, 'out'));
    write(remote, 'out/made.txt', CONTAINER_FILE);
  },
  locally: (local) => write(local, 'out', 'edited locally\n'),
  path: 'out',
  kept: 'edited locally\n',
  both: { 'out/made.txt': CONTAINER_FILE },
  gone: [],
};

const folderMadeFile: Swap = {
  name: 'a container file replacing a folder written into locally',
  synced: { 'gen/old.out': 'synced\n' },
  inContainer: (remote) => {
    rmSync(join(remote, 'gen'), { recursive: true });
    write(remote, 'gen', 'a container file in place of the folder\n');
  },
  locally: (local) => write(local, 'gen/sub/new.out', 'written locally\n'),
  path: 'gen',
  kept: 'a container file in place of the folder\n',
  both: { 'gen/sub/new.out': 'written locally\n' },
  // The container's deletion of what the local side left as synced still wins.
  gone: ['gen/old.out'],
};

const localFolderOverEdit: Swap = {
  name: 'a container edit of a file replaced locally by a folder',
  synced: { out: 'synced file\n' },
  inContainer: (remote) => write(remote, 'out', 'edited in the container\n'),
  locally: (local) => {
    rmSync(join(local, 'out'));
    write(local, 'out/sub/made.txt', 'a local folder\n');
  },
  path: 'out',
  kept: 'edited in the container\n',
  both: { 'out/sub/made.txt': 'a local folder\n' },
  gone: [],
};

const ignoredOnly: Swap = {
  name: 'a local file replacing a folder that holds only ignored container files',
  synced: { '.gitignore': '*.log\ncache/\n', 'gen/old.out': 'synced\n' },
  inContainer: (remote) => {
    write(remote, 'gen/build.log', 'ignored\n');
    write(remote, 'gen/cache/entry', 'ignored\n');
  },
  locally: refilledFolder.locally,
  path: 'gen',
  kept: LOCAL_FILE,
  both: {},
  gone: ['gen/old.out'],
  only: { container: { 'gen/build.log': 'ignored\n', 'gen/cache/entry': 'ignored\n' } },
};

const ignoredOnlyLocally: Swap = {
  ...folderMadeFile,
  name: 'a container file replacing a folder that holds only ignored local files',
  synced: { '.gitignore': '*.log\n', 'gen/old.out': 'synced\n' },
  locally: (local) => write(local, 'gen/debug.log', 'ignored\n'),
  both: {},
  only: { local: { 'gen/debug.log': 'ignored\n' } },
};

/**
 * When the container writes: before the local change (the check before the batch sees it), just
 * before the container applies the batch (after that check), or before the local change with a
 * scan coming first (the local batch waits for a long quiet window).
 */
type Timing = 'before the check' | 'between the check and the batch' | 'before a scan';

const variants: { name: string; options: (scratch: string) => Partial<SyncSessionOptions> }[] = [
  { name: 'receiver', options: () => ({ mode: 'receiver' }) },
  { name: 'tar fallback', options: () => ({ mode: 'tar-fallback' }) },
  {
    name: 'busybox receiver',
    options: (scratch) => {
      const busybox = toolsets(scratch).find((set) => set.name === 'busybox');
      assert.ok(busybox, 'busybox is installed (apt-get install busybox-static)');
      return { mode: 'receiver', transport: toolsetTransport(busybox) };
    },
  },
];

/**
 * The container side of a sync whose next batch runs `beforeBatch` just before the container
 * applies it: after the check that precedes every two-way batch, as a build writing there would.
 */
function raceTransport(base: SyncTransport): { transport: SyncTransport; arm(beforeBatch: () => void): void } {
  let pending: (() => void) | null = null;
  const fire = (): void => {
    const hook = pending;
    pending = null;
    hook?.();
  };
  const transport: SyncTransport = {
    async openChannel(command, signal) {
      // The tar fallback applies a batch's files with one `tar -x` exec.
      if (command[0] === 'tar' && command[1] === '-x') fire();
      const channel = await base.openChannel(command, signal);
      const stdin = channel.stdin as { write(chunk: unknown, ...rest: unknown[]): boolean };
      const write = stdin.write.bind(stdin);
      // The receiver reads a batch from the line that starts it.
      stdin.write = (chunk, ...rest) => {
        if (typeof chunk === 'string' && chunk.startsWith('BATCH ')) fire();
        return write(chunk, ...rest);
      };
      return channel;
    },
  };
  return { transport, arm: (beforeBatch) => (pending = beforeBatch) };
}

async function settles(swap: Swap, timing: Timing, options: Partial<SyncSessionOptions>): Promise<void> {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  for (const [path, content] of Object.entries(swap.synced)) write(local.path, path, content);
  const race = raceTransport(options.transport ?? localProcessTransport());
  const sync = new SyncSession({
    localRoot: local.path,
    workDir: remote.path,
    direction: 'two-way',
    // No periodic scan during the test: only the check before the batch (or verify) scans.
    pollIntervalMs: 600_000,
    ...options,
    transport: race.transport,
    ...(timing === 'before a scan' ? { batching: { quietMs: 3000, maxWaitMs: 3000 } } : {}),
  });
  const errors: string[] = [];
  sync.onEvent((event) => {
    if (event.kind === 'error') errors.push(event.message);
  });
  try {
    await sync.start();
    await sync.verify();
    if (timing === 'between the check and the batch') race.arm(() => swap.inContainer(remote.path));
    else swap.inContainer(remote.path);
    swap.locally(local.path);

    const copy = `${swap.path}.conflict`;
    if (timing !== 'before a scan')
      await waitFor(() => read(remote.path, copy) === swap.kept, `the local version to reach the container as ${copy}`);
    assert.deepEqual((await sync.verify()).differences, []);
    for (const root of [local.path, remote.path]) {
      assert.ok(isFolder(root, swap.path), `${swap.path} is a folder in ${root}`);
      assert.equal(read(root, copy), swap.kept);
      for (const [path, content] of Object.entries(swap.both)) assert.equal(read(root, path), content, path);
      for (const path of swap.gone) assert.equal(existsSync(join(root, path)), false, path);
    }
    for (const [side, other, files] of [
      [remote.path, local.path, swap.only?.container],
      [local.path, remote.path, swap.only?.local],
    ] as const) {
      for (const [path, content] of Object.entries(files ?? {})) {
        assert.equal(read(side, path), content, path);
        assert.equal(existsSync(join(other, path)), false, path);
      }
    }
    const status = sync.status();
    assert.equal(status.twoWay?.conflicts, 1, JSON.stringify(status));
    assert.deepEqual(status.twoWay?.lastConflicts, [swap.path]);
    assert.equal(status.lastError, null);
    assert.deepEqual(errors, []);
  } finally {
    await sync.dispose();
  }
}

const raced = ['before the check', 'between the check and the batch'] as const;
const cases: [Swap, readonly Timing[]][] = [
  [refilledFolder, raced],
  [fileMadeFolder, raced],
  [folderMadeFile, raced],
  // A container edit of a file that a batch removes, landing between its check and its arrival, is
  // lost: the window that remains.
  [localFolderOverEdit, ['before the check']],
];

for (const [swap, timings] of cases)
  for (const timing of timings)
    for (const variant of variants)
      void test(`${swap.name} loses to the folder and is kept as NAME.conflict: container write ${timing} (${variant.name})`, async () => {
        using scratch = tempDir('podloop-2w-tools-');
        await settles(swap, timing, variant.options(scratch.path));
      });

for (const swap of [refilledFolder, folderMadeFile, localFolderOverEdit])
  void test(`${swap.name} loses to the folder: container write seen by a scan first`, () =>
    settles(swap, 'before a scan', {}));

void test(`${ignoredOnly.name} loses to the folder, whose ignored files stay in the container`, () =>
  settles(ignoredOnly, 'before the check', {}));

// Ignored local files send no batch: the scan that verify asks for finds the swap.
void test(`${ignoredOnlyLocally.name} loses to the folder, whose ignored files stay locally`, () =>
  settles(ignoredOnlyLocally, 'before a scan', {}));

void test('a container file whose local folder is a file for now is tried again later; one behind a local link is refused', async () => {
  using local = tempDir('podloop-2w-local-');
  using remote = tempDir('podloop-2w-remote-');
  using outside = tempDir('podloop-2w-outside-');
  write(remote.path, 'swapped/a.txt', 'a');
  write(remote.path, 'linked/b.txt', 'b');
  write(local.path, 'swapped', 'a local file, replaced by a folder in the container');
  symlinkSync(outside.path, join(local.path, 'linked'));
  const entry = (path: string) => ({ path, type: 'file' as const, size: 1, mode: 0o644, mtimeMs: Date.now() });
  const fetched = await fetchFromContainer(localProcessTransport(), remote.path, local.path, [
    { entry: entry('swapped/a.txt'), to: 'swapped/a.txt', expect: null },
    { entry: entry('linked/b.txt'), to: 'linked/b.txt', expect: null },
  ]);
  assert.deepEqual(
    fetched.missed.map((item) => item.to),
    ['swapped/a.txt'],
  );
  assert.deepEqual(
    fetched.refused.map((item) => item.reason),
    ['linked/b.txt: linked is not a folder here'],
  );
  assert.equal(existsSync(join(outside.path, 'b.txt')), false);
});
