// Log throughput through the engine: a container writes N numbered lines, then the engine streams
// the whole log to a client; lines/s, lines lost (must be 0) and the engine's peak RSS.
import { readFileSync } from 'node:fs';
import { ExecRun, LogLines, LogsFollow, LogsStop } from '../protocol/index.js';
import { startCluster, deployment } from '../test/integration/exec-helpers.js';
import { waitFor } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

/** A process's resident set in MiB: `VmHWM` (peak) or `VmRSS` (now), from Linux /proc. */
function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Math.round(Number(match[1]) / 1024);
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const lines = ctx.quick ? 100_000 : 1_000_000;
  const cluster = await startCluster('bench-logs', [
    deployment('writer', {
      image: 'podloop/busybox:1.0',
      command: ['sh', '-c', `seq 1 ${lines}; touch /tmp/done; exec sleep infinity`],
    }),
  ]);
  try {
    await cluster.waitForReadyPod('writer');
    const { connection } = cluster.engine;
    await waitFor(
      'the writer to finish',
      async () =>
        (
          await connection.sendRequest(ExecRun.type, {
            kind: 'Deployment',
            name: 'writer',
            command: ['test', '-f', '/tmp/done'],
          })
        ).exitCode === 0,
      600_000,
    );
    const seen = new Uint8Array(lines + 1);
    let received = 0;
    let duplicates = 0;
    let dropped = 0;
    connection.onNotification(LogLines.type, (batch) => {
      dropped += batch.dropped ?? 0;
      for (const line of batch.lines) {
        const n = Number(line.text);
        if (seen[n] === 1) duplicates += 1;
        seen[n] = 1;
        received += 1;
      }
    });
    const pid = cluster.engine.child.pid ?? 0;
    const rssBefore = rssMiB(pid, 'VmRSS');
    const started = performance.now();
    const { streamId } = await connection.sendRequest(LogsFollow.type, {
      kind: 'Deployment',
      name: 'writer',
      tailLines: -1,
      follow: true,
    });
    await waitFor('every line', () => received >= lines, 600_000);
    const elapsedMs = performance.now() - started;
    await connection.sendRequest(LogsStop.type, { streamId });
    let lost = 0;
    for (let n = 1; n <= lines; n++) if (seen[n] !== 1) lost += 1;
    const rss = rssMiB(pid, 'VmHWM');
    const perSecond = Math.round(lines / (elapsedMs / 1000));
    ctx.log(
      `logs: ${lines} lines in ${Math.round(elapsedMs)} ms (${perSecond}/s), lost ${lost}, dup ${duplicates}, peak RSS ${rss} MiB`,
    );
    return {
      name: 'logs',
      description: `A container's ${lines.toLocaleString('en')} log lines streamed through the engine to a client (logs/follow, all history).`,
      metrics: [summarize(`stream-${lines}-lines`, [elapsedMs])],
      notes: [
        `Throughput: ${perSecond.toLocaleString('en')} lines/s.`,
        `Lines lost: ${lost}; duplicated: ${duplicates}; reported dropped: ${dropped}.`,
        `Engine peak RSS (VmHWM) during the run: ${rss} MiB (${rssBefore} MiB before the stream started).`,
      ],
    };
  } finally {
    await cluster.close();
  }
}
