// SPDY/3.1 frames and header blocks: encode→decode round trips and the connection-long zlib context.

import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeFrame, encodeFrame, FrameReader, type SpdyFrame } from '../../server/kube/spdy/frames.js';
import {
  decodeNameValueBlock,
  encodeNameValueBlock,
  HeaderCompressor,
  StoredHeaderEncoder,
  type SpdyHeaders,
  HeaderDecompressor,
  SPDY3_DICTIONARY,
} from '../../server/kube/spdy/headers.js';

const everyFrameType: SpdyFrame[] = [
  { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) },
  {
    type: 'synStream',
    streamId: 1,
    associatedId: 0,
    priority: 3,
    slot: 0,
    fin: true,
    unidirectional: false,
    headerBlock: Buffer.from([1, 2, 3]),
  },
  { type: 'synReply', streamId: 5, fin: false, headerBlock: Buffer.from([9, 8]) },
  { type: 'rstStream', streamId: 7, status: 5 },
  {
    type: 'settings',
    clearPrevious: false,
    entries: [
      { flags: 1, id: 7, value: 65536 },
      { flags: 0, id: 4, value: 100 },
    ],
  },
  { type: 'ping', id: 1 },
  { type: 'goAway', lastGoodStreamId: 9, status: 0 },
  { type: 'headers', streamId: 11, fin: true, headerBlock: Buffer.from([4]) },
  { type: 'windowUpdate', streamId: 13, delta: 1024 },
];

void describe('SPDY frames', () => {
  for (const frame of everyFrameType) {
    void it(`round-trips a ${frame.type} frame`, () => {
      const bytes = encodeFrame(frame);
      const decoded = decodeFrame(bytes);
      assert.ok(decoded);
      assert.equal(decoded.next, bytes.length);
      assert.deepEqual(decoded.frame, frame);
    });
  }

  void it('lays out a control frame header as spdystream expects', () => {
    const bytes = encodeFrame({ type: 'ping', id: 0x01020304 });
    assert.deepEqual([...bytes], [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 1, 2, 3, 4]);
    const data = encodeFrame({ type: 'data', streamId: 3, fin: true, data: Buffer.from('ab') });
    assert.deepEqual([...data], [0, 0, 0, 3, 0x01, 0, 0, 2, 0x61, 0x62]);
  });

  void it('reassembles frames split at arbitrary byte boundaries', () => {
    const stream = Buffer.concat(everyFrameType.map(encodeFrame));
    const reader = new FrameReader();
    const frames: SpdyFrame[] = [];
    for (let i = 0; i < stream.length; i += 3) frames.push(...reader.push(stream.subarray(i, i + 3)));
    assert.deepEqual(frames, everyFrameType);
  });

  void it('waits for the rest of a partial frame', () => {
    const bytes = encodeFrame({ type: 'data', streamId: 1, fin: false, data: Buffer.from('xyz') });
    assert.equal(decodeFrame(bytes.subarray(0, bytes.length - 1)), null);
  });
});

void describe('SPDY header blocks', () => {
  void it('is the 1423-byte SPDY/3 dictionary', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\u0007options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
  });

  void it('round-trips a name/value block with lower-cased names', () => {
    const block = encodeNameValueBlock({ StreamType: 'data', port: '8080', requestid: '0' });
    assert.equal(block.readUInt32BE(0), 3);
    assert.deepEqual(decodeNameValueBlock(block), { streamtype: 'data', port: '8080', requestid: '0' });
  });

  void it('keeps one zlib context across blocks, so later blocks only reference earlier ones', async () => {
    const compressor = new HeaderCompressor();
    const decompressor = new HeaderDecompressor();
    try {
      const headers = [0, 1, 2].map((i) => ({
        streamtype: i % 2 ? 'data' : 'error',
        port: '8080',
        requestid: String(i),
      }));
      const blocks: Buffer[] = [];
      for (const h of headers) blocks.push(await compressor.compress(h));
      assert.ok(
        blocks[2]!.length < blocks[0]!.length / 2,
        `third block ${blocks[2]!.length} bytes, first ${blocks[0]!.length}`,
      );
      // A block after the first cannot be read without the shared history.
      assert.throws(() => inflateSync(blocks[1]!, { dictionary: SPDY3_DICTIONARY }));
      for (let i = 0; i < blocks.length; i++) assert.deepEqual(await decompressor.decompress(blocks[i]!), headers[i]);
    } finally {
      compressor.close();
      decompressor.close();
    }
  });

  void it('compresses with the dictionary: a fresh inflater without it refuses the first block', async () => {
    const compressor = new HeaderCompressor();
    try {
      const block = await compressor.compress({});
      assert.throws(() => inflateSync(block), /dictionary/i);
      const withDictionary = new HeaderDecompressor();
      assert.deepEqual(await withDictionary.decompress(block), {});
      withDictionary.close();
    } finally {
      compressor.close();
    }
  });

  void it('writes stored blocks any SPDY inflater reads in order, the first naming the dictionary', async () => {
    const encoder = new StoredHeaderEncoder();
    const decompressor = new HeaderDecompressor();
    try {
      const headers: SpdyHeaders[] = [
        { streamtype: 'error', port: '8080', requestid: '0' },
        { streamtype: 'data', port: '8080', requestid: '0' },
        { big: 'x'.repeat(70_000) },
        {},
      ];
      const blocks = headers.map((h) => encoder.compress(h));
      assert.throws(() => inflateSync(blocks[0]!), /dictionary/i);
      for (let i = 0; i < blocks.length; i++) assert.deepEqual(await decompressor.decompress(blocks[i]!), headers[i]);
      // One zlib stream: all blocks together inflate to the name/value blocks back to back.
      const whole = inflateSync(Buffer.concat(blocks), { dictionary: SPDY3_DICTIONARY, finishFlush: 2 });
      assert.deepEqual(whole, Buffer.concat(headers.map((h) => encodeNameValueBlock(h))));
    } finally {
      encoder.close();
      decompressor.close();
    }
  });
});
