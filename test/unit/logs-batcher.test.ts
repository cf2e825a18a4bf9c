// The log batcher's bounds (waiting producers, counted drops, one end) and the resume cursor that
// keeps a reconnect with sinceTime from repeating lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLinesParams } from '../../protocol/logs.js';
import { LogBatcher } from '../../server/logs/batcher.js';
import { advanceCursor, compareTimes, LineSplitter, parseTimedLine } from '../../server/logs/lines.js';
import type { LogCursor } from '../../server/logs/lines.js';

const line = (text: string) => ({ pod: 'p', container: 'c', text });

/** A client that holds every batch until released. */
function slowClient() {
  const sent: LogLinesParams[] = [];
  const pending: (() => void)[] = [];
  return {
    sent,
    send: (params: LogLinesParams) =>
      new Promise<void>((resolve) => {
        sent.push(params);
        pending.push(resolve);
      }),
    releaseAll: () => {
      for (const release of pending.splice(0)) release();
    },
  };
}

void test('a full batcher counts the lines it cannot take and reports them with the next batch', async () => {
  const client = slowClient();
  const batcher = new LogBatcher({ streamId: 's', send: client.send, maxLines: 4, maxBatch: 2, intervalMs: 1 });
  const accepted = [1, 2, 3, 4, 5, 6].map((n) => batcher.offer(line(String(n))));
  assert.deepEqual(accepted, [true, true, true, true, false, false]);
  client.releaseAll();
  await new Promise((resolve) => setTimeout(resolve, 10));
  batcher.end();
  const texts = client.sent.flatMap((batch) => batch.lines.map((entry) => entry.text));
  assert.deepEqual(texts, ['1', '2', '3', '4']);
  assert.equal(
    client.sent.reduce((sum, batch) => sum + (batch.dropped ?? 0), 0),
    2,
  );
  assert.equal(batcher.droppedTotal, 2);
  assert.equal(client.sent.filter((batch) => batch.end === true).length, 1);
});

void test('a producer that waits for room loses nothing', async () => {
  const client = slowClient();
  const batcher = new LogBatcher({ streamId: 's', send: client.send, maxLines: 3, maxBatch: 2, intervalMs: 1 });
  const producing = (async () => {
    for (let n = 1; n <= 20; n++) await batcher.push(line(String(n)));
  })();
  for (let round = 0; round < 100 && client.sent.flatMap((batch) => batch.lines).length < 20; round++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    client.releaseAll();
  }
  await producing;
  batcher.end();
  const texts = client.sent.flatMap((batch) => batch.lines.map((entry) => entry.text));
  assert.deepEqual(
    texts,
    Array.from({ length: 20 }, (_, i) => String(i + 1)),
  );
  assert.equal(batcher.droppedTotal, 0);
});

void test('after a reconnect from the cursor time, lines already sent are skipped and new ones kept', () => {
  const times = ['2024-01-01T00:00:01.5Z', '2024-01-01T00:00:02Z', '2024-01-01T00:00:02Z'];
  let cursor: LogCursor | undefined;
  let seen = 0;
  for (const time of times) ({ cursor, seenAtCursorTime: seen } = advanceCursor(cursor, seen, time));
  assert.deepEqual(cursor, { time: '2024-01-01T00:00:02Z', countAtTime: 2 });
  // The API resends from the cursor's second (sinceTime), then new lines follow.
  const resent = [
    '2024-01-01T00:00:02.000000000Z',
    '2024-01-01T00:00:02Z',
    '2024-01-01T00:00:02Z',
    '2024-01-01T00:00:03Z',
  ];
  seen = 0;
  const fresh = resent.map((time) => {
    const step = advanceCursor(cursor, seen, time);
    cursor = step.cursor;
    seen = step.seenAtCursorTime;
    return step.fresh;
  });
  assert.deepEqual(fresh, [false, false, true, true]);
  assert.equal(compareTimes('2024-01-01T00:00:01.9Z', '2024-01-01T00:00:01.10Z'), 1);
});

void test('chunks split into timestamped lines, a partial line waits for its end', () => {
  const splitter = new LineSplitter();
  assert.deepEqual(splitter.push('2024-01-01T00:00:01.123456789Z hello wor'), []);
  assert.deepEqual(splitter.push('ld\nno timestamp\n').map(parseTimedLine), [
    { time: '2024-01-01T00:00:01.123456789Z', text: 'hello world' },
    { time: '', text: 'no timestamp' },
  ]);
  assert.deepEqual(splitter.flush(), []);
});
