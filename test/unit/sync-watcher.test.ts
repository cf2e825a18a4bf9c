import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchTree, type WatcherBackend } from '../../server/sync/watcher.js';
import { tempDir, waitFor } from '../integration/sync-helpers.js';

for (const backend of ['directories', 'chokidar'] as WatcherBackend[]) {
  void test(`the ${backend} watcher reports writes, chmod, new and moved directories, never ignored ones`, async () => {
    using root = tempDir('podloop-watch-');
    const at = (path: string): string => join(root.path, path);
    mkdirSync(at('a'));
    mkdirSync(at('node_modules'));
    writeFileSync(at('a/file'), '1');
    const seen = new Set<string>();
    const watcher = watchTree(
      root.path,
      {
        isIgnored: (rel) => rel.split('/')[0] === 'node_modules',
        onPath: (rel) => seen.add(rel),
        onError: (error) => assert.fail(error),
      },
      backend,
    );
    // Once reported, a new directory's own watch may still be starting: repeat the write until seen.
    const reported = async (path: string, act: () => void, repeat = false): Promise<void> => {
      seen.clear();
      act();
      await waitFor(() => {
        if (repeat && !seen.has(path)) act();
        return seen.has(path);
      }, `${backend} to report ${path}`);
    };
    try {
      await watcher.ready;
      await reported('a/file', () => writeFileSync(at('a/file'), '2'));
      await reported('a/file', () => chmodSync(at('a/file'), 0o700));
      await reported('b', () => {
        mkdirSync(at('b/deep'), { recursive: true });
        writeFileSync(at('b/deep/new'), 'x');
      });
      await reported('b/deep/late', () => writeFileSync(at('b/deep/late'), 'x'), true);
      if (backend === 'directories') {
        // The same name, a new directory: its contents must still be watched (chokidar 4 loses them).
        await reported('a', () => {
          rmSync(at('a'), { recursive: true });
          mkdirSync(at('a'));
        });
        await reported('a/again', () => writeFileSync(at('a/again'), 'x'), true);
      }
      await reported('moved', () => renameSync(at('b/deep'), at('moved')));
      await reported('moved/after', () => writeFileSync(at('moved/after'), 'y'), true);
      seen.clear();
      writeFileSync(at('node_modules/ignored'), 'x');
      writeFileSync(at('sentinel'), 'x');
      await waitFor(() => seen.has('sentinel'), `${backend} to report the sentinel`);
      assert.equal(
        [...seen].some((path) => path.startsWith('node_modules')),
        false,
      );
    } finally {
      await watcher.close();
    }
  });
}
