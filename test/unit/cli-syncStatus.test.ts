import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSync } from '../../clients/cli/commands/dev.js';
import type { SyncStatus } from '../../protocol/sync.js';

const base: SyncStatus = {
  state: 'idle',
  pendingFiles: 0,
  pendingBytes: 0,
  totals: { files: 3, bytes: 30, batches: 1 },
};

void test('sync status names two-way pulls and conflicts, and says nothing of them in one-way sync', () => {
  assert.equal(describeSync(base), 'sync idle: 0 files pending\n');
  assert.equal(
    describeSync({ ...base, pulledFiles: 4, conflicts: 2, lastConflicts: ['a.txt', 'src/b.js'] }),
    'sync idle: 0 files pending; two-way: 4 files pulled, 2 conflicts (last: a.txt, src/b.js)\n',
  );
});
