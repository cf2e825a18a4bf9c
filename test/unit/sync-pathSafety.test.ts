import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinkTarget, checkRelativePath, safeRelativePath } from '../../server/sync/pathSafety.js';

void test('relative paths are normalised', () => {
  assert.equal(safeRelativePath('a//b/./c/'), 'a/b/c');
  assert.equal(safeRelativePath('./x'), 'x');
  assert.equal(safeRelativePath('..foo/bar..'), '..foo/bar..');
});

void test('paths that could leave the root or confuse the receiver are refused', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['.', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows', 'absolute'],
    ['../evil', 'parent'],
    ['a/../../evil', 'parent'],
    ['a/..', 'parent'],
    ['a\\..\\..\\evil', 'backslash'],
    ['a\0b', 'nul'],
    ['a\nb', 'control'],
  ];
  for (const [input, reason] of cases) {
    assert.deepEqual(checkRelativePath(input), { ok: false, reason }, JSON.stringify(input));
  }
});

void test('symlink targets must stay inside the synced root', () => {
  assert.deepEqual(checkLinkTarget('a/link', 'b'), { ok: true });
  assert.deepEqual(checkLinkTarget('a/b/link', '../../top'), { ok: true });
  assert.deepEqual(checkLinkTarget('a/link', '../../outside'), { ok: false, reason: 'link-escape' });
  assert.deepEqual(checkLinkTarget('link', '..'), { ok: false, reason: 'link-escape' });
  assert.deepEqual(checkLinkTarget('link', '/etc'), { ok: false, reason: 'link-absolute' });
  assert.deepEqual(checkLinkTarget('link', 'a\\..\\..'), { ok: false, reason: 'backslash' });
});
