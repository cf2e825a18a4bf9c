// The engine's frame reader on its own: messages split anywhere across chunks, several in one
// chunk, garbage glued to a header, and oversized frames skipped across chunks.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Message } from 'vscode-jsonrpc/node.js';
import { checkMessage, FrameReader } from '../../server/transport.js';

function reader(maxMessageBytes?: number) {
  const input = new PassThrough();
  const received: Message[] = [];
  const replies: Message[] = [];
  const warnings: string[] = [];
  const frames = new FrameReader(input, {
    reply: (message) => replies.push(message),
    warn: (reason) => warnings.push(reason),
    ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
  });
  frames.listen((message) => received.push(message));
  // PassThrough delivers synchronously on write in flowing mode.
  const write = (bytes: string | Buffer) => input.write(bytes);
  return { write, received, replies, warnings };
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const request = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'dev/status', params: {} });

void test('a message split byte by byte arrives once and whole', () => {
  const { write, received } = reader();
  for (const byte of Buffer.from(frame(request(1)))) write(Buffer.from([byte]));
  assert.deepEqual(
    received.map((message) => (message as { id?: number }).id),
    [1],
  );
});

void test('several messages in one chunk arrive in order, multi-byte characters counted in bytes', () => {
  const { write, received } = reader();
  const unicode = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'dev/status', params: { name: 'café ☕' } });
  write(frame(request(1)) + frame(request(2)) + frame(unicode));
  assert.deepEqual(
    received.map((message) => (message as { id?: number }).id),
    [1, 2, 3],
  );
});

void test('garbage glued in front of a header does not lose the message behind it', () => {
  const { write, received, warnings } = reader();
  write('xyz' + frame(request(4)));
  write('\r\n\r\n');
  write(frame(request(5)));
  assert.deepEqual(
    received.map((message) => (message as { id?: number }).id),
    [4, 5],
  );
  assert.equal(warnings.length, 1, 'the lone separator was reported');
});

void test('an oversized frame is skipped across chunks and the next message still arrives', () => {
  const { write, received, warnings } = reader(100);
  write('Content-Length: 250\r\n\r\n');
  write('a'.repeat(120));
  write('b'.repeat(130) + frame(request(6)));
  assert.deepEqual(
    received.map((message) => (message as { id?: number }).id),
    [6],
  );
  assert.match(warnings[0] ?? '', /larger than the limit/);
});

void test('bad JSON and non-messages are answered, not delivered', () => {
  const { write, received, replies } = reader();
  write(frame('{oops'));
  write(frame('"just a string"'));
  write(frame(JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'x', params: 3 })));
  assert.equal(received.length, 0);
  assert.deepEqual(
    replies.map((reply) => {
      const response = reply as unknown as { id: unknown; error: { code: number } };
      return [response.id, response.error.code];
    }),
    [
      [null, -32700],
      [null, -32600],
      ['a', -32600],
    ],
  );
});

void test('checkMessage accepts requests, notifications and responses', () => {
  assert.equal(checkMessage({ jsonrpc: '2.0', id: 1, method: 'a' }), undefined);
  assert.equal(checkMessage({ jsonrpc: '2.0', method: 'a', params: [1] }), undefined);
  assert.equal(checkMessage({ jsonrpc: '2.0', id: 1, result: null }), undefined);
  assert.deepEqual(checkMessage({ jsonrpc: '2.0', id: {}, method: 'a' }), {
    id: null,
    reason: '"id" must be a string or a number',
  });
});
