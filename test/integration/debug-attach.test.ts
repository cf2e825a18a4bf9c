// debug/start through the real engine: a Node program under the inspector, attached over its
// WebSocket to evaluate an expression; a Java program under JDWP, answering the handshake.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { DebugStart, ExecRun, PortForwardStop, RunStop } from '../../protocol/index.js';
import { deployment, startCluster } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster('debug', [
    deployment('node-app', { image: 'podloop/node-dev:1.0' }),
    deployment('java-app', { image: 'podloop/java-dev:1.0' }),
  ]);
  await Promise.all([cluster.waitForReadyPod('node-app'), cluster.waitForReadyPod('java-app')]);
});

after(async () => {
  await cluster?.close();
});

/** Sends one inspector command over the WebSocket and returns its result. */
function inspect(socket: WebSocket, id: number, method: string, params: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== id) return;
      socket.off('message', onMessage);
      if (message.error !== undefined) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, method, params }));
  });
}

void test('debug/start runs Node under the inspector and a client evaluates an expression through the forward', async () => {
  const result = await cluster.engine.connection.sendRequest(DebugStart.type, {
    kind: 'Deployment',
    name: 'node-app',
    command: ['node', '-e', 'globalThis.answer = 21; setInterval(() => {}, 1000)'],
  });
  try {
    assert.equal(result.vscodeLaunchConfig.type, 'node');
    assert.equal(result.vscodeLaunchConfig.request, 'attach');
    assert.equal(result.vscodeLaunchConfig.port, result.localPort);
    assert.deepEqual(result.jetbrains, { host: '127.0.0.1', port: result.localPort });

    const targets = (await (await fetch(`http://127.0.0.1:${result.localPort}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = new URL(targets[0]?.webSocketDebuggerUrl ?? '');
    url.host = `127.0.0.1:${result.localPort}`;
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      const evaluated = (await inspect(socket, 1, 'Runtime.evaluate', { expression: 'answer * 2' })) as {
        result: { value: unknown };
      };
      assert.equal(evaluated.result.value, 42);
    } finally {
      socket.close();
    }
  } finally {
    await cluster.engine.connection.sendRequest(PortForwardStop.type, { id: result.forwardId });
    await cluster.engine.connection.sendRequest(RunStop.type, { runId: result.runId });
  }
});

void test('debug/start runs Java with the JDWP agent and the handshake is echoed through the forward', async () => {
  const source =
    'public class Main { public static void main(String[] a) throws Exception { Thread.sleep(600000); } }\n';
  const written = await cluster.engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name: 'java-app',
    command: ['sh', '-c', 'cat > /tmp/Main.java'],
    stdin: source,
  });
  assert.equal(written.exitCode, 0);
  const result = await cluster.engine.connection.sendRequest(DebugStart.type, {
    kind: 'Deployment',
    name: 'java-app',
    command: ['java', '/tmp/Main.java'],
  });
  try {
    assert.equal(result.vscodeLaunchConfig.type, 'java');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(result.localPort, '127.0.0.1', () => socket.write('JDWP-Handshake'));
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.length >= 14) {
          socket.destroy();
          resolve(received.slice(0, 14));
        }
      });
      socket.on('error', reject);
      socket.setTimeout(10_000, () => reject(new Error(`no handshake reply, got ${JSON.stringify(received)}`)));
    });
    assert.equal(reply, 'JDWP-Handshake');
  } finally {
    await cluster.engine.connection.sendRequest(PortForwardStop.type, { id: result.forwardId });
    await cluster.engine.connection.sendRequest(RunStop.type, { runId: result.runId });
  }
});
