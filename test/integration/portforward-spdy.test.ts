// portForward/start over one SPDY/3.1 connection per pod, through the real engine and real TCP on
// 127.0.0.1: bytes both ways, concurrent connections, a bulk transfer, the pod's error, a replaced
// pod, and the WebSocket fallback when the API server refuses SPDY.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PortForwardList, PortForwardStart } from '../../protocol/index.js';
import type { PortForwardInfo } from '../../protocol/index.js';
import { seededRandom } from '../helpers/random.js';
import { waitFor } from '../helpers/sandbox.js';
import { deployment, startCluster } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

const seed = Number(process.env.PODLOOP_TEST_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(seed);
const withSeed = (message: string): string => `${message} (seed ${seed})`;

/** Echoes every connection and half-closes after the client did. */
const echoServer = `require('net').createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.pipe(s); }).listen(9100)`;
const bulkMiB = 64;
/** Byte i of MiB n of the bulk stream, computed the same way on both ends. */
const bulkByte = (n: number, i: number): number => (i * 31 + n * 17 + (i >> 10)) & 0xff;
const bulkServer = `require('net').createServer((s) => { s.on('error', () => {}); let n = 0; const w = () => { while (n < ${bulkMiB}) { const b = Buffer.alloc(1 << 20); for (let i = 0; i < b.length; i++) b[i] = (i * 31 + n * 17 + (i >> 10)) & 0xff; n++; if (!s.write(b)) return s.once('drain', w); } s.end(); }; w(); }).listen(9000)`;
const podApp = (name: string, script: string) =>
  deployment(name, { image: 'podloop/node-dev:1.0', command: ['node', '-e', script] });

function randomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Sends `payload`, half-closes, and resolves with everything received until the far end closed. */
function exchange(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** Sends `payload` and resolves with as many bytes back, then closes: for protocols without half-close. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const socket = connect(port, '127.0.0.1', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < payload.length) return;
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on('close', () => reject(new Error(`closed after ${received} of ${payload.length} bytes`)));
    socket.on('error', reject);
  });
}

