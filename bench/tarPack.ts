// Packing the initial-sync tree into tar, without any channel: podloop's own encoder (what every
// sync batch uses) against tar-fs's pack of the same folder, both into a sink that only counts.
// The number behind the choice of packer stated in the README's design notes.
import { Writable } from 'node:stream';
import { join } from 'node:path';
import tarFs from 'tar-fs';
import { scanTree } from '../server/sync/manifest.js';
import { writeTar } from '../server/sync/tarBatch.js';
import { tempDir } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';
import { generateTree } from './sync.js';

function countingSink(): Writable & { bytes: number } {
  const sink = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function packOwn(root: string): Promise<number> {
  const started = performance.now();
  const { entries } = await scanTree(root, { isIgnored: () => false });
  await writeTar(root, [...entries.values()], countingSink());
  return performance.now() - started;
}

async function packTarFs(root: string): Promise<number> {
  const started = performance.now();
  const sink = countingSink();
  await new Promise<void>((resolve, reject) => {
    const pack = tarFs.pack(root);
    pack.once('error', reject);
    sink.once('finish', () => resolve());
    pack.pipe(sink);
  });
  return performance.now() - started;
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const files = ctx.quick ? 1000 : 10_000;
  const rounds = ctx.quick ? 2 : 5;
  const tree = join(tempDir('bench-tar'), 'tree');
  const bytes = generateTree(tree, files, Math.round((100 * 1024 * 1024) / 10_000));
  const own: number[] = [];
  const tarFsSamples: number[] = [];
  // Alternating, so that load from the rest of the machine hits both alike.
  for (let round = 0; round < rounds; round++) {
    own.push(await packOwn(tree));
    tarFsSamples.push(await packTarFs(tree));
  }
  const ownMetric = summarize('own-encoder-scan-and-pack', own);
  const tarFsMetric = summarize('tar-fs-pack', tarFsSamples);
  return {
    name: 'tarPack',
    description: `Packing ${files} files / ${Math.round(bytes / 1024 / 1024)} MiB into a counting sink (page cache warm)`,
    metrics: [ownMetric, tarFsMetric],
    notes: [
      `Own encoder (scan included) p50 ${Math.round(ownMetric.median)} ms vs tar-fs pack p50 ${Math.round(tarFsMetric.median)} ms over ${rounds} alternating rounds: ratio ${(ownMetric.median / tarFsMetric.median).toFixed(2)}.`,
    ],
  };
}
