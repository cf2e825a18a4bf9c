import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffManifests } from '../../server/sync/diff.js';
import type { Entry, Manifest } from '../../server/sync/manifest.js';
import { chunkPlan, listedRemovals } from '../../server/sync/syncSession.js';

const T = 1_700_000_000_000;
function file(path: string, size: number, mtimeMs = T, mode = 0o644): Entry {
  return { path, type: 'file', size, mode, mtimeMs };
}
function dir(path: string, mode = 0o755): Entry {
  return { path, type: 'dir', size: 0, mode, mtimeMs: T };
}
function link(path: string, linkTarget: string): Entry {
  return { path, type: 'symlink', size: 0, mode: 0o777, mtimeMs: T, linkTarget };
}
function manifest(...entries: Entry[]): Manifest {
  return new Map(entries.map((entry) => [entry.path, entry]));
}

void test('an identical tree needs nothing, even with sub-second mtime differences', () => {
  const local = manifest(dir('a'), file('a/x', 10, T + 400), link('l', 'a/x'));
  const remote = manifest(dir('a'), file('a/x', 10, T), link('l', 'a/x'));
  assert.deepEqual(diffManifests(local, remote), { send: [], remove: [], hashNeeded: [] });
});

void test('new, resized and re-moded files are sent; remote-only paths are removed minimally', () => {
  const local = manifest(dir('a'), file('a/new', 1), file('a/grown', 20), file('a/exec', 5, T, 0o755));
  const remote = manifest(
    dir('a'),
    file('a/grown', 10),
    file('a/exec', 5),
    dir('gone'),
    file('gone/1', 1),
    file('gone/2', 1),
    file('stale', 3),
  );
  const plan = diffManifests(local, remote);
  assert.deepEqual(
    plan.send.map((e) => e.path),
    ['a/exec', 'a/grown', 'a/new'],
  );
  assert.deepEqual(plan.remove, ['gone', 'stale']);
  assert.deepEqual(plan.hashNeeded, []);
});

void test('same size but a different mtime asks for hashes, and hashes decide', () => {
  const local = manifest(file('same', 4, T + 5000), file('changed', 4, T + 5000));
  const remote = manifest(file('same', 4), file('changed', 4));
  assert.deepEqual(diffManifests(local, remote).hashNeeded, ['changed', 'same']);
  const hashes = {
    local: new Map([
      ['same', 'aa'],
      ['changed', 'bb'],
    ]),
    remote: new Map([
      ['same', 'aa'],
      ['changed', 'cc'],
    ]),
  };
  const plan = diffManifests(local, remote, hashes);
  assert.deepEqual(
    plan.send.map((e) => e.path),
    ['changed'],
  );
  assert.deepEqual(plan.hashNeeded, []);
});

void test('a type change or a retargeted link is removed before being sent', () => {
  const local = manifest(file('was-dir', 1), dir('was-file'), link('l', 'b'));
  const remote = manifest(dir('was-dir'), file('was-dir/inner', 1), file('was-file', 1), link('l', 'a'));
  const plan = diffManifests(local, remote);
  assert.deepEqual(plan.remove, ['l', 'was-dir', 'was-file']);
  assert.deepEqual(
    plan.send.map((e) => e.path),
    ['l', 'was-dir', 'was-file'],
  );
});

void test('a plan is split into batches by bytes and files, removals in the first', () => {
  const send = [file('a', 60), file('b', 60), file('c', 10), file('d', 10), file('e', 10)];
  const chunks = chunkPlan({ send, remove: ['old'] }, 100, 2);
  assert.deepEqual(
    chunks.map((c) => c.entries.map((e) => e.path)),
    [['a'], ['b', 'c'], ['d', 'e']],
  );
  assert.deepEqual(
    chunks.map((c) => c.remove),
    [['old'], [], []],
  );
  assert.deepEqual(chunkPlan({ send: [], remove: ['x'] }, 100, 2), [{ remove: ['x'], entries: [] }]);
  assert.deepEqual(chunkPlan({ send: [], remove: [] }, 100, 2), []);
});

void test('live sync compares mtimes exactly: a same-size rewrite within the same second is sent', () => {
  const local = manifest(file('f', 4, T + 700));
  const known = manifest(file('f', 4, T + 200));
  assert.deepEqual(diffManifests(local, known).hashNeeded, []);
  assert.deepEqual(diffManifests(local, known, undefined, { exactMtime: true }).hashNeeded, ['f']);
});

void test('a two-way removal lists every known path below a removed folder, deepest first', () => {
  const known = manifest(dir('gen'), dir('gen/sub'), file('gen/sub/a.out', 1), file('gen-x', 1), file('keep.txt', 1));
  assert.deepEqual(listedRemovals(known, ['gen', 'gone.txt']), ['gone.txt', 'gen/sub/a.out', 'gen/sub', 'gen']);
});
