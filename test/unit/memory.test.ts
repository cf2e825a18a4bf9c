// The collection after a burst of work: garbage left by the burst is freed without any new allocation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
