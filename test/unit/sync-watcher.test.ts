import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { watchTree, type TreeWatcher, type WatcherBackend } from '../../server/sync/watcher.js';
import { tempDir, waitFor } from '../integration/sync-helpers.js';

const backends: WatcherBackend[] = ['chokidar', 'directories'];

interface Watching {
  at: (path: string) => string;
  /** Every path reported so far, in order. */
  reports: string[];
  watcher: TreeWatcher;
}

async function startWatching(root: string, backend: WatcherBackend): Promise<Watching> {
  const reports: string[] = [];
  const watcher = watchTree(
    root,
    {
      isIgnored: (rel) => rel.split('/').includes('node_modules'),
      onPath: (rel) => reports.push(rel),
      onError: (error) => assert.fail(error),
    },
    backend,
  );
  await watcher.ready;
  return { at: (path) => join(root, path), reports, watcher };
}

/**
 * The session re-reads each reported path, a directory with its subtree, so a change is seen
 * once the path or one of its folders is reported after it happened.
 */
function seenAfter(watching: Watching, mark: number, path: string): boolean {
  return watching.reports.slice(mark).some((reported) => reported === path || path.startsWith(reported + '/'));
}

/** Does `act`, then waits until each of `paths` is seen after it. */
async function expectReported(watching: Watching, paths: string[], act: () => void): Promise<void> {
  const mark = watching.reports.length;
  act();
  await waitFor(() => paths.every((path) => seenAfter(watching, mark, path)), `reports of ${paths.join(', ')}`);
}

/** Inode numbers the process holds inotify watches on (Linux lists them in fdinfo). */
function watchedInodes(): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:inotify') continue;
    for (const match of readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').matchAll(/^inotify wd:[0-9a-f]+ ino:([0-9a-f]+)/gm)) {
      inodes.add(Number.parseInt(match[1] ?? '', 16));
    }
  }
  return inodes;
}

/** Inodes of everything under root (root included), split by whether a watch belongs on them. */
function treeInodes(root: string): { folders: Set<number>; others: Set<number> } {
  const folders = new Set<number>([lstatSync(root).ino]);
  const others = new Set<number>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const ignored = path.slice(root.length + 1).split('/').includes('node_modules');
    (entry.isDirectory() && !ignored ? folders : others).add(lstatSync(path).ino);
  }
  return { folders, others };
}

/** Waits until exactly the tree's non-ignored folders are watched: no file, no ignored folder. */
async function expectOneWatchPerFolder(root: string): Promise<void> {
  let mismatch = '';
  await waitFor(() => {
    const watched = watchedInodes();
    const { folders, others } = treeInodes(root);
    const missing = [...folders].filter((ino) => !watched.has(ino));
    const extra = [...others].filter((ino) => watched.has(ino));
    mismatch = `${missing.length} folders unwatched, ${extra.length} files or ignored folders watched`;
    return missing.length === 0 && extra.length === 0;
  }, 'one watch per folder').catch((error: Error) => assert.fail(`${error.message}: ${mismatch}`));
}

