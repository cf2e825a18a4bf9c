// Folder watcher benchmark: start-up time and resident memory of the sync's watcher on a tree of
// 50,000 files in 500 folders, both backends alternating, each run in a fresh process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type BenchContext, type BenchSection } from './report.js';
import { generateTree } from './sync.js';
import type { WatcherBackend } from '../server/sync/watcher.js';

interface WatcherSample {
  readyMs: number;
  /** Resident memory after two collections 2 s apart, as the engine runs them once quiet. */
  rssMiB: number;
  /** The same, minus the process's resident memory before the watcher started. */
  addedMiB: number;
}

// Runs in the child: only the watcher module is loaded, so the memory it adds stands out.
const childScript = `
const [moduleUrl, backend, root] = process.argv.slice(1);
const { watchTree } = await import(moduleUrl);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
gc();
const before = process.memoryUsage().rss;
const start = performance.now();
const watcher = watchTree(root, { isIgnored: () => false, onPath() {}, onError(error) { throw error; } }, backend);
await watcher.ready;
const readyMs = performance.now() - start;
await sleep(2000); gc(); await sleep(2000); gc();
const { rss } = process.memoryUsage();
process.stdout.write(JSON.stringify({ readyMs, rssMiB: rss / 1048576, addedMiB: (rss - before) / 1048576 }));
await watcher.close();
`;

async function measure(backend: WatcherBackend, root: string): Promise<WatcherSample> {
  const moduleUrl = new URL('../server/sync/watcher.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', childScript, moduleUrl, backend, root],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the ${backend} watcher run exited with ${code}`);
  return JSON.parse(output) as WatcherSample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const files = 50_000;
  const rounds = ctx.quick ? 2 : 5;
  const scratch = mkdtempSync(join(tmpdir(), 'podloop-bench-watch-'));
  try {
    ctx.log(`generating ${files} files`);
    generateTree(scratch, files, 64);
    const backends: WatcherBackend[] = ['chokidar', 'directories'];
    const samples = new Map<WatcherBackend, WatcherSample[]>(backends.map((backend) => [backend, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate which backend goes first, so the machine's load weighs on both alike.
      for (const backend of round % 2 === 0 ? backends : [...backends].reverse()) {
        samples.get(backend)?.push(await measure(backend, scratch));
      }
    }
    const of = (backend: WatcherBackend, key: keyof WatcherSample): number =>
      median((samples.get(backend) ?? []).map((sample) => sample[key]));
    const [chokidar, directories] = backends.map((backend) =>
      summarize(
        `ready-${backend}`,
        (samples.get(backend) ?? []).map((sample) => sample.readyMs),
      ),
    );
    return {
      name: 'watcher',
      description: `The sync's folder watcher on ${files} files in ${files / 100} folders, each run in a fresh process (${rounds} rounds alternating the backends)`,
      metrics: [chokidar, directories].filter((metric) => metric !== undefined),
      notes: backends.map(
        (backend) =>
          `${backend}: ready in ${Math.round(of(backend, 'readyMs'))} ms; RSS after two quiet collections ${of(backend, 'rssMiB').toFixed(1)} MiB, ${of(backend, 'addedMiB').toFixed(1)} MiB more than before it started (medians).`,
      ),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
