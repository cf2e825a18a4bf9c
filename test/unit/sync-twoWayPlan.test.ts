import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry, Manifest } from '../../server/sync/manifest.js';
import {
  conflictName,
  containerChanges,
  describeConflict,
  folderCandidates,
  foldersAbove,
  planPull,
  prunableFolders,
  sameLooking,
  withFolderConflicts,
  withPaths,
} from '../../server/sync/twoWayPlan.js';

const T = 1_700_000_000_000;
function file(path: string, size: number, mtimeMs = T, mode = 0o644): Entry {
  return { path, type: 'file', size, mode, mtimeMs };
}
function dir(path: string): Entry {
  return { path, type: 'dir', size: 0, mode: 0o755, mtimeMs: T };
}
function link(path: string, linkTarget: string): Entry {
  return { path, type: 'symlink', size: 0, mode: 0o777, mtimeMs: T, linkTarget };
}
function manifest(...entries: Entry[]): Manifest {
  return new Map(entries.map((entry) => [entry.path, entry]));
}
const nothingIgnored = (): boolean => false;

void test('a file the engine pushed is no container change, though tar truncated its mtime', () => {
  const pushed = file('a.txt', 5, T + 731.5);
  const remote = manifest(file('a.txt', 5, T));
  const changes = containerChanges(remote, manifest(pushed), new Map(), nothingIgnored);
  assert.deepEqual(changes.changed, []);
  assert.deepEqual(changes.removed, []);
  assert.deepEqual(changes.settled, [file('a.txt', 5, T)]);
});

void test('a container write within the second of a push, same size, is a change when mtimes are finer than seconds', () => {
  const pushed = file('a.txt', 5, T + 200);
  const changes = containerChanges(manifest(file('a.txt', 5, T + 600.25)), manifest(pushed), new Map(), nothingIgnored);
  assert.deepEqual(
    changes.changed.map((entry) => entry.path),
    ['a.txt'],
  );
});

void test('after a scan, a rewrite within the same second and with the same size is still a change', () => {
  const seen = new Map([['a.txt', file('a.txt', 5, T + 100)]]);
  const known = manifest(file('a.txt', 5, T + 20));
  const changes = containerChanges(manifest(file('a.txt', 5, T + 900)), known, seen, nothingIgnored);
  assert.deepEqual(
    changes.changed.map((entry) => entry.path),
    ['a.txt'],
  );
});

void test('new, edited, re-linked and removed container entries are changes; ignored ones never', () => {
  const known = manifest(dir('src'), file('src/a.js', 3), link('cur', 'src'), file('gone.txt', 1), dir('old'));
  const remote = manifest(
    dir('src'),
    file('src/a.js', 4),
    link('cur', 'src/a.js'),
    file('new.txt', 1),
    dir('node_modules'),
    file('node_modules/x.js', 1),
  );
  const isIgnored = (path: string): boolean => path === 'node_modules' || path.startsWith('node_modules/');
  const changes = containerChanges(remote, known, new Map(), isIgnored);
  assert.deepEqual(changes.changed.map((entry) => entry.path).sort(), ['cur', 'new.txt', 'src/a.js']);
  assert.deepEqual(changes.removed, ['old', 'gone.txt']);
});

void test('a container change to a path unchanged locally is pulled in place', () => {
  const known = manifest(file('a.txt', 3));
  const plan = planPull(
    { changed: [file('a.txt', 9, T + 5000)], removed: [] },
    new Map([['a.txt', file('a.txt', 3)]]),
    known,
  );
  assert.deepEqual(plan.fetch, [{ entry: file('a.txt', 9, T + 5000), to: 'a.txt' }]);
  assert.deepEqual(plan.conflicts, []);
  assert.deepEqual(plan.push, []);
});

void test('both sides changed: the newer container write wins, the local one moves to NAME.conflict', () => {
  const plan = planPull(
    { changed: [file('a.txt', 9, T + 9000)], removed: [] },
    new Map([['a.txt', file('a.txt', 4, T + 5000)]]),
    manifest(file('a.txt', 3)),
  );
  assert.deepEqual(plan.keepLocal, [{ path: 'a.txt', to: 'a.txt.conflict' }]);
  assert.deepEqual(plan.fetch, [{ entry: file('a.txt', 9, T + 9000), to: 'a.txt' }]);
  assert.deepEqual(plan.conflicts, [{ path: 'a.txt', winner: 'container', rule: 'newer', copy: 'a.txt.conflict' }]);
});

