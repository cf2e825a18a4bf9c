// Kubernetes failures as a client sees them: cancelling a request that hangs on a silent API
// server, a closed port, and a server that rejects the credentials.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node.js';
import { ClusterContexts, ErrorCodes, WorkloadsList } from '../../protocol/index.js';
import { startInitializedEngine, waitFor } from '../helpers/engine.js';

function writeKubeconfig(dir: string, server: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: tester\n  user:\n    token: s3cret-token-value',
      'contexts:',
      '- name: test\n  context:\n    cluster: test\n    user: tester\n    namespace: shop',
      '- name: other\n  context:\n    cluster: test\n    user: tester',
      'current-context: test',
      '',
    ].join('\n'),
  );
  return path;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-engine-kube-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function rejection(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError);
    return error;
  }
  assert.fail('the request succeeded');
}

void test('cancelling workloads/list on a silent API server answers Cancelled and the engine keeps serving', async (t) => {
  const sockets = new Set<Socket>();
  const closed = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => closed.add(socket));
    // Read the request and never answer.
    socket.resume();
  });
  const port = await listen(silent);
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const kubeconfig = writeKubeconfig(tempDir(t), `http://127.0.0.1:${port}`);
  const engine = await startInitializedEngine({ kubeconfig });
  t.after(() => engine.close());

  const source = new CancellationTokenSource();
  const pending = engine.connection.sendRequest(WorkloadsList.type, {}, source.token);
  await waitFor(() => sockets.size > 0, 'the engine to dial the API server');
  const started = Date.now();
  source.cancel();
  const error = await rejection(pending);
  assert.equal(error.code, ErrorCodes.Cancelled);
  assert.ok(Date.now() - started < 2000, 'cancelled promptly');
  // The abort reaches the HTTP calls: the engine closes its connections to the server.
  await waitFor(() => closed.size === sockets.size, 'the engine to drop its connections');
  const contexts = await engine.connection.sendRequest(ClusterContexts.type, {});
  assert.equal(contexts.currentContext, 'test');
});

void test('an API server that never answers times out as ClusterUnreachable (ETIMEDOUT)', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  const port = await listen(silent);
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const server = `http://127.0.0.1:${port}`;
  const engine = await startInitializedEngine(
    { kubeconfig: writeKubeconfig(tempDir(t), server) },
    { env: { PODLOOP_KUBE_TIMEOUT_MS: '300' } },
  );
  t.after(() => engine.close());
  const error = await rejection(engine.connection.sendRequest(WorkloadsList.type, {}));
  assert.equal(error.code, ErrorCodes.ClusterUnreachable);
  assert.deepEqual(error.data, { server, cause: 'ETIMEDOUT' });
});

void test('workloads/list against a closed port answers ClusterUnreachable naming the server', async (t) => {
  const probe = createTcpServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const server = `http://127.0.0.1:${port}`;
  const engine = await startInitializedEngine({ kubeconfig: writeKubeconfig(tempDir(t), server) });
  t.after(() => engine.close());
  const error = await rejection(engine.connection.sendRequest(WorkloadsList.type, { allNamespaces: true }));
  assert.equal(error.code, ErrorCodes.ClusterUnreachable);
  assert.deepEqual(error.data, { server, cause: 'ECONNREFUSED' });
  assert.ok(error.message.includes(server));
});

void test('an API server answering 401 gives Unauthorized, and the token never reaches the log', async (t) => {
  const api = createServer((_request, response) => {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      }),
    );
  });
  const port = await listen(api);
  t.after(() => api.close());
  const engine = await startInitializedEngine(
    { kubeconfig: writeKubeconfig(tempDir(t), `http://127.0.0.1:${port}`) },
    { env: { PODLOOP_LOG_LEVEL: 'trace' } },
  );
  t.after(() => engine.close());
  const error = await rejection(engine.connection.sendRequest(WorkloadsList.type, {}));
  assert.equal(error.code, ErrorCodes.Unauthorized);
  assert.equal((error.data as { status: number }).status, 401);
  assert.ok(!engine.stderr().includes('s3cret-token-value'));
});

void test('cluster/contexts lists the contexts of the kubeconfig without contacting the cluster', async (t) => {
  const engine = await startInitializedEngine({
    kubeconfig: writeKubeconfig(tempDir(t), 'https://127.0.0.1:1'),
    context: 'other',
  });
  t.after(() => engine.close());
  assert.equal(engine.initializeResult.context, 'other');
  const result = await engine.connection.sendRequest(ClusterContexts.type, {});
  assert.equal(result.activeContext, 'other');
  assert.deepEqual(
    result.contexts.map((context) => [context.name, context.namespace ?? '']),
    [
      ['test', 'shop'],
      ['other', ''],
    ],
  );
  assert.ok(!JSON.stringify(result).includes('s3cret'));
});
