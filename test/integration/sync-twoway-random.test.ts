// A seeded storm of edits on both sides of a two-way sync (local folder and a local "container"
// folder), folder and file swaps included: once it settles, verify finds no difference and no sync
// error was reported. Rerun a failure with its printed seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SyncSession } from '../../server/sync/syncSession.js';
import { localProcessTransport } from '../../server/sync/transport.js';
import { seededRandom } from '../helpers/random.js';
import { tempDir, waitFor } from './sync-helpers.js';

/** Runs one storm edit; one that lost a race with the sync over its folder is left undone. */
function ifFolderStillThere(edit: () => void): void {
  try {
    edit();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR, EEXIST: a folder on the way is a file now (a swap), EISDIR: a file is a folder now.
    if (!['ENOENT', 'ENOTEMPTY', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ERR_FS_EISDIR'].includes(code ?? '')) throw error;
  }
}

const PATHS = ['a.txt', 'b.txt', 'src/c.js', 'src/d.js', 'src/deep/e.js', 'gen/f.out', 'gen/g.out', 'gen/sub/h.out'];

void test('a seeded storm of local and container edits settles with both sides equal', async (t) => {
  const seed = Number(process.env.PODLOOP_TWOWAY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (rerun with PODLOOP_TWOWAY_SEED=${seed})`);
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  using local = tempDir('podloop-2w-storm-local-');
  using remote = tempDir('podloop-2w-storm-remote-');
  for (const path of PATHS.slice(0, 4)) {
    mkdirSync(dirname(join(local.path, path)), { recursive: true });
    writeFileSync(join(local.path, path), `initial ${path}\n`);
  }
  const sync = new SyncSession({
    localRoot: local.path,
    workDir: remote.path,
    transport: localProcessTransport(),
    direction: 'two-way',
    pollIntervalMs: 30,
  });
  try {
    await sync.start();
    for (let i = 0; i < 300; i++) {
      const root = rand() < 0.5 ? local.path : remote.path;
      const file = join(root, pick(PATHS));
      const roll = rand();
      // The sync writes and removes on both sides while the storm runs, as a build would: an edit
      // can find its folder just removed, and an rm -r a folder just refilled. Like a person at a
      // shell, the storm then moves on; the rounds after it still have to settle.
      ifFolderStillThere(() => {
        if (roll < 0.5) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(
            file,
            `${root === local.path ? 'local' : 'container'} write ${i} ${'x'.repeat(Math.floor(rand() * 40))}\n`,
          );
        } else if (roll < 0.7) {
          if (existsSync(file)) appendFileSync(file, `append ${i}\n`);
        } else if (roll < 0.9) {
          rmSync(file, { force: true });
        } else if (dirname(file) === root) {
          // A file replaced by a folder of the same name.
          rmSync(file, { force: true });
          mkdirSync(file);
          writeFileSync(join(file, 'inside.txt'), `folder ${i}\n`);
        } else if (roll < 0.95) {
          rmSync(dirname(file), { recursive: true, force: true });
        } else {
          // A folder replaced by a file of the same name.
          rmSync(dirname(file), { recursive: true, force: true });
          writeFileSync(dirname(file), `file ${i}\n`);
        }
      });
      if (rand() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 40)));
    }
    let differences: unknown[] = [];
    await waitFor(
      async () => {
        differences = (await sync.verify()).differences;
        return differences.length === 0;
      },
      `both sides to settle equal (seed ${seed})`,
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(differences)} ${JSON.stringify(sync.status())}`);
    });
    assert.equal(sync.status().lastError, null, `seed ${seed}`);
  } finally {
    await sync.dispose();
  }
});
