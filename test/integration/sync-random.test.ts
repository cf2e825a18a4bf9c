import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SyncSession } from '../../server/sync/syncSession.js';
import { localProcessTransport, type SyncChannel, type SyncTransport } from '../../server/sync/transport.js';
import { seededRandom } from '../helpers/random.js';
import { randomTree } from '../helpers/randomTree.js';
import { tempDir, waitFor } from './sync-helpers.js';

const OPERATIONS = Number(process.env.PODLOOP_SYNC_OPS ?? 400);
const BIG_FILE_MB = 60;

void test('randomized edits with the receiver killed twice end with zero differences', async (t) => {
  const seed = Number(process.env.PODLOOP_SYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (rerun with PODLOOP_SYNC_SEED=${seed})`);
  const rand = seededRandom(seed);
  using local = tempDir('podloop-random-local-');
  using remote = tempDir('podloop-random-remote-');
  const tree = randomTree(local.path, rand);
  const { abs, bytes } = tree;
  tree.populate(40, 4);

  const base = localProcessTransport();
  const receivers: SyncChannel[] = [];
  const transport: SyncTransport = {
    async openChannel(command, signal) {
      const channel = await base.openChannel(command, signal);
      if (command.includes('podloop-receiver')) receivers.push(channel);
      return channel;
    },
  };
  const sync = new SyncSession({
    localRoot: local.path,
    workDir: remote.path,
    transport,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  try {
    await sync.start();
    for (let op = 0; op < OPERATIONS; op++) {
      if (op === Math.floor(OPERATIONS / 3)) {
        // A large file, streamed; appended to while it is probably still being sent.
        const chunk = bytes(1024 * 1024, true);
        chunk[0] = 1;
        const fd = openSync(abs('big.bin'), 'w');
        for (let mb = 0; mb < BIG_FILE_MB; mb++) writeSync(fd, chunk);
        closeSync(fd);
        await waitFor(
          () => sync.status().pendingBytes >= BIG_FILE_MB * 1024 * 1024,
          `the big file to be in flight (seed ${seed})`,
        );
        appendFileSync(abs('big.bin'), 'tail');
        // First drop: in the middle of the big transfer.
        receivers[0]!.close();
      }
      if (op === Math.floor((OPERATIONS * 2) / 3)) {
        // Second drop: once the replacement receiver is up.
        await waitFor(() => receivers.length >= 2, `the receiver to be restarted (seed ${seed})`);
        receivers[receivers.length - 1]!.close();
      }
      tree.mutate();
      if (op % 5 === 0) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 4)));
    }

    const marker = `marker-${seed}`;
    writeFileSync(abs('.marker'), marker);
    await waitFor(
      async () => {
        try {
          await sync.waitForIdle(60_000);
          return (await sync.verify({ settleMs: 60_000 })).differences.length === 0;
        } catch {
          return false;
        }
      },
      `zero differences (seed ${seed})`,
      90_000,
    ).catch(async (error: Error) => {
      const result = await sync.verify({ settleMs: 0 }).catch(() => null);
      throw new Error(
        `${error.message}; differences: ${JSON.stringify(result?.differences.slice(0, 20))}; status ${JSON.stringify(sync.status())}`,
      );
    });
    assert.ok(receivers.length >= 3, `the receiver was restarted after each kill (seed ${seed})`);
    const status = sync.status();
    assert.equal(status.mode, 'receiver');
    assert.equal(
      statSync(join(remote.path, 'big.bin')).size,
      BIG_FILE_MB * 1024 * 1024 + 4,
      `the big file landed whole (seed ${seed})`,
    );
  } finally {
    await sync.dispose();
  }
});
