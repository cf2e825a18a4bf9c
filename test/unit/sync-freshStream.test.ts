import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractCommand, openExtraction } from '../../server/sync/extraction.js';
import { isFresh, ScanFeed, streamFresh } from '../../server/sync/freshStream.js';
import { scanTree, type Entry, type Manifest } from '../../server/sync/manifest.js';
import { ChannelLostError } from '../../server/sync/receiverProtocol.js';
import { BatchRejectedError } from '../../server/sync/remoteTree.js';
import { localProcessTransport } from '../../server/sync/transport.js';
import { tempDir } from '../integration/sync-helpers.js';

const T = 1_700_000_000_000;
const dir = (path: string): Entry => ({ path, type: 'dir', size: 0, mode: 0o755, mtimeMs: T });
const file = (path: string, size = 1): Entry => ({ path, type: 'file', size, mode: 0o644, mtimeMs: T });
const link = (path: string): Entry => ({ path, type: 'symlink', size: 0, mode: 0o777, mtimeMs: T, linkTarget: '/etc' });

void test('a path is fresh only when nothing is at it and nothing but folders is above it', () => {
  const remote: Manifest = new Map([
    ['src', dir('src')],
    ['src/app.js', file('src/app.js')],
    ['notes', file('notes')],
    ['out', link('out')],
  ]);
  assert.equal(isFresh('src/new.js', remote), true);
  assert.equal(isFresh('lib/deep/new.js', remote), true);
  assert.equal(isFresh('src/app.js', remote), false, 'something is there');
  assert.equal(isFresh('src', remote), false);
  assert.equal(isFresh('notes/inside.txt', remote), false, 'a file above must be removed first');
  assert.equal(isFresh('out/x.txt', remote), false, 'a link above could lead anywhere');
});

void test('fresh entries are streamed while the scan still runs, and only they land', async () => {
  using local = tempDir('podloop-fresh-local-');
  using container = tempDir('podloop-fresh-container-');
  mkdirSync(join(local.path, 'src'));
  writeFileSync(join(local.path, 'src', 'new.js'), 'new');
  writeFileSync(join(local.path, 'src', 'app.js'), 'local app');
  writeFileSync(join(local.path, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  const scanned = await scanTree(local.path, { isIgnored: () => false });
  const remote: Manifest = new Map([
    ['src', dir('src')],
    ['src/app.js', file('src/app.js')],
  ]);
  const feed = new ScanFeed();
  let opened = 0;
  const streaming = streamFresh(feed, remote, () => {
    opened++;
    return openExtraction(localProcessTransport(), extractCommand('gnu', container.path), local.path, 1);
  });
  // The entries arrive one by one, as a scan reads them; the stream follows without waiting for the end.
  const all = [...scanned.entries.values()];
  feed.push(all[0]!);
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (const entry of all.slice(1)) feed.push(entry);
  feed.end();
  const result = await streaming;
  assert.ok(result);
  assert.equal(opened, 1);
  assert.deepEqual(result.sent.map((entry) => entry.path).sort(), ['big.bin', 'src/new.js']);
  assert.deepEqual(result.written.changedWhileSending, []);
  assert.equal(readFileSync(join(container.path, 'src', 'new.js'), 'utf8'), 'new');
  assert.equal(statSync(join(container.path, 'big.bin')).size, 3 * 1024 * 1024);
  assert.deepEqual(readdirSync(join(container.path, 'src')), ['new.js'], 'the existing path is left to the diff');
});

void test('with nothing fresh no extraction is opened', async () => {
  const feed = new ScanFeed();
  feed.push(file('a'));
  feed.end();
  const remote: Manifest = new Map([['a', file('a')]]);
  const result = await streamFresh(feed, remote, () => Promise.reject(new Error('must not open')));
  assert.equal(result, null);
});

void test('a tar that fails is a rejected batch with its message, early or at the end, never a hang', async () => {
  using local = tempDir('podloop-fresh-fail-');
  writeFileSync(join(local.path, 'big.bin'), Buffer.alloc(16 * 1024 * 1024, 1));
  const transport = localProcessTransport();
  const early = await openExtraction(transport, ['sh', '-c', 'echo no space left >&2; exit 2'], local.path, 7);
  await assert.rejects(
    (async () => {
      await early.add(file('big.bin', 16 * 1024 * 1024));
      await early.finish();
    })(),
    (error: unknown) =>
      error instanceof BatchRejectedError && error.batchId === 7 && /no space left/.test(error.reason),
  );
  const late = await openExtraction(
    transport,
    ['sh', '-c', 'cat >/dev/null; echo bad archive >&2; exit 2'],
    local.path,
    8,
  );
  await late.add(file('big.bin', 16 * 1024 * 1024));
  await assert.rejects(
    late.finish(),
    (error: unknown) => error instanceof BatchRejectedError && /bad archive/.test(error.reason),
  );
  const killed = await openExtraction(transport, ['sh', '-c', 'kill -9 $$'], local.path, 9);
  await assert.rejects(
    (async () => {
      await killed.add(file('big.bin', 16 * 1024 * 1024));
      await killed.finish();
    })(),
    ChannelLostError,
  );
});
