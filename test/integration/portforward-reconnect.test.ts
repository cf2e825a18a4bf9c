// portForward/start through the real engine: HTTP through the forward, a pod deleted mid-way
// (new connections work again within seconds), a busy local port, list and stop.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { EngineState, ErrorCodes, PortForwardList, PortForwardStart, PortForwardStop } from '../../protocol/index.js';
import type { EngineStateParams } from '../../protocol/index.js';
import { waitFor } from '../helpers/sandbox.js';
import { startCluster, webApp } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

let cluster: Cluster;
const states: EngineStateParams[] = [];

before(async () => {
  cluster = await startCluster('forward', [webApp('web')]);
  cluster.engine.connection.onNotification(EngineState.type, (params) => void states.push(params));
  await cluster.waitForReadyPod('web');
});

after(async () => {
  await cluster?.close();
});

async function get(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  return `${response.status} ${await response.text()}`;
}

void test('an HTTP request goes through the forward, and again after the pod is replaced', async () => {
  const info = await cluster.engine.connection.sendRequest(PortForwardStart.type, {
    kind: 'Deployment',
    name: 'web',
    remotePort: 8080,
    localPort: 0,
  });
  assert.equal(info.localAddress, '127.0.0.1');
  assert.notEqual(info.localPort, 0);
  assert.equal(info.state, 'active');
  assert.match(await get(info.localPort), /^200 Hello/);

  const oldPod = info.pod ?? '';
  cluster.deletePod(oldPod);
  const started = Date.now();
  const newPod = await cluster.waitForReadyPod('web', oldPod);
  let answer = '';
  await waitFor(
    'an answer through the forward from the new pod',
    async () => {
      answer = await get(info.localPort).catch((error: unknown) => String(error));
      return answer.startsWith('200');
    },
    20_000,
  );
  const list = await cluster.engine.connection.sendRequest(PortForwardList.type, {});
  assert.equal(list.forwards.length, 1);
  assert.equal(list.forwards[0]?.pod, newPod);
  assert.match(answer, /Hello/);
  assert.ok(Date.now() - started < 20_000);
  assert.ok(states.some((state) => state.forwards.some((forward) => forward.id === info.id && forward.pod === newPod)));

  await cluster.engine.connection.sendRequest(PortForwardStop.type, { id: info.id });
  await assert.rejects(get(info.localPort));
  assert.deepEqual((await cluster.engine.connection.sendRequest(PortForwardList.type, {})).forwards, []);
});

void test('a busy local port is refused with PortInUse naming the port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    await assert.rejects(
      cluster.engine.connection.sendRequest(PortForwardStart.type, {
        kind: 'Deployment',
        name: 'web',
        remotePort: 8080,
        localPort: port,
      }),
      (error: unknown) =>
        error instanceof ResponseError &&
        error.code === ErrorCodes.PortInUse &&
        (error.data as { port: number }).port === port &&
        error.message.includes(String(port)),
    );
  } finally {
    blocker.close();
  }
});
