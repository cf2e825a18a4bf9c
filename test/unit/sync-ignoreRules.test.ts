import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIgnoreRules } from '../../server/sync/ignoreRules.js';

function tree(files: Record<string, string>): { root: string; [Symbol.dispose](): void } {
  const root = mkdtempSync(join(tmpdir(), 'podloop-ignore-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { root, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}

void test('nested .gitignore rules apply relative to their folder and deeper rules win', () => {
  using t = tree({
    '.gitignore': '*.log\nbuild/\n',
    'pkg/.gitignore': '!keep.log\n/local.txt\n',
    'pkg/sub/.gitignore': 'generated/\n',
  });
  const rules = createIgnoreRules(t.root);
  assert.equal(rules.isIgnored('app.log', false), true);
  assert.equal(rules.isIgnored('pkg/other.log', false), true);
  assert.equal(rules.isIgnored('pkg/keep.log', false), false, 'negation in a deeper .gitignore re-includes');
  assert.equal(rules.isIgnored('pkg/local.txt', false), true);
  assert.equal(rules.isIgnored('local.txt', false), false, 'anchored rule only applies in its own folder');
  assert.equal(rules.isIgnored('pkg/sub/local.txt', false), false);
  assert.equal(rules.isIgnored('build', true), true);
  assert.equal(rules.isIgnored('build', false), false, 'a directory-only rule does not match a file');
  assert.equal(rules.isIgnored('build/out.js', false), true, 'contents of an ignored folder are ignored');
  assert.equal(rules.isIgnored('pkg/sub/generated/x.ts', false), true);
  assert.equal(rules.isIgnored('pkg/generated/x.ts', false), false);
  assert.equal(rules.isIgnored('src/main.ts', false), false);
});

void test('.git and node_modules are excluded unless included; include re-admits', () => {
  using t = tree({ '.gitignore': 'dist/\n' });
  const plain = createIgnoreRules(t.root);
  assert.equal(plain.isIgnored('.git', true), true);
  assert.equal(plain.isIgnored('.git/HEAD', false), true);
  assert.equal(plain.isIgnored('web/node_modules/x/index.js', false), true);
  const included = createIgnoreRules(t.root, { include: ['node_modules/shared/', 'dist/'] });
  assert.equal(included.isIgnored('node_modules', true), false, 'walked to reach the included folder');
  assert.equal(included.isIgnored('node_modules/shared/index.js', false), false);
  assert.equal(included.isIgnored('node_modules/other/index.js', false), true);
  assert.equal(included.isIgnored('dist/app.js', false), false, 'include beats .gitignore');
});

void test('.podloop/ignore and config excludes add rules, and edits to ignore files are picked up', () => {
  using t = tree({ '.podloop/ignore': 'secrets/\n', '.gitignore': 'tmp\n' });
  const rules = createIgnoreRules(t.root, { exclude: ['*.bin'] });
  assert.equal(rules.isIgnored('secrets/key.pem', false), true);
  assert.equal(rules.isIgnored('data/blob.bin', false), true);
  assert.equal(rules.isIgnored('tmp', false), true);
  assert.equal(rules.isIgnored('notes.md', false), false);
  writeFileSync(join(t.root, '.gitignore'), 'notes.md\n');
  rules.noteChange('.gitignore');
  assert.equal(rules.isIgnored('notes.md', false), true);
  assert.equal(rules.isIgnored('tmp', false), false);
});
