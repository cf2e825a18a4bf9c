// A seeded storm of local edits synced through the real engine into a sandbox dev pod that is
// deleted twice on the way; in the end sync/verify must report zero differences.
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { DevStart } from '../../protocol/dev.js';
import { SyncStatusRequest, SyncVerify } from '../../protocol/sync.js';
import type { SyncVerifyResult } from '../../protocol/sync.js';
import { seededRandom } from '../helpers/random.js';
import { randomTree } from '../helpers/randomTree.js';
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

const OPERATIONS = Number(process.env.PODLOOP_SYNC_OPS ?? 2500);
const BIG_FILE_MB = 52;

test('thousands of seeded edits with the dev pod deleted twice end with zero differences', async (t) => {
  const seed = Number(process.env.PODLOOP_SYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (rerun with PODLOOP_SYNC_SEED=${seed})`);
  console.log(`sync-sandbox-random seed ${seed}`);
  const rand = seededRandom(seed);
  const local = tempDir('sync-random');
  folders.push(local);
  const tree = randomTree(local, rand);
  const { abs, files } = tree;
  tree.populate(60, 5);

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
    tree.mutate();
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
