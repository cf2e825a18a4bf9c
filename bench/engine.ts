// Engine benchmarks: time from spawn to the initialize result, and round-trip latency of a cheap
// request on a warm engine.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterContexts, DevStatus, Exit, Shutdown } from '../protocol/index.js';
import { spawnEngine, startInitializedEngine } from '../test/helpers/engine.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

/** A kubeconfig like a user's, so initialize reads one as it would for real. */
function writeKubeconfig(dir: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- cluster:',
      '    server: https://127.0.0.1:6443',
      '    insecure-skip-tls-verify: true',
      '  name: bench',
      'contexts:',
      '- context:',
      '    cluster: bench',
      '    namespace: shop',
      '    user: bench',
      '  name: bench',
      'current-context: bench',
      'users:',
      '- name: bench',
      '  user:',
      '    token: bench-token',
      '',
    ].join('\n'),
  );
  return path;
}

async function startToInitialized(kubeconfig: string): Promise<number> {
  const started = performance.now();
  const engine = await startInitializedEngine({ kubeconfig });
  const elapsed = performance.now() - started;
  await engine.connection.sendRequest(Shutdown.type);
  await engine.connection.sendNotification(Exit.type);
  await engine.exited;
  await engine.close();
  return elapsed;
}

/** A bare `node -e 0` spawn: the floor under the engine's start time on this machine right now. */
function bareNodeSpawn(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - started));
  });
}

async function roundTrips(count: number): Promise<number[]> {
  const engine = spawnEngine();
  try {
    await engine.connection.sendRequest('initialize', { processId: process.pid });
    // Its answer (contexts or InvalidConfig) waits for the Kubernetes client to load, so that load
    // does not land among the samples.
    await engine.connection.sendRequest(ClusterContexts.type, {}).catch(() => undefined);
    const once = async (): Promise<number> => {
      const started = performance.now();
      // dev/status is answered from memory (or with NotSupportedYet): it measures the engine's own path.
      await engine.connection.sendRequest(DevStatus.type, {}).catch(() => undefined);
      return performance.now() - started;
    };
    for (let i = 0; i < 200; i++) await once();
    const samples: number[] = [];
    for (let i = 0; i < count; i++) samples.push(await once());
    return samples;
  } finally {
    await engine.close();
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-bench-'));
  try {
    return await measure(ctx, writeKubeconfig(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(ctx: BenchContext, kubeconfig: string): Promise<BenchSection> {
  const starts = ctx.quick ? 5 : 20;
  const startSamples: number[] = [];
  const nodeSamples: number[] = [];
  for (let i = 0; i < starts; i++) {
    // Interleaved, so both see the same machine load.
    nodeSamples.push(await bareNodeSpawn());
    startSamples.push(await startToInitialized(kubeconfig));
  }
  ctx.log(`engine start: ${starts} runs`);
  const requests = ctx.quick ? 300 : 2000;
  const latency = await roundTrips(requests);
  ctx.log(`engine round trips: ${requests} requests`);
  return {
    name: 'engine',
    description:
      'The built engine spawned over stdio with a kubeconfig: spawn → initialize result, and sequential round trips of `dev/status` on a warm engine.',
    metrics: [
      summarize('start-to-initialized', startSamples, 300),
      summarize('bare-node-spawn (reference)', nodeSamples),
      summarize('request-round-trip', latency, 1),
    ],
    notes: [
      `Engine start costs ${(median(startSamples) / Math.max(median(nodeSamples), 0.001)).toFixed(1)}× a bare Node.js spawn measured at the same time; on a loaded machine both grow together.`,
    ],
  };
}