for (const backend of backends) {
  void test(`the ${backend} watcher reports files written, chmodded, renamed and deleted`, async () => {
    using root = tempDir('podloop-watch-');
    mkdirSync(join(root.path, 'a'));
    writeFileSync(join(root.path, 'a/file'), '1');
    const watching = await startWatching(root.path, backend);
    const { at } = watching;
    try {
      await expectReported(watching, ['a/file'], () => writeFileSync(at('a/file'), '2'));
      await expectReported(watching, ['a/file'], () => chmodSync(at('a/file'), 0o700));
      await expectReported(watching, ['a/new', 'top'], () => {
        writeFileSync(at('a/new'), 'x');
        writeFileSync(at('top'), 'x');
      });
      await expectReported(watching, ['a/file', 'a/renamed'], () => renameSync(at('a/file'), at('a/renamed')));
      await expectReported(watching, ['a/new'], () => unlinkSync(at('a/new')));
    } finally {
      await watching.watcher.close();
    }
  });

  void test(`the ${backend} watcher follows folders made with mkdir -p and filled at once, moved and deleted`, async () => {
    using root = tempDir('podloop-watch-');
    const watching = await startWatching(root.path, backend);
    const { at } = watching;
    try {
      // Files land while the new folders' watches are still being set up.
      const mark = watching.reports.length;
      mkdirSync(at('b/deep/deeper'), { recursive: true });
      const written: string[] = [];
      for (let index = 0; index < 30; index++) {
        const path = ['b', 'b/deep', 'b/deep/deeper'][index % 3] + `/file${index}`;
        writeFileSync(at(path), String(index));
        written.push(path);
        await nextTurn();
      }
      // Each file must be seen by a report made after it was written.
      await waitFor(() => written.every((path) => seenAfter(watching, mark, path)), 'every file in the new folders');
      await expectReported(watching, ['b/deep/deeper/late'], () => writeFileSync(at('b/deep/deeper/late'), 'x'));
      await expectReported(watching, ['b/deep', 'moved'], () => renameSync(at('b/deep'), at('moved')));
      await expectReported(watching, ['moved/deeper/after'], () => writeFileSync(at('moved/deeper/after'), 'y'));
      await expectOneWatchPerFolder(root.path);
      await expectReported(watching, ['moved'], () => rmSync(at('moved'), { recursive: true }));
      await expectReported(watching, ['b/again'], () => writeFileSync(at('b/again'), 'z'));
    } finally {
      await watching.watcher.close();
    }
  });

  void test(`the ${backend} watcher watches a folder deleted and made again under the same name`, async () => {
    using root = tempDir('podloop-watch-');
    mkdirSync(join(root.path, 'a/sub'), { recursive: true });
    writeFileSync(join(root.path, 'a/sub/old'), 'old');
    const watching = await startWatching(root.path, backend);
    const { at } = watching;
    try {
      for (let round = 0; round < 5; round++) {
        const mark = watching.reports.length;
        rmSync(at('a'), { recursive: true });
        mkdirSync(at('a/sub'), { recursive: true });
        writeFileSync(at(`a/sub/new${round}`), 'new');
        await waitFor(() => seenAfter(watching, mark, `a/sub/new${round}`), `the new files of round ${round}`);
        // Every other round, churn again before the watches settle.
        if (round % 2 === 1) continue;
        await expectOneWatchPerFolder(root.path);
        await expectReported(watching, ['a/later', 'a/sub/later'], () => {
          writeFileSync(at('a/later'), 'x');
          writeFileSync(at('a/sub/later'), 'x');
        });
      }
      // A folder replaced by a file: late events name paths below what is now a file.
      await expectReported(watching, ['a'], () => {
        rmSync(at('a'), { recursive: true });
        writeFileSync(at('a'), 'a file now');
      });
      await expectReported(watching, ['a'], () => writeFileSync(at('a'), 'edited'));
      await expectOneWatchPerFolder(root.path);
      // And a folder again, its subfolder made at once, while chokidar's listing of it had failed.
      await expectReported(watching, ['a'], () => {
        rmSync(at('a'));
        mkdirSync(at('a/sub'), { recursive: true });
      });
      await expectOneWatchPerFolder(root.path);
      await expectReported(watching, ['a/sub/last'], () => writeFileSync(at('a/sub/last'), 'x'));
    } finally {
      await watching.watcher.close();
    }
  });

  void test(`the ${backend} watcher holds one watch per folder and none for files or ignored folders`, async () => {
    using root = tempDir('podloop-watch-');
    for (const dir of ['src/app', 'src/lib', 'node_modules/pkg/dist', 'src/node_modules/x']) {
      mkdirSync(join(root.path, dir), { recursive: true });
      writeFileSync(join(root.path, dir, 'file.js'), 'x');
    }
    const watching = await startWatching(root.path, backend);
    const { at } = watching;
    try {
      await expectOneWatchPerFolder(root.path);
      const mark = watching.reports.length;
      mkdirSync(at('node_modules/pkg/new'), { recursive: true });
      writeFileSync(at('node_modules/pkg/new/file.js'), 'x');
      writeFileSync(at('src/node_modules/x/file.js'), 'y');
      await expectReported(watching, ['sentinel'], () => writeFileSync(at('sentinel'), 'x'));
      await expectOneWatchPerFolder(root.path);
      const ignored = watching.reports.slice(mark).filter((path) => path.split('/').includes('node_modules'));
      assert.deepEqual(ignored, []);
    } finally {
      await watching.watcher.close();
    }
  });
}
