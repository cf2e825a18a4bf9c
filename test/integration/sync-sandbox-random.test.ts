// A seeded storm of local edits synced through the real engine into a sandbox dev pod that is
// deleted twice on the way; in the end sync/verify must report zero differences.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { after, before, test } from 'node:test';
import { DevStart } from '../../protocol/dev.js';
import { SyncStatusRequest, SyncVerify } from '../../protocol/sync.js';
import type { SyncVerifyResult } from '../../protocol/sync.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, startDevCluster, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;
const folders: string[] = [];

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** mulberry32: tiny and seedable; enough to pick operations reproducibly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = Number(process.env.PODLOOP_SYNC_OPS ?? 2500);
const BIG_FILE_MB = 52;

test('thousands of seeded edits with the dev pod deleted twice end with zero differences', async (t) => {
  const seed = Number(process.env.PODLOOP_SYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (rerun with PODLOOP_SYNC_SEED=${seed})`);
  console.log(`sync-sandbox-random seed ${seed}`);
  const rand = seeded(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const bytes = (max: number): Buffer =>
    Buffer.alloc(Math.floor(rand() * max), String.fromCharCode(97 + Math.floor(rand() * 26)));

  const local = tempDir('sync-random');
  folders.push(local);
  const abs = (path: string): string => join(local, path);
  const files = new Set<string>();
  const dirs = new Set<string>(['']);
  const links = new Set<string>();
  let counter = 0;
  const fresh = (prefix: string): string => `${prefix}${counter++}`;
  const inDir = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
  const forget = (prefix: string): void => {
    for (const set of [files, dirs, links])
      for (const path of [...set]) if (path === prefix || path.startsWith(prefix + '/')) set.delete(path);
  };
  for (let i = 0; i < 60; i++) {
    const dir = i % 5 === 0 ? inDir(pick([...dirs])!, fresh('d')) : pick([...dirs])!;
    if (!dirs.has(dir)) {
      mkdirSync(abs(dir), { recursive: true });
      dirs.add(dir);
    }
    const file = inDir(dir, fresh('f') + '.txt');
    writeFileSync(abs(file), bytes(4096));
    files.add(file);
  }

  const namespace = cluster.namespace('sync-random');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  const ref = { kind: 'Deployment' as const, name: 'shop', namespace };
  const started = await engine.connection.sendRequest(DevStart.type, {
    ...ref,
    image: 'podloop/node-dev',
    remoteDir: '/app',
    localDir: local,
  });
  const deletePod = async (): Promise<void> => {
    const pods = await cluster.sandbox.kubectl([
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      'app=shop',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    for (const pod of pods.stdout.split(' ').filter(Boolean))
      await cluster.sandbox.kubectl(['delete', 'pod', '-n', namespace, pod, '--wait=false']);
  };
  assert.ok(started.session.pod);

  for (let op = 0; op < OPERATIONS; op++) {
    if (op === Math.floor(OPERATIONS / 3)) {
      const chunk = Buffer.alloc(1024 * 1024, 'b');
      chunk[0] = 1;
      const fd = openSync(abs('big.bin'), 'w');
      for (let mb = 0; mb < BIG_FILE_MB; mb++) writeSync(fd, chunk);
      closeSync(fd);
      appendFileSync(abs('big.bin'), 'tail');
      await deletePod();
    }
    if (op === Math.floor((OPERATIONS * 2) / 3)) {
      // The second restart only once sync has caught up on the first replacement.
      await waitFor(
        `sync caught up after the first restart (seed ${seed})`,
        async () => (await engine.connection.sendRequest(SyncVerify.type, ref).catch(() => undefined))?.inSync === true,
        60_000,
      );
      await deletePod();
    }
    const roll = rand();
    const file = pick([...files]);
    const dir = pick([...dirs])!;
    if (roll < 0.2 || !file) {
      const path = inDir(dir, fresh('n') + '.txt');
      writeFileSync(abs(path), bytes(8192));
      files.add(path);
    } else if (roll < 0.35) writeFileSync(abs(file), bytes(8192));
    else if (roll < 0.45) appendFileSync(abs(file), bytes(512));
    else if (roll < 0.5) truncateSync(abs(file), Math.floor(rand() * 100));
    else if (roll < 0.6) {
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
    } else if (roll < 0.77 && dir !== '') {
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
    } else if (roll < 0.8 && dir !== '') {
      rmSync(abs(dir), { recursive: true });
      forget(dir);
    } else if (roll < 0.9) chmodSync(abs(file), pick([0o644, 0o755, 0o600, 0o700])!);
    else if (roll < 0.95) {
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
    // Spread the edits over several batches rather than one burst.
    if (op % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  let last: SyncVerifyResult | undefined;
  await waitFor(
    `zero differences (seed ${seed})`,
    async () => {
      last = await engine.connection.sendRequest(SyncVerify.type, ref).catch(() => undefined);
      return last?.inSync === true;
    },
    80_000,
  ).catch(async (error: Error) => {
    const status = await engine.connection.sendRequest(SyncStatusRequest.type, ref).catch(() => undefined);
    throw new Error(
      `${error.message}; differences ${JSON.stringify(last?.differences.slice(0, 20))}; status ${JSON.stringify(status)}`,
    );
  });
  assert.equal(last?.files, files.size + 1, `every regular file, big.bin included, was compared (seed ${seed})`);
  const live = await cluster.sandbox.kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    'app=shop',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  assert.ok(!live.stdout.split(' ').includes(started.session.pod), `verified against a replacement pod (seed ${seed})`);
  const size = await cluster.sandbox.kubectl([
    'exec',
    '-n',
    namespace,
    'deploy/shop',
    '-c',
    'web',
    '--',
    'wc',
    '-c',
    '/app/big.bin',
  ]);
  assert.equal(
    size.stdout.trim().split(/\s+/)[0],
    String(BIG_FILE_MB * 1024 * 1024 + 4),
    `the big file landed whole (seed ${seed})`,
  );
});
