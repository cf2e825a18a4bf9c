// exec/run through the real engine against a sandbox pod: output, stdin and exit codes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, ExecRun } from '../../protocol/index.js';
import { startCluster, webApp } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster('exec', [webApp('web')]);
  await cluster.waitForReadyPod('web');
});

after(async () => {
  await cluster?.close();
});

void test('exec/run returns the output and the exit code of a command in the workload', async () => {
  const result = await cluster.engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name: 'web',
    command: ['sh', '-c', 'cat; echo to-stderr >&2; exit 3'],
    stdin: 'from stdin\n',
  });
  assert.deepEqual(result, { exitCode: 3, stdout: 'from stdin\n', stderr: 'to-stderr\n' });
});

void test('exec/run of a succeeding command in the app container reads its files', async () => {
  const result = await cluster.engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name: 'web',
    container: 'app',
    command: ['cat', '/app/greeting.txt'],
  });
  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /Hello/);
});

void test('exec/run names the containers when the asked one does not exist', async () => {
  await assert.rejects(
    cluster.engine.connection.sendRequest(ExecRun.type, {
      kind: 'Deployment',
      name: 'web',
      container: 'nope',
      command: ['true'],
    }),
    (error: unknown) =>
      error instanceof ResponseError && error.code === ErrorCodes.ContainerNotFound && /containers are: app/.test(error.message),
  );
});
