// Bad input on the wire: whatever bytes arrive, the engine answers per JSON-RPC or drops them,
// never crashes, and keeps serving valid requests.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../protocol/index.js';
import { frame, spawnRawEngine } from '../helpers/engine.js';
import type { RawEngine, WireMessage } from '../helpers/engine.js';

let engine: RawEngine;
let nextId = 100;
/** A sandbox state dir nobody starts: `sandbox/status` on it is a cheap, always-valid request. */
const idleStateDir = join(tmpdir(), 'podloop-wire-idle-sandbox');

/** Sends a valid request and returns its response: proof that the engine still serves. */
async function stillServes(): Promise<void> {
  const id = nextId++;
  engine.send({ jsonrpc: '2.0', id, method: 'sandbox/status', params: { stateDir: idleStateDir } });
  const reply = await engine.next((message) => message.id === id);
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  assert.equal((reply.result as { running: boolean }).running, false);
  assert.equal(engine.child.exitCode, null, 'the engine still runs');
}

function errorCode(message: WireMessage): number {
  return (message.error as { code: number }).code;
}

before(async () => {
  engine = spawnRawEngine();
  engine.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: process.pid } });
  await engine.next((message) => message.id === 1);
});

after(() => engine.close());

void test('garbage bytes between messages are skipped', async () => {
  engine.write(Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]));
  engine.write('hello there\r\n\r\n');
  engine.write('{"jsonrpc":"2.0"}');
  await stillServes();
});

void test('a body that is not JSON answers ParseError with id null', async () => {
  const before = engine.messages.length;
  engine.send('{"jsonrpc": "2.0", "id": 7, "method": ');
  const reply = await engine.next((message) => engine.messages.indexOf(message) >= before && message.id === null);
  assert.equal(errorCode(reply), ErrorCodes.ParseError);
  await stillServes();
});

void test('JSON that is not a JSON-RPC request answers InvalidRequest', async () => {
  engine.send({ jsonrpc: '2.0', id: 8 });
  assert.equal(errorCode(await engine.next((message) => message.id === 8)), ErrorCodes.InvalidRequest);
  engine.send({ jsonrpc: '1.0', id: 9, method: 'dev/status' });
  assert.equal(errorCode(await engine.next((message) => message.id === 9)), ErrorCodes.InvalidRequest);
  engine.send({ jsonrpc: '2.0', id: 10, method: 42 });
  assert.equal(errorCode(await engine.next((message) => message.id === 10)), ErrorCodes.InvalidRequest);
  const count = engine.messages.length;
  engine.send('[1, 2, 3]');
  const batch = await engine.next((message) => engine.messages.indexOf(message) >= count && message.id === null);
  assert.equal(errorCode(batch), ErrorCodes.InvalidRequest);
  await stillServes();
});

void test('a header without Content-Length, or with a non-numeric one, is dropped', async () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'dev/status', params: {} });
  engine.write(`Content-Type: application/json\r\n\r\n${body}`);
  engine.write(`Content-Length: eleven\r\n\r\n${body}`);
  await stillServes();
  assert.ok(!engine.messages.some((message) => message.id === 11), 'the unframed request was not executed');
});

void test('a Content-Length that is too short or too long costs only the damaged message', async () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'dev/status', params: {} });
  const count = engine.messages.length;
  engine.write(`Content-Length: ${body.length - 5}\r\n\r\n${body}`);
  engine.write(
    Buffer.concat([Buffer.from(`Content-Length: ${body.length + 10}\r\n\r\n${body}`), Buffer.from('0123456789')]),
  );
  await stillServes();
  const parseErrors = engine.messages
    .slice(count)
    .filter((message) => message.id === null && errorCode(message) === ErrorCodes.ParseError);
  assert.equal(parseErrors.length, 2);
});

void test('a huge frame is answered or dropped without harm', async () => {
  // 20 MiB exceeds the engine's frame limit: it is skipped unread.
  const size = 20 * 1024 * 1024;
  engine.write(`Content-Length: ${size}\r\n\r\n`);
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  for (let sent = 0; sent < size; sent += chunk.length) engine.write(chunk);
  await stillServes();
  // 4 MiB is within the limit: parsed, and its wrong param type answered.
  engine.send({
    jsonrpc: '2.0',
    id: 13,
    method: 'workloads/list',
    params: { namespace: 'x'.repeat(4 * 1024 * 1024), allNamespaces: 'yes' },
  });
  const reply = await engine.next((message) => message.id === 13);
  assert.equal(errorCode(reply), ErrorCodes.InvalidParams);
  await stillServes();
});

void test('an unknown method answers MethodNotFound', async () => {
  engine.send({ jsonrpc: '2.0', id: 14, method: 'no/such/method', params: {} });
  assert.equal(errorCode(await engine.next((message) => message.id === 14)), ErrorCodes.MethodNotFound);
  await stillServes();
});

void test('wrong param types answer InvalidParams naming the field', async () => {
  engine.send({ jsonrpc: '2.0', id: 15, method: 'workloads/list', params: { namespace: 5 } });
  const reply = await engine.next((message) => message.id === 15);
  assert.equal(errorCode(reply), ErrorCodes.InvalidParams);
  assert.match((reply.error as { message: string }).message, /params\.namespace must be a string/);
  engine.send({ jsonrpc: '2.0', id: 16, method: 'workloads/list', params: { kinds: ['Deployment', 'Cat'] } });
  assert.match(
    ((await engine.next((message) => message.id === 16)).error as { message: string }).message,
    /params\.kinds/,
  );
  engine.send({ jsonrpc: '2.0', id: 17, method: 'workloads/list', params: ['default'] });
  assert.equal(errorCode(await engine.next((message) => message.id === 17)), ErrorCodes.InvalidParams);
  // JSON-RPC requires structured params: a string makes the whole message invalid.
  engine.send({ jsonrpc: '2.0', id: 19, method: 'workloads/list', params: 'all' });
  assert.equal(errorCode(await engine.next((message) => message.id === 19)), ErrorCodes.InvalidRequest);
  engine.send({ jsonrpc: '2.0', id: 18, method: 'sandbox/status', params: { port: 70000 } });
  assert.match(
    ((await engine.next((message) => message.id === 18)).error as { message: string }).message,
    /params\.port/,
  );
  await stillServes();
});

void test('nothing but protocol frames reach stdout', () => {
  assert.ok(engine.messages.every((message) => message.jsonrpc === '2.0'));
  assert.ok(frame({}).toString().startsWith('Content-Length: 2'));
});
