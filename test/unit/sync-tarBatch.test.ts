import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import tarStream from 'tar-stream';
import type { Entry } from '../../server/sync/manifest.js';
import { RECEIVER_SCRIPT } from '../../server/sync/receiver/receiverScript.js';
import { batchDirectories, tarStreamSize, writeTar } from '../../server/sync/tarBatch.js';
import { tempDir } from '../integration/sync-helpers.js';

// Copies each chunk: the tar writer reuses a frame once its write callback ran.
class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback();
  }
}

void test('the announced tar length matches the stream for short, long, non-ASCII names and long links', async () => {
  using root = tempDir('podloop-tar-');
  const long = 'd'.repeat(90) + '/' + 'e'.repeat(60) + '/' + 'f'.repeat(99);
  const names = ['a.txt', 'ünïcode.txt', 'x'.repeat(101), long, 'g'.repeat(120) + '/h.txt'];
  const entries: Entry[] = [];
  for (const [i, name] of names.entries()) {
    const size = i * 700;
    entries.push({ path: name, type: 'file', size, mode: 0o644, mtimeMs: 1_700_000_000_000 });
    mkdirSync(join(root.path, name, '..'), { recursive: true });
    writeFileSync(join(root.path, name), Buffer.alloc(size, 1));
  }
  entries.push({ path: 'dir-' + 'q'.repeat(150), type: 'dir', size: 0, mode: 0o755, mtimeMs: 1_700_000_000_000 });
  entries.push({
    path: 'link',
    type: 'symlink',
    size: 0,
    mode: 0o777,
    mtimeMs: 1_700_000_000_000,
    linkTarget: 't/'.repeat(70),
  });
  const out = new Collect();
  const result = await writeTar(root.path, entries, out);
  const bytes = Buffer.concat(out.chunks);
  assert.equal(result.tarBytes, bytes.length);
  assert.equal(tarStreamSize(entries), bytes.length);
  assert.deepEqual(result.changedWhileSending, []);

  const seen: string[] = [];
  const extract = tarStream.extract();
  const parsed = (async () => {
    for await (const entry of extract as AsyncIterable<{ header: { name: string }; resume(): void }>) {
      seen.push(entry.header.name.replace(/\/$/, ''));
      entry.resume();
    }
  })();
  extract.end(bytes);
  await parsed;
  assert.deepEqual(
    seen,
    entries.map((entry) => entry.path),
  );
});

void test('a file that shrinks while sent keeps the frame length and is reported for resending', async () => {
  using root = tempDir('podloop-tar-');
  writeFileSync(join(root.path, 'f'), 'short');
  const entries: Entry[] = [{ path: 'f', type: 'file', size: 5000, mode: 0o644, mtimeMs: Date.now() }];
  const out = new Collect();
  const result = await writeTar(root.path, entries, out);
  assert.equal(result.tarBytes, tarStreamSize(entries));
  assert.deepEqual(result.changedWhileSending, ['f']);
});

void test('the system tar extracts every kind of entry with its content, mode and mtime', async () => {
  using root = tempDir('podloop-tar-');
  using out = tempDir('podloop-untar-');
  const mtimeMs = 1_700_000_123_000;
  const long = 'l'.repeat(80) + '/' + 'm'.repeat(80) + '/n.txt';
  const files: [string, number, number][] = [
    ['empty', 0, 0o644],
    ['one-block', 512, 0o600],
    ['run.sh', 700, 0o755],
    ['ünïcode.txt', 33, 0o644],
    [long, 1500, 0o644],
    // Larger than one frame: read in pieces across frame boundaries.
    ['big.bin', 2.5 * 1024 * 1024 + 7, 0o644],
  ];
  const entries: Entry[] = [{ path: 'sub', type: 'dir', size: 0, mode: 0o750, mtimeMs }];
  mkdirSync(join(root.path, 'sub'));
  for (const [name, size, mode] of files) {
    mkdirSync(join(root.path, name, '..'), { recursive: true });
    const content = Buffer.alloc(size);
    for (let i = 0; i < size; i++) content[i] = (i * 7 + name.length) & 0xff;
    writeFileSync(join(root.path, name), content);
    entries.push({ path: name, type: 'file', size, mode, mtimeMs });
  }
  entries.push({ path: 'sub/link', type: 'symlink', size: 0, mode: 0o777, mtimeMs, linkTarget: '../run.sh' });
  entries.push({
    path: 'deep-link',
    type: 'symlink',
    size: 0,
    mode: 0o777,
    mtimeMs,
    linkTarget: 'x/'.repeat(60) + 'y',
  });
  const collected = new Collect();
  const result = await writeTar(root.path, entries, collected);
  assert.equal(result.tarBytes, tarStreamSize(entries));
  const untar = spawnSync('tar', ['-x', '-p', '-f', '-', '-C', out.path], { input: Buffer.concat(collected.chunks) });
  assert.equal(untar.status, 0, untar.stderr.toString());
  for (const [name, size, mode] of files) {
    const stats = lstatSync(join(out.path, name));
    assert.equal(stats.size, size, name);
    assert.equal(stats.mode & 0o7777, mode, name);
    assert.equal(Math.floor(stats.mtimeMs / 1000), mtimeMs / 1000, name);
    assert.ok(readFileSync(join(out.path, name)).equals(readFileSync(join(root.path, name))), name);
  }
  assert.equal(lstatSync(join(out.path, 'sub')).mode & 0o7777, 0o750);
  assert.equal(readlinkSync(join(out.path, 'sub/link')), '../run.sh');
  assert.equal(readlinkSync(join(out.path, 'deep-link')), 'x/'.repeat(60) + 'y');
});

void test('a file that grows while sent keeps the frame length and is reported for resending', async () => {
  using root = tempDir('podloop-tar-');
  writeFileSync(join(root.path, 'f'), 'a longer content than announced');
  const entries: Entry[] = [{ path: 'f', type: 'file', size: 4, mode: 0o644, mtimeMs: Date.now() }];
  const out = new Collect();
  const result = await writeTar(root.path, entries, out);
  assert.equal(result.tarBytes, tarStreamSize(entries));
  assert.equal(Buffer.concat(out.chunks).length, tarStreamSize(entries));
  assert.deepEqual(result.changedWhileSending, ['f']);
});

void test('only the deepest directories of a batch are checked', () => {
  const entry = (path: string, type: Entry['type']): Entry => ({ path, type, size: 0, mode: 0o755, mtimeMs: 0 });
  assert.deepEqual(
    batchDirectories([
      entry('a', 'dir'),
      entry('a/b/c.txt', 'file'),
      entry('top.txt', 'file'),
      entry('x/l', 'symlink'),
    ]),
    ['a/b', 'x'],
  );
});

void test('the embedded receiver script is the receiver.sh source', () => {
  const source = fileURLToPath(new URL('../../../server/sync/receiver/receiver.sh', import.meta.url));
  assert.equal(RECEIVER_SCRIPT, readFileSync(source, 'utf8'));
});
