// exec/run through the real engine against a sandbox pod: output, stdin and exit codes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, ExecExit, ExecInput, ExecOutput, ExecResize, ExecRun, ExecStart } from '../../protocol/index.js';
import type { ExecExitParams } from '../../protocol/index.js';
import { waitFor } from '../helpers/sandbox.js';
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
      error instanceof ResponseError &&
      error.code === ErrorCodes.ContainerNotFound &&
      /containers are: app/.test(error.message),
  );
});

void test('exec/start relays a terminal: keystrokes in, output back, window resize, exit code', async () => {
  const { connection } = cluster.engine;
  let output = '';
  const exits: ExecExitParams[] = [];
  connection.onNotification(ExecOutput.type, (params) => {
    output += Buffer.from(params.data, 'base64').toString('utf8');
  });
  connection.onNotification(ExecExit.type, (params) => void exits.push(params));
  const { sessionId } = await connection.sendRequest(ExecStart.type, {
    kind: 'Deployment',
    name: 'web',
    command: ['sh'],
    tty: true,
    columns: 100,
    rows: 30,
  });
  const type = (text: string) =>
    void connection.sendNotification(ExecInput.type, { sessionId, data: Buffer.from(text).toString('base64') });
  type('stty size\n');
  await waitFor('the first terminal size', () => output.includes('30 100'));
  void connection.sendNotification(ExecResize.type, { sessionId, columns: 120, rows: 50 });
  // The resize travels on its own channel: poll until the terminal reports it.
  await waitFor('the new terminal size', () => {
    if (output.includes('50 120')) return true;
    type('stty size\n');
    return false;
  });
  type('exit 5\n');
  const exit = await waitFor('exec/exit', () => exits.find((entry) => entry.sessionId === sessionId));
  assert.equal(exit.exitCode, 5);
});