/** Reads until the pod closes, sending nothing (the bulk server stops writing once the client half-closes). */
function download(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The echo pod listens a moment after it runs: retry the first exchange until it answers. */
async function echoReady(port: number): Promise<void> {
  await waitFor('the echo server through the forward', async () => {
    const answer = await exchange(port, Buffer.from('ping')).catch(() => Buffer.alloc(0));
    return answer.toString() === 'ping';
  });
}

function forward(cluster: Cluster, name: string, remotePort: number): Promise<PortForwardInfo> {
  return cluster.engine.connection.sendRequest(PortForwardStart.type, {
    kind: 'Deployment',
    name,
    remotePort,
    localPort: 0,
  });
}

const spdyConnections = (cluster: Cluster): number =>
  cluster.engine
    .stderr()
    .split('\n')
    .filter((line) => line.includes('SPDY port-forward connection opened')).length;

void describe('port-forward over SPDY', () => {
  let cluster: Cluster;
  let echo: PortForwardInfo;

  before(async () => {
    cluster = await startCluster(
      'forward-spdy',
      [podApp('echo', echoServer), podApp('bulk', bulkServer)],
      {},
      {
        engineEnv: { PODLOOP_LOG_LEVEL: 'debug' },
      },
    );
    await Promise.all([cluster.waitForReadyPod('echo'), cluster.waitForReadyPod('bulk')]);
    echo = await forward(cluster, 'echo', 9100);
    await echoReady(echo.localPort);
  });

  after(async () => {
    await cluster?.close();
  });

  void test('bytes go both ways unchanged, and the local half-close reaches the pod', async () => {
    const payload = randomBytes(1 << 20);
    const answer = await exchange(echo.localPort, payload);
    assert.equal(answer.length, payload.length, withSeed('echoed length'));
    assert.ok(answer.equals(payload), withSeed('echoed bytes differ'));
  });

  void test('20 concurrent connections share one SPDY connection and each gets its own bytes back', async () => {
    const before = spdyConnections(cluster);
    assert.ok(before >= 1, 'the engine log names the SPDY connection');
    const payloads = Array.from({ length: 20 }, (_, i) => randomBytes(32 * 1024 + i * 997));
    const answers = await Promise.all(payloads.map((payload) => exchange(echo.localPort, payload)));
    answers.forEach((answer, i) => assert.ok(answer.equals(payloads[i]!), withSeed(`connection ${i} got other bytes`)));
    assert.equal(spdyConnections(cluster), before, 'no new SPDY connection for the same pod');
  });

  void test(`${bulkMiB} MiB from the pod and ${bulkMiB} MiB to it arrive with the right checksums`, async () => {
    const bulk = await forward(cluster, 'bulk', 9000);
    const expected = createHash('sha256');
    for (let n = 0; n < bulkMiB; n++) {
      const mib = Buffer.alloc(1 << 20);
      for (let i = 0; i < mib.length; i++) mib[i] = bulkByte(n, i);
      expected.update(mib);
    }
    const downloaded = await waitFor('the bulk server through the forward', async () => {
      const received = await download(bulk.localPort).catch(() => Buffer.alloc(0));
      return received.length > 0 ? received : undefined;
    });
    assert.equal(downloaded.length, bulkMiB << 20);
    assert.equal(sha256(downloaded), expected.digest('hex'));

    const upload = randomBytes(bulkMiB << 20);
    const echoed = await exchange(echo.localPort, upload);
    assert.equal(echoed.length, upload.length, withSeed('echoed length'));
    assert.equal(sha256(echoed), sha256(upload), withSeed('echoed checksum'));
  });

  void test('with nothing listening on the pod port, the pod error reaches the forward and the connection closes', async () => {
    const closedPort = await forward(cluster, 'echo', 9999);
    const answer = await exchange(closedPort.localPort, Buffer.from('hello'));
    assert.equal(answer.length, 0);
    const listed = await waitFor('the pod error on the forward', async () => {
      const { forwards } = await cluster.engine.connection.sendRequest(PortForwardList.type, {});
      return forwards.find((info) => info.id === closedPort.id && info.message !== undefined);
    });
    assert.match(listed.message ?? '', /error forwarding port 9999 to pod echo-/);
    // The other forward to the same workload is unaffected.
    assert.ok((await exchange(echo.localPort, Buffer.from('still here'))).equals(Buffer.from('still here')));
  });

  void test('a replaced pod ends open connections and new ones reach the new pod over a new SPDY connection', async () => {
    const before = spdyConnections(cluster);
    const open = connect(echo.localPort, '127.0.0.1');
    await new Promise((resolve) => open.once('connect', resolve));
    const openClosed = new Promise((resolve) => open.once('close', resolve));
    open.on('error', () => undefined);
    open.write('x');
    await new Promise((resolve) => open.once('data', resolve));

    const oldPod = cluster.readyPods('echo')[0] ?? '';
    cluster.deletePod(oldPod);
    await openClosed;
    const newPod = await cluster.waitForReadyPod('echo', oldPod);
    await echoReady(echo.localPort);
    const { forwards } = await cluster.engine.connection.sendRequest(PortForwardList.type, {});
    assert.equal(forwards.find((info) => info.id === echo.id)?.pod, newPod);
    assert.ok(spdyConnections(cluster) > before, 'a new SPDY connection for the new pod');
  });
});

void describe('port-forward when the API server refuses SPDY', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster(
      'forward-fallback',
      [podApp('echo', echoServer)],
      {},
      {
        sandbox: { refuseSpdyPortForward: true },
      },
    );
    await cluster.waitForReadyPod('echo');
  });

  after(async () => {
    await cluster?.close();
  });

  void test('falls back to a WebSocket per connection, says so once, and carries the bytes unchanged', async () => {
    const echo = await forward(cluster, 'echo', 9100);
    const payload = randomBytes(256 * 1024);
    // The WebSocket protocol has no half-close: read the whole echo before closing.
    const answer = await waitFor('the echo through the WebSocket fallback', () =>
      roundTrip(echo.localPort, payload).catch(() => undefined),
    );
    assert.ok(answer.equals(payload), withSeed('echoed bytes differ'));
    const again = Buffer.from('again');
    const answers = await Promise.all([1, 2, 3].map(() => roundTrip(echo.localPort, again)));
    assert.ok(answers.every((one) => one.equals(again)));
    const notices = cluster.engine
      .stderr()
      .split('\n')
      .filter((line) => line.includes('refused a SPDY port-forward upgrade'));
    assert.equal(notices.length, 1, cluster.engine.stderr());
  });
});