void test('both sides changed: the newer local write wins and the container version is fetched as the copy', () => {
  const plan = planPull(
    { changed: [file('a.txt', 9, T + 5000)], removed: [] },
    new Map([['a.txt', file('a.txt', 4, T + 9000)]]),
    manifest(file('a.txt', 3)),
    (path) => conflictName(path, 2),
  );
  assert.deepEqual(plan.keepLocal, []);
  assert.deepEqual(plan.fetch, [{ entry: file('a.txt', 9, T + 5000), to: 'a.txt.conflict.2' }]);
  assert.deepEqual(plan.push, ['a.txt']);
  assert.deepEqual(plan.conflicts, [{ path: 'a.txt', winner: 'local', rule: 'newer', copy: 'a.txt.conflict.2' }]);
});

void test('equal mtimes on both sides: the local version wins', () => {
  const plan = planPull(
    { changed: [file('a.txt', 9, T + 5000)], removed: [] },
    new Map([['a.txt', file('a.txt', 4, T + 5000)]]),
    manifest(file('a.txt', 3)),
  );
  assert.equal(plan.conflicts[0]?.winner, 'local');
});

void test('an edit beats a deletion on either side', () => {
  const known = manifest(file('edited-here.txt', 1), file('edited-there.txt', 1));
  const plan = planPull(
    { changed: [file('edited-there.txt', 7, T + 5000)], removed: ['edited-here.txt'] },
    new Map<string, Entry | null>([
      ['edited-here.txt', file('edited-here.txt', 8, T + 5000)],
      ['edited-there.txt', null],
    ]),
    known,
  );
  assert.deepEqual(plan.push, ['edited-here.txt']);
  assert.deepEqual(
    plan.fetch.map((item) => item.to),
    ['edited-there.txt'],
  );
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(plan.conflicts, []);
});

void test('a container deletion removes unchanged local entries, deepest first', () => {
  const known = manifest(dir('out'), file('out/a.js', 1), file('out/b.js', 2));
  const plan = planPull(
    { changed: [], removed: ['out/b.js', 'out/a.js', 'out'] },
    new Map([
      ['out', dir('out')],
      ['out/a.js', file('out/a.js', 1)],
      ['out/b.js', file('out/b.js', 2)],
    ]),
    known,
  );
  assert.deepEqual(
    plan.remove.map((entry) => entry.path),
    ['out/b.js', 'out/a.js', 'out'],
  );
});

void test('the same content on both sides needs no action; a new container folder is created', () => {
  const plan = planPull(
    { changed: [file('same.txt', 2, T + 5000), dir('gen')], removed: [] },
    new Map<string, Entry | null>([
      ['same.txt', file('same.txt', 2, T + 5400)],
      ['gen', null],
    ]),
    manifest(),
  );
  assert.deepEqual(
    plan.same.map((entry) => entry.path),
    ['same.txt'],
  );
  assert.deepEqual(plan.mkdirs, [dir('gen')]);
  assert.deepEqual(plan.conflicts, []);
});

void test('same-looking files whose content differs are a conflict, not the same', () => {
  const changed = [file('a.txt', 2, T + 5000), file('b.txt', 2, T + 5000)];
  const local = new Map<string, Entry | null>([
    ['a.txt', file('a.txt', 2, T + 5400)],
    ['b.txt', file('b.txt', 3, T + 5400)],
  ]);
  assert.deepEqual(sameLooking(changed, local), ['a.txt']);
  const known = manifest(file('a.txt', 1), file('b.txt', 3, T + 5400));
  const plan = planPull({ changed, removed: [] }, local, known, conflictName, new Set(['a.txt']));
  assert.deepEqual(plan.same, []);
  assert.deepEqual(plan.conflicts, [{ path: 'a.txt', winner: 'local', rule: 'newer', copy: 'a.txt.conflict' }]);
});

void test('a container folder where a changed local file stands wins, the file is kept as its copy', () => {
  const plan = planPull(
    { changed: [dir('x')], removed: [] },
    new Map([['x', file('x', 4, T + 9000)]]),
    manifest(file('x', 3)),
  );
  assert.deepEqual(plan.keepLocal, [{ path: 'x', to: 'x.conflict' }]);
  assert.deepEqual(plan.mkdirs, [dir('x')]);
});

