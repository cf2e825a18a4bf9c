// Progress and cancellation through the VS Code engine client: `$/progress` values reach the
// caller, and cancelling the caller's token makes a hung request reject as Cancelled (the UI then
// closes its progress; it does not wait for an `end` the engine may send later).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node.js';
import { WorkloadsList } from '../../protocol/workloads.js';
import type { WorkDoneProgressValue } from '../../protocol/progress.js';
import { EngineClient } from '../../clients/vscode/src/engine/engineClient.js';
import { EngineRequestError } from '../../clients/vscode/src/engine/errors.js';
import { engineMain } from '../helpers/engine.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';

// An API server that accepts connections and never answers: every request hangs until cancelled.
const sockets = new Set<Socket>();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
let dir: string;
let engine: EngineClient;

before(async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  assert.ok(typeof address === 'object' && address !== null);
  dir = tempDir('vscode-progress');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'silent', cluster: { server: `https://127.0.0.1:${address.port}`, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'me', user: { token: 'not-a-secret' } }],
      contexts: [{ name: 'silent', context: { cluster: 'silent', user: 'me' } }],
      'current-context': 'silent',
    }),
  );
  engine = await EngineClient.start({
    enginePath: engineMain,
    clientName: 'podloop-vscode-test',
    settings: { kubeconfig },
    env: { PODLOOP_LOG_LEVEL: 'warn' },
  });
});

after(async () => {
  await engine?.dispose();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('a request hung on a silent API server shows progress and rejects as Cancelled when cancelled', async () => {
  const values: WorkDoneProgressValue[] = [];
  const source = new CancellationTokenSource();
  const pending = engine.request(
    WorkloadsList.type,
    { namespace: 'default' },
    { token: source.token, onProgress: (value) => values.push(value) },
  );
  await waitFor('progress begin', () => values.some((value) => value.kind === 'begin'));
  assert.equal(values[0]?.kind === 'begin' && values[0].title, 'Listing workloads');
  source.cancel();
  const error = await pending.then(
    () => assert.fail('workloads/list answered a silent API server'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof EngineRequestError);
  assert.equal(error.cancelled, true);
  assert.equal(error.codeName, 'Cancelled');
});
