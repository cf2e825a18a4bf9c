// Benchmark results: the shapes bench modules return, statistics over samples, and the
// results.json / results.md writers (medians, p95, targets, ratios against baselines).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface BenchMetric {
  /** Stable name, unique within its section, e.g. `start-to-initialized`. */
  name: string;
  /** Unit of the numbers below. */
  unit: 'ms';
  samples: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  /** Goal the median must stay under. */
  target?: number;
  /** Median of a recorded earlier run (bench/baselines.json), when there is one. */
  baseline?: number;
  /** median / baseline. */
  ratio?: number;
  /** Whether the median meets the target. */
  pass?: boolean;
}

export interface BenchSection {
  name: string;
  description: string;
  metrics: BenchMetric[];
  notes?: string[];
}

export interface BenchContext {
  /** Repository root. */
  root: string;
  /** Fewer iterations (e.g. in CI smoke runs). */
  quick: boolean;
  log(message: string): void;
}

export interface BenchResults {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  sections: BenchSection[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** Statistics over samples in milliseconds, with the target checked. */
export function summarize(name: string, samplesMs: number[], target?: number): BenchMetric {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const median = round(quantile(sorted, 0.5));
  return {
    name,
    unit: 'ms',
    samples: sorted.length,
    median,
    p95: round(quantile(sorted, 0.95)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    ...(target !== undefined ? { target, pass: median < target } : {}),
  };
}

/** Adds baseline and ratio from a `{ "section/metric": medianMs }` file, when present. */
export function applyBaselines(sections: BenchSection[], baselinesPath: string): void {
  if (!existsSync(baselinesPath)) return;
  const baselines = JSON.parse(readFileSync(baselinesPath, 'utf8')) as Record<string, unknown>;
  for (const section of sections) {
    for (const metric of section.metrics) {
      const baseline = baselines[`${section.name}/${metric.name}`];
      if (typeof baseline === 'number' && baseline > 0) {
        metric.baseline = baseline;
        metric.ratio = round(metric.median / baseline);
      }
    }
  }
}

export function renderMarkdown(results: BenchResults): string {
  const lines = [
    '# podloop benchmarks',
    '',
    `${results.date} · Node ${results.node} · ${results.platform} · ${results.cpus} CPUs`,
    '',
  ];
  for (const section of results.sections) {
    lines.push(
      `## ${section.name}`,
      '',
      section.description,
      '',
      '| Metric | Samples | Median (ms) | p95 (ms) | Min | Max | Target | Baseline | Ratio |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const metric of section.metrics) {
      const target = metric.target !== undefined ? `< ${metric.target} ${metric.pass === true ? '✓' : '✗'}` : '';
      lines.push(
        `| ${metric.name} | ${metric.samples} | ${metric.median} | ${metric.p95} | ${metric.min} | ${metric.max} | ${target} | ${metric.baseline ?? ''} | ${metric.ratio ?? ''} |`,
      );
    }
    for (const note of section.notes ?? []) lines.push('', note);
    lines.push('');
  }
  return lines.join('\n');
}

export function writeResults(results: BenchResults, jsonPath: string, markdownPath: string): void {
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(markdownPath, renderMarkdown(results));
}
