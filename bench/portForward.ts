// Port-forward through the engine against `kubectl port-forward` in the same run: per-request HTTP
// latency, bulk throughput, and the engine's reconnect time after its pod is deleted. Both carry
// each connection as a stream pair on one SPDY connection per pod (kubectl's tunnelled in a WebSocket).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { PortForwardStart } from '../protocol/index.js';
import { deployment, startCluster, webApp } from '../test/integration/exec-helpers.js';
import { waitFor } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

const bulkMiB = 64;
// Writes bulkMiB MiB to every connection, then closes it.
const bulkServer = `require('net').createServer((s) => { const b = Buffer.alloc(1 << 20, 120); let n = 0; s.on('error', () => {}); const w = () => { while (n < ${bulkMiB}) { n++; if (!s.write(b)) return s.once('drain', w); } s.end(); }; w(); }).listen(9000)`;

function get(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function bulk(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bytes = 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('end', () =>
      bytes === bulkMiB << 20 ? resolve(performance.now() - started) : reject(new Error(`got ${bytes} bytes`)),
    );
    socket.on('error', reject);
  });
}

/**
 * Request latencies through two forwards, one request each in turn after a few unmeasured ones: a
 * machine whose load changes during the run weighs on both sides alike.
 */
async function alternatingLatencies(first: number, second: number, count: number): Promise<[number[], number[]]> {
  const samples: [number[], number[]] = [[], []];
  for (let i = -5; i < count; i++) {
    for (const [side, port] of [first, second].entries()) {
      const started = performance.now();
      await get(port);
      if (i >= 0) samples[side]?.push(performance.now() - started);
    }
  }
  return samples;
}

function kubectlForward(
  env: NodeJS.ProcessEnv,
  target: string,
  remote: number,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('kubectl', ['port-forward', '-n', 'bench-forward', target, `:${remote}`], { env });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /127\.0\.0\.1:(\d+) ->/.exec(out)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port) });
    });
    child.on('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}: ${out}`)));
  });
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const requests = ctx.quick ? 50 : 300;
  const bulkRuns = ctx.quick ? 2 : 6;
  const reconnects = ctx.quick ? 2 : 5;
  const cluster = await startCluster('bench-forward', [
    webApp('web'),
    deployment('bulk', { image: 'podloop/node-dev:1.0', command: ['node', '-e', bulkServer] }),
  ]);
  const kubectls: ChildProcess[] = [];
  try {
    await Promise.all([cluster.waitForReadyPod('web'), cluster.waitForReadyPod('bulk')]);
    const { connection } = cluster.engine;
    const start = (name: string, remotePort: number) =>
      connection.sendRequest(PortForwardStart.type, { kind: 'Deployment', name, remotePort, localPort: 0 });
    const engineWeb = await start('web', 8080);
    const engineBulk = await start('bulk', 9000);
    const kubectlWeb = await kubectlForward(cluster.sandbox.env, 'deploy/web', 8080);
    kubectls.push(kubectlWeb.child);
    const kubectlBulk = await kubectlForward(cluster.sandbox.env, 'deploy/bulk', 9000);
    kubectls.push(kubectlBulk.child);

    const [engineLatency, kubectlLatency] = await alternatingLatencies(engineWeb.localPort, kubectlWeb.port, requests);
    const engineBulkMs: number[] = [];
    const kubectlBulkMs: number[] = [];
    // Which side goes first alternates: a transfer's aftermath (its pod connection closing, garbage
    // collection in the sandbox) would otherwise always weigh on the same side.
    for (let i = 0; i < bulkRuns; i++) {
      if (i % 2 === 0) {
        engineBulkMs.push(await bulk(engineBulk.localPort));
        kubectlBulkMs.push(await bulk(kubectlBulk.port));
      } else {
        kubectlBulkMs.push(await bulk(kubectlBulk.port));
        engineBulkMs.push(await bulk(engineBulk.localPort));
      }
    }
    const mbps = (ms: number) => Math.round((bulkMiB / (ms / 1000)) * 10) / 10;

    const reconnectMs: number[] = [];
    for (let i = 0; i < reconnects; i++) {
      const pod = cluster.readyPods('web')[0] ?? '';
      const deleted = performance.now();
      cluster.deletePod(pod);
      await waitFor(
        'an answer through the engine forward after the pod deletion',
        async () => {
          if (cluster.readyPods('web').every((name) => name === pod)) return false;
          return get(engineWeb.localPort).then(
            () => true,
            () => false,
          );
        },
        60_000,
      );
      reconnectMs.push(performance.now() - deleted);
    }
    const engineMedian = median(engineLatency);
    const kubectlMedian = median(kubectlLatency);
    const engineMbps = mbps(median(engineBulkMs));
    const kubectlMbps = mbps(median(kubectlBulkMs));
    ctx.log(
      `portForward: latency engine ${engineMedian.toFixed(2)} ms vs kubectl ${kubectlMedian.toFixed(2)} ms; throughput engine ${engineMbps} MiB/s vs kubectl ${kubectlMbps} MiB/s; reconnect ${median(reconnectMs).toFixed(0)} ms`,
    );
    return {
      name: 'portForward',
      description: `HTTP GET / with a new connection per request (${requests}, engine and kubectl in turn), ${bulkMiB} MiB bulk reads (${bulkRuns}, alternating which side goes first), and pod deletions (${reconnects}), through the engine's forward and through kubectl port-forward against the same sandbox.`,
      metrics: [
        summarize('engine-request-latency', engineLatency),
        summarize('kubectl-request-latency', kubectlLatency),
        summarize(`engine-bulk-${bulkMiB}MiB`, engineBulkMs),
        summarize(`kubectl-bulk-${bulkMiB}MiB`, kubectlBulkMs),
        summarize('engine-reconnect-after-pod-deletion', reconnectMs, 5000),
      ],
      notes: [
        `Median latency ratio engine/kubectl: ${(engineMedian / kubectlMedian).toFixed(2)}.`,
        `Throughput (median): engine ${engineMbps} MiB/s, kubectl ${kubectlMbps} MiB/s; ratio ${(engineMbps / kubectlMbps).toFixed(2)}.`,
        'Reconnect time runs from the pod deletion until an HTTP request through the engine forward succeeds (includes the replacement pod becoming Ready).',
      ],
    };
  } finally {
    for (const child of kubectls) child.kill('SIGTERM');
    await cluster.close();
  }
}
