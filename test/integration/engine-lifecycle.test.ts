// The engine's lifecycle as a client sees it: initialize first, shutdown then exit, and what
// happens when the client breaks the rules or disappears.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import {
  DevStatus,
  EngineLog,
  ErrorCodes,
  Exit,
  Initialize,
  methods,
  Shutdown,
  WorkloadsList,
} from '../../protocol/index.js';
import type { EngineLogParams } from '../../protocol/index.js';
import { engineMain, spawnEngine, startInitializedEngine } from '../helpers/engine.js';

async function errorOf(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError, `expected a ResponseError, got ${String(error)}`);
    return error;
  }
  assert.fail('the request succeeded');
}

void test('a request before initialize answers ServerNotInitialized', async (t) => {
  const engine = spawnEngine();
  t.after(() => engine.close());
  const error = await errorOf(engine.connection.sendRequest(WorkloadsList.type, {}));
  assert.equal(error.code, ErrorCodes.ServerNotInitialized);
  const unknown = await errorOf(engine.connection.sendRequest('no/such', {}));
  assert.equal(unknown.code, ErrorCodes.ServerNotInitialized);
});

void test('initialize reports the engine, its id and every implemented method', async (t) => {
  const engine = await startInitializedEngine({ namespace: 'shop', clientInfo: { name: 'test' } });
  t.after(() => engine.close());
  const result = engine.initializeResult;
  assert.equal(result.serverInfo.name, 'podloop-engine');
  assert.match(result.engineId, /-\d+-[0-9a-f]{8}$/);
  assert.equal(result.namespace, 'shop');
  for (const method of ['initialize', 'shutdown', 'exit', '$/cancelRequest']) {
    assert.ok(result.capabilities.methods.includes(method), `${method} listed`);
  }
  // Every request a client may send is implemented by this engine and listed as such.
  for (const info of methods) {
    if (info.kind === 'request' && info.direction === 'clientToServer') {
      assert.ok(result.capabilities.methods.includes(info.method), `${info.method} listed`);
    }
  }
  const known = new Set(methods.map((info) => info.method));
  for (const method of result.capabilities.methods) assert.ok(known.has(method), `${method} is a protocol method`);
  const again = await errorOf(engine.connection.sendRequest(Initialize.type, {}));
  assert.equal(again.code, ErrorCodes.InvalidRequest);
});

void test('after shutdown every request answers InvalidRequest and exit ends the engine with 0', async (t) => {
  const engine = await startInitializedEngine();
  t.after(() => engine.close());
  assert.equal(await engine.connection.sendRequest(Shutdown.type), null);
  const error = await errorOf(engine.connection.sendRequest(DevStatus.type, {}));
  assert.equal(error.code, ErrorCodes.InvalidRequest);
  await engine.connection.sendNotification(Exit.type);
  assert.equal(await engine.exited, 0);
});

void test('exit without shutdown ends the engine with 1', async (t) => {
  const engine = await startInitializedEngine();
  t.after(() => engine.close());
  await engine.connection.sendNotification(Exit.type);
  assert.equal(await engine.exited, 1);
});

void test('the engine exits when its stdin closes', async (t) => {
  const engine = await startInitializedEngine();
  t.after(() => engine.close());
  engine.child.stdin?.end();
  assert.equal(await engine.exited, 1);
});

void test('the engine refuses to start without --stdio and writes nothing on stdout', () => {
  const result = spawnSync(process.execPath, [engineMain], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /--stdio is required/);
});

void test('the engine exits when the client process named in initialize dies', async (t) => {
  const parent = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
  t.after(() => parent.kill('SIGKILL'));
  await new Promise((resolve) => parent.once('spawn', resolve));
  const engine = await startInitializedEngine({ processId: parent.pid ?? 0 });
  t.after(() => engine.close());
  parent.kill('SIGKILL');
  assert.equal(await engine.exited, 1);
});

void test('a client that asks for a log level receives engine/log notifications', async (t) => {
  const engine = spawnEngine({ env: { PODLOOP_LOG_LEVEL: 'info' } });
  t.after(() => engine.close());
  const lines: EngineLogParams[] = [];
  engine.connection.onNotification(EngineLog.type, (params) => lines.push(params));
  await engine.connection.sendRequest(Initialize.type, { capabilities: { logLevel: 'info' } });
  await engine.connection.sendRequest(Shutdown.type);
  assert.ok(
    lines.some((line) => line.level === 'info' && line.message === 'initialized'),
    JSON.stringify(lines),
  );
  assert.ok(lines.some((line) => line.message === 'shut down'));
});

void test('SIGTERM makes the engine clean up and exit', async (t) => {
  const engine = await startInitializedEngine();
  t.after(() => engine.close());
  engine.child.kill('SIGTERM');
  assert.equal(await engine.exited, 1);
});

void test('every request in the method list is routed: none answers MethodNotFound', async (t) => {
  const engine = await startInitializedEngine({ kubeconfig: '/nonexistent/podloop-kubeconfig' });
  t.after(() => engine.close());
  // These act on the machine (start or stop a cluster) or end the session.
  const skipped = new Set(['initialize', 'shutdown', 'sandbox/up', 'sandbox/down']);
  const requests = methods.filter(
    (info) => info.kind === 'request' && info.direction === 'clientToServer' && !skipped.has(info.method),
  );
  assert.ok(requests.length >= 20);
  for (const info of requests) {
    try {
      await engine.connection.sendRequest(info.method, { stateDir: '/nonexistent/podloop-sandbox' });
    } catch (error) {
      assert.ok(error instanceof ResponseError);
      assert.notEqual(error.code, ErrorCodes.MethodNotFound, info.method);
      const expected =
        info.method.startsWith('sandbox/') || info.method === 'cluster/contexts' ? undefined : info.method;
      if (expected !== undefined && error.code === ErrorCodes.NotSupportedYet)
        assert.deepEqual(error.data, { method: expected });
    }
  }
});
