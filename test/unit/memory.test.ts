// The collection after a burst of work: garbage left by the burst is freed without any new allocation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { collectAfterBurst } from '../../server/memory.js';

test('garbage of a burst is collected once the engine is quiet', async () => {
  let burst: number[][] | undefined = Array.from({ length: 64 }, () => new Array<number>(100_000).fill(1.5));
  const during = process.memoryUsage().heapUsed;
  assert.equal(burst.length, 64);
  burst = undefined;
  collectAfterBurst(10);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = process.memoryUsage().heapUsed;
  // 64 arrays of 100,000 doubles are about 50 MiB; most of it must be gone.
  assert.ok(during - after > 30 * 1048576, `heap went from ${during} to ${after} bytes`);
});

test('the young generation a burst grew is given back', async () => {
  const newSpace = (): number =>
    getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? Number.NaN;
  // Many short-lived objects make V8 grow the young generation, and a plain full collection keeps it.
  let kept = 0;
  for (let round = 0; round < 40; round++) {
    const batch = Array.from({ length: 100_000 }, (_, i) => ({ i, path: `dir/file-${i}` }));
    kept += batch.length;
  }
  assert.equal(kept, 4_000_000);
  const grown = newSpace();
  assert.ok(grown >= 4 * 1048576, `the burst grew the young generation to ${grown} bytes`);
  collectAfterBurst(10);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(newSpace() < grown / 2, `young generation went from ${grown} to ${newSpace()} bytes`);
});
