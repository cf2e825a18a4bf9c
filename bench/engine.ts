// Engine benchmarks: time from spawn to the initialize result, and round-trip latency of a cheap
// request on a warm engine.
import { DevStatus, Exit, Shutdown } from '../protocol/index.js';
import { spawnEngine, startInitializedEngine } from '../test/helpers/engine.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

async function startToInitialized(): Promise<number> {
  const started = performance.now();
  const engine = await startInitializedEngine();
  const elapsed = performance.now() - started;
  await engine.connection.sendRequest(Shutdown.type);
  await engine.connection.sendNotification(Exit.type);
  await engine.exited;
  await engine.close();
  return elapsed;
}

async function roundTrips(count: number): Promise<number[]> {
  const engine = spawnEngine();
  try {
    await engine.connection.sendRequest('initialize', { processId: process.pid });
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

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const starts = ctx.quick ? 5 : 20;
  const startSamples: number[] = [];
  for (let i = 0; i < starts; i++) startSamples.push(await startToInitialized());
  ctx.log(`engine start: ${starts} runs`);
  const requests = ctx.quick ? 300 : 2000;
  const latency = await roundTrips(requests);
  ctx.log(`engine round trips: ${requests} requests`);
  return {
    name: 'engine',
    description:
      'The built engine spawned over stdio: spawn → initialize result, and sequential round trips of `dev/status` on a warm engine.',
    metrics: [summarize('start-to-initialized', startSamples, 300), summarize('request-round-trip', latency, 1)],
  };
}
