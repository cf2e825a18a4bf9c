// Probe checks against real sockets on 127.0.0.1, and the threshold rules of a probe worker.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { ProbeWorker, runProbeOnce, type ProbeTarget } from '../../sandbox/kubelet/probes.js';

function localTarget(execResults: number[] = []): ProbeTarget {
  return {
    dial: (port) =>
      new Promise<Duplex>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      }),
    exec: async () => ({ exitCode: execResults.shift() ?? 0, output: 'probe output' }),
    resolvePort: (port) => (typeof port === 'number' ? port : undefined),
  };
}

void test('httpGet passes on 2xx/3xx and reports the status code otherwise; tcpSocket fails on a closed port', async () => {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 500);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const target = localTarget();
    assert.deepEqual(await runProbeOnce(target, { httpGet: { path: '/healthz', port } }), { ok: true, message: '' });
    assert.deepEqual(await runProbeOnce(target, { httpGet: { path: '/broken', port } }), {
      ok: false,
      message: 'HTTP probe failed with statuscode: 500',
    });
    assert.equal((await runProbeOnce(target, { tcpSocket: { port } })).ok, true);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const closed = await runProbeOnce(localTarget(), { tcpSocket: { port } });
  assert.equal(closed.ok, false);
  assert.match(closed.message, /^dial tcp 127\.0\.0\.1:\d+: /);
});

void test('a probe worker flips its verdict only after the thresholds', async () => {
  const verdicts: boolean[] = [];
  const failures: string[] = [];
  // pass (one is not enough), fail, fail (→ not ready), pass, pass (→ ready)
  const target = localTarget([0, 1, 1, 0, 0]);
  const worker = new ProbeWorker(
    'readiness',
    { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 2, successThreshold: 2 },
    target,
    (ok) => verdicts.push(ok),
    (message) => failures.push(message),
    5,
  );
  try {
    const deadline = Date.now() + 5000;
    while (verdicts.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    worker.stop();
  }
  assert.deepEqual(verdicts, [false, true]);
  assert.deepEqual(failures, ['probe output', 'probe output']);
});