void test('a container folder above a new entry with no local place is a candidate, outermost first', () => {
  const scanned = manifest(dir('gen'), dir('gen/sub'), file('gen/sub/new.out', 1), dir('cache'), file('top.txt', 1));
  const local = new Map<string, Entry | null>([
    ['gen/sub/new.out', null],
    ['top.txt', null],
  ]);
  const changed = [file('gen/sub/new.out', 1), file('top.txt', 1)];
  assert.deepEqual(folderCandidates(changed, local, scanned, ['cache', 'gone']), ['cache', 'gen', 'gen/sub']);
  const placed = new Map<string, Entry | null>([['gen/sub/new.out', file('gen/sub/new.out', 2)]]);
  assert.deepEqual(folderCandidates([file('gen/sub/new.out', 1)], placed, scanned, []), []);
});

void test('a folder that beats a local file brings what the container wrote in it, not what it left as synced', () => {
  const known = manifest(dir('gen'), file('gen/old.out', 1), dir('gen/sub'), file('gen/sub/older.out', 1));
  const scanned = manifest(
    dir('gen'),
    file('gen/old.out', 1),
    dir('gen/sub'),
    file('gen/sub/older.out', 1),
    file('gen/sub/seen.out', 2),
    file('gen/sub/changed.out', 3),
    file('gen/debug.log', 4),
    file('other.txt', 5),
  );
  const changes = { changed: [file('gen/sub/changed.out', 3)], removed: [], settled: [] };
  const isIgnored = (path: string): boolean => path.endsWith('.log');
  const withFolders = withFolderConflicts(changes, scanned, known, ['gen'], isIgnored);
  assert.deepEqual(withFolders.changed.map((entry) => entry.path).sort(), [
    'gen',
    'gen/sub/changed.out',
    'gen/sub/seen.out',
  ]);
  const plan = planPull(
    withFolders,
    new Map<string, Entry | null>([
      ['gen', file('gen', 7, T + 9000)],
      ['gen/sub/changed.out', null],
      ['gen/sub/seen.out', null],
    ]),
    known,
  );
  assert.deepEqual(plan.keepLocal, [{ path: 'gen', to: 'gen.conflict' }]);
  assert.deepEqual(plan.mkdirs, [dir('gen')]);
  assert.deepEqual(plan.fetch.map((item) => item.to).sort(), ['gen/sub/changed.out', 'gen/sub/seen.out']);
  assert.deepEqual(plan.conflicts, [{ path: 'gen', winner: 'container', rule: 'folder', copy: 'gen.conflict' }]);
  assert.match(describeConflict(plan.conflicts[0]!), /the container folder stays \(a folder beats a file\)/);
  assert.equal(withFolderConflicts(changes, scanned, known, [], isIgnored), changes);
});

void test('the folders above written paths are listed once each, parents first', () => {
  assert.deepEqual(foldersAbove(['gen/sub/a.out', 'gen/b.out', 'top.txt', 'gen/sub/c.out']), ['gen', 'gen/sub']);
});

void test('a path found in the way of a batch counts as changed even when an earlier scan saw it', () => {
  const scanned = manifest(file('gen', 4), file('a.txt', 1));
  const changes = { changed: [file('a.txt', 1)], removed: [], settled: [] };
  assert.deepEqual(
    withPaths(changes, scanned, ['gen', 'a.txt', 'gone']).changed.map((entry) => entry.path),
    ['a.txt', 'gen'],
  );
  assert.equal(withPaths(changes, scanned, ['a.txt']), changes);
});

void test('conflict copies are named NAME.conflict, then NAME.conflict.2', () => {
  assert.equal(conflictName('src/a.txt'), 'src/a.txt.conflict');
  assert.equal(conflictName('src/a.txt', 2), 'src/a.txt.conflict.2');
});

void test('a scan skips the outermost ignored folders, never one whose name find would read as a pattern', () => {
  const ignored = new Set(['node_modules', 'node_modules/dep', 'web/node_modules', 'gen[1]', '.git']);
  const isIgnored = (path: string): boolean => ignored.has(path);
  assert.deepEqual(
    prunableFolders(['node_modules/dep', 'node_modules', 'web/node_modules', 'gen[1]', 'src', '.git'], isIgnored),
    ['.git', 'node_modules', 'web/node_modules'],
  );
});
