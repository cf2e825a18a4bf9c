import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { SyncSession } from '../../server/sync/syncSession.js';
import { localProcessTransport, type SyncChannel, type SyncTransport } from '../../server/sync/transport.js';
import { tempDir, waitFor } from './sync-helpers.js';

// mulberry32: small, seedable, good enough to pick operations.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = Number(process.env.PODLOOP_SYNC_OPS ?? 400);
const BIG_FILE_MB = 60;

void test('randomized edits with the receiver killed twice end with zero differences', async (t) => {
  const seed = Number(process.env.PODLOOP_SYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (rerun with PODLOOP_SYNC_SEED=${seed})`);
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const bytes = (max: number, exact = false): Buffer => {
    const buffer = Buffer.alloc(exact ? max : Math.floor(rand() * max));
    for (let i = 0; i < buffer.length; i++) buffer[i] = 32 + Math.floor(rand() * 90);
    return buffer;
  };

  using local = tempDir('podloop-random-local-');
  using remote = tempDir('podloop-random-remote-');
  const files = new Set<string>();
  const dirs = new Set<string>(['']);
  const links = new Set<string>();
  let counter = 0;
  const abs = (path: string): string => join(local.path, path);
  const fresh = (prefix: string): string => `${prefix}${counter++}`;
  const inDir = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
  const forget = (prefix: string): void => {
    for (const set of [files, dirs, links])
      for (const path of [...set]) if (path === prefix || path.startsWith(prefix + '/')) set.delete(path);
  };

  for (let i = 0; i < 40; i++) {
    const dir = i % 4 === 0 ? inDir(pick([...dirs])!, fresh('d')) : pick([...dirs])!;
    if (!dirs.has(dir)) {
      mkdirSync(abs(dir), { recursive: true });
      dirs.add(dir);
    }
    const file = inDir(dir, fresh('f') + '.txt');
    writeFileSync(abs(file), bytes(4096));
    files.add(file);
  }

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
      const roll = rand();
      const file = pick([...files]);
      const dir = pick([...dirs])!;
      if (roll < 0.2 || !file) {
        const path = inDir(dir, fresh('n') + '.txt');
        writeFileSync(abs(path), bytes(8192));
        files.add(path);
      } else if (roll < 0.35) {
        writeFileSync(abs(file), bytes(8192));
      } else if (roll < 0.45) {
        appendFileSync(abs(file), bytes(512));
      } else if (roll < 0.5) {
        truncateSync(abs(file), Math.floor(rand() * 100));
      } else if (roll < 0.6) {
        rmSync(abs(file));
        files.delete(file);
      } else if (roll < 0.68) {
        const target = inDir(dir, fresh('r') + '.txt');
        renameSync(abs(file), abs(target));
        files.delete(file);
        files.add(target);
      } else if (roll < 0.74) {
        const path = inDir(dir, fresh('d'));
        mkdirSync(abs(path));
        dirs.add(path);
      } else if (roll < 0.78 && dir !== '') {
        const target = fresh('moved');
        renameSync(abs(dir), abs(target));
        for (const set of [files, dirs, links]) {
          for (const path of [...set]) {
            if (path === dir || path.startsWith(dir + '/')) {
              set.delete(path);
              set.add(target + path.slice(dir.length));
            }
          }
        }
      } else if (roll < 0.81 && dir !== '') {
        rmSync(abs(dir), { recursive: true });
        forget(dir);
      } else if (roll < 0.9) {
        chmodSync(abs(file), pick([0o644, 0o755, 0o600, 0o700])!);
      } else if (roll < 0.95) {
        const path = inDir(dir, fresh('l'));
        symlinkSync(posix.relative(dir, file), abs(path));
        links.add(path);
      } else {
        const link = pick([...links]);
        if (link) {
          rmSync(abs(link));
          links.delete(link);
        }
      }
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
