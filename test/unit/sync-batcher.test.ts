import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatcher, type Clock } from '../../server/sync/batcher.js';

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimer(callback, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimer(handle) {
      timers = timers.filter((timer) => timer.id !== handle);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((timer) => timer !== due);
        now = due.at;
        due.callback();
      }
      now = until;
    },
  };
}

void test('events are gathered until a quiet window passes', () => {
  const clock = fakeClock();
  let ready = 0;
  const batcher = new ChangeBatcher({ quietMs: 20, maxWaitMs: 200, clock, onReady: () => ready++ });
  batcher.add('a');
  clock.advance(10);
  batcher.add('b');
  batcher.add('a');
  clock.advance(19);
  assert.equal(ready, 0);
  clock.advance(1);
  assert.equal(ready, 1);
  assert.deepEqual(batcher.take(), { paths: ['a', 'b'], firstEventAt: 0 });
  assert.equal(batcher.take(), null);
});

void test('a steady stream of events is cut at the maximum wait', () => {
  const clock = fakeClock();
  let ready = 0;
  const batcher = new ChangeBatcher({ quietMs: 20, maxWaitMs: 100, clock, onReady: () => ready++ });
  for (let i = 0; i < 12 && ready === 0; i++) {
    batcher.add(`f${i}`);
    clock.advance(10);
  }
  assert.equal(ready, 1);
  assert.equal(clock.now(), 100);
  assert.equal(batcher.take()!.paths.length, 10);
});

void test('a batch is ready at once when it reaches the path cap', () => {
  const clock = fakeClock();
  let ready = 0;
  const batcher = new ChangeBatcher({ maxPaths: 3, clock, onReady: () => ready++ });
  batcher.add('a');
  batcher.add('b');
  assert.equal(ready, 0);
  batcher.add('c');
  assert.equal(ready, 1);
  assert.equal(batcher.isReady(), true);
});

void test('events arriving while a batch is in flight form the next batch', () => {
  const clock = fakeClock();
  let ready = 0;
  const batcher = new ChangeBatcher({ quietMs: 20, clock, onReady: () => ready++ });
  batcher.add('a');
  clock.advance(20);
  const first = batcher.take();
  batcher.add('a');
  clock.advance(5);
  assert.equal(batcher.isReady(), false);
  clock.advance(20);
  assert.equal(ready, 2);
  assert.deepEqual(first!.paths, ['a']);
  assert.deepEqual(batcher.take(), { paths: ['a'], firstEventAt: 20 });
});
