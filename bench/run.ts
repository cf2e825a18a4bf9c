// Runs the benchmark modules (every bench/*.js exporting `run(ctx)`, or those named on the command
// line) one after the other and writes bench/results.json and bench/results.md.
import { cpus } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyBaselines, writeResults } from './report.js';
import type { BenchContext, BenchResults, BenchSection } from './report.js';

const compiledDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const benchSources = join(root, 'bench');

type BenchModule = { run?: (ctx: BenchContext) => Promise<BenchSection> };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((arg) => !arg.startsWith('--'));
  const names = readdirSync(compiledDir)
    .filter((file) => file.endsWith('.js') && !['run.js', 'report.js'].includes(file))
    .map((file) => file.slice(0, -3))
    .filter((name) => only.length === 0 || only.includes(name))
    .sort();
  const ctx: BenchContext = { root, quick, log: (message) => process.stderr.write(`bench: ${message}\n`) };
  const sections: BenchSection[] = [];
  let failed = false;
  for (const name of names) {
    const module = (await import(pathToFileURL(join(compiledDir, `${name}.js`)).href)) as BenchModule;
    if (typeof module.run !== 'function') continue;
    ctx.log(`running ${name}`);
    try {
      sections.push(await module.run(ctx));
    } catch (error) {
      failed = true;
      ctx.log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sections.push({
        name,
        description: 'failed',
        metrics: [],
        notes: [`Failed: ${error instanceof Error ? error.message : String(error)}`],
      });
    }
  }
  applyBaselines(sections, join(benchSources, 'baselines.json'));
  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    sections,
  };
  writeResults(results, join(benchSources, 'results.json'), join(benchSources, 'results.md'));
  for (const section of sections) {
    for (const metric of section.metrics) {
      process.stdout.write(
        `${section.name}/${metric.name}: median ${metric.median} ms, p95 ${metric.p95} ms${metric.target !== undefined ? ` (target < ${metric.target} ms: ${metric.pass === true ? 'met' : 'MISSED'})` : ''}\n`,
      );
    }
  }
  process.stdout.write(`wrote ${join(benchSources, 'results.md')}\n`);
  if (failed) process.exitCode = 1;
}

await main();
