// The engine and a client joined by in-memory streams: work-done progress around a request, the
// baseline state snapshot, and the exit code the engine asks for, without spawning a process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import {
  EngineState,
  ErrorCodes,
  Exit,
  Initialize,
  Initialized,
  Shutdown,
  WorkDoneProgress,
  WorkloadsList,
} from '../../protocol/index.js';
import type { EngineStateParams, WorkDoneProgressValue } from '../../protocol/index.js';
import { startEngine } from '../../server/connection.js';
import { createLogger } from '../../server/logger.js';

function connect() {
  const toEngine = new PassThrough();
  const fromEngine = new PassThrough();
  let resolveExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  startEngine({
    input: toEngine,
    output: fromEngine,
    log: createLogger({ level: 'silent' }),
    exit: (code) => resolveExit(code),
  });
  const client = createMessageConnection(new StreamMessageReader(fromEngine), new StreamMessageWriter(toEngine));
  client.listen();
  return { client, exitCode, close: () => client.dispose() };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

void test('a request with a workDoneToken reports begin and end progress even when it fails', async (t) => {
  const { client, close } = connect();
  t.after(close);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'podloop-progress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  );
  await client.sendRequest(Initialize.type, { kubeconfig, capabilities: { workDoneProgress: true } });
  const values: WorkDoneProgressValue[] = [];
  client.onProgress(WorkDoneProgress, 'tok-1', (value) => values.push(value));
  await assert.rejects(client.sendRequest(WorkloadsList.type, { workDoneToken: 'tok-1' }), (error: unknown) => {
    assert.ok(error instanceof ResponseError);
    assert.equal(error.code, ErrorCodes.ClusterUnreachable);
    return true;
  });
  assert.deepEqual(
    values.map((value) => value.kind),
    ['begin', 'end'],
  );
  assert.equal(values[0]?.kind === 'begin' ? values[0].title : '', 'Listing workloads');
});

void test('shutdown then exit asks for exit code 0', async (t) => {
  const { client, exitCode, close } = connect();
  t.after(close);
  await client.sendRequest(Initialize.type, {});
  await client.sendRequest(Shutdown.type);
  await client.sendNotification(Exit.type);
  assert.equal(await exitCode, 0);
});

void test('after initialized the client receives a baseline engine/state snapshot', async (t) => {
  const { client, close } = connect();
  t.after(close);
  const snapshots: EngineStateParams[] = [];
  let received: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    received = resolve;
  });
  client.onNotification(EngineState.type, (params) => {
    snapshots.push(params);
    received();
  });
  await client.sendRequest(Initialize.type, { kubeconfig: join(tmpdir(), 'podloop-no-such-kubeconfig') });
  await client.sendNotification(Initialized.type, {});
  await first;
  assert.deepEqual(snapshots[0], { seq: 1, reason: 'initialized', devSessions: [], forwards: [] });
});
