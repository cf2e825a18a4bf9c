import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  ChannelLostError,
  parseHashRecord,
  parseManifestRecord,
  readManifest,
  RecordReader,
} from '../../server/sync/receiverProtocol.js';

void test('manifest records keep spaces in names and refuse unsafe paths', () => {
  assert.deepEqual(parseManifestRecord('f 755 12 1700000000.5000000000 dir/with space/run.sh', ''), {
    path: 'dir/with space/run.sh',
    type: 'file',
    size: 12,
    mode: 0o755,
    mtimeMs: 1_700_000_000_500,
  });
  assert.deepEqual(parseManifestRecord('l 777 7 1700000000 link', '../x y'), {
    path: 'link',
    type: 'symlink',
    size: 0,
    mode: 0o777,
    mtimeMs: 1_700_000_000_000,
    linkTarget: '../x y',
  });
  assert.equal(parseManifestRecord('f 644 1 1700000000 ../escape', ''), null);
  assert.equal(parseManifestRecord('s 755 0 1700000000 socket', ''), null, 'sockets and fifos are not synced');
  assert.equal(parseManifestRecord('garbage', ''), null);
});

void test('hash records accept "./" prefixes and mark non-files', () => {
  assert.deepEqual(parseHashRecord('da39a3ee5e6b4b0d3255bfef95601890afd80709  ./a b.txt'), {
    path: 'a b.txt',
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  });
  assert.deepEqual(parseHashRecord('-  missing'), { path: 'missing', hash: null });
});

void test('records split across chunks are reassembled, and a closed stream fails pending reads', async () => {
  const stream = new PassThrough();
  const reader = new RecordReader(stream);
  stream.write('d 755 0 1700000000 sr');
  stream.write('c\0\0f 644 3 1700000000 src/a\0\0DONE MANIFEST\0');
  const manifest = await readManifest(reader, 'DONE MANIFEST');
  assert.deepEqual([...manifest.keys()], ['src', 'src/a']);
  const pending = reader.next();
  stream.end();
  await assert.rejects(pending, ChannelLostError);
});
