// `podloop logs KIND/NAME [-f] [-c C] [--pod P] [--tail N] [--since 5m] [--timestamps] [--previous]`:
// renders the engine's log batches, each line prefixed with its pod and container.
import type { Command } from 'commander';
import { LogLines, LogsFollow, LogsStop } from '../../../protocol/logs.js';
import type { LogLine } from '../../../protocol/logs.js';
import { UsageError } from '../workloadRef.js';
import { run } from './action.js';
import { workloadOf } from './exec.js';

/** `30s`, `5m`, `2h`, `1d` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (match === null) throw new UsageError(`--since must be a duration like 30s, 5m, 2h or 1d, got '${text}'`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function renderLine(line: LogLine, timestamps: boolean): string {
  return `${timestamps && line.time !== undefined ? `${line.time} ` : ''}[${line.pod}/${line.container}] ${line.text}\n`;
}

export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .argument('<workload>')
    .description("print the logs of KIND/NAME's pods; -f follows them across restarts and rollouts")
    .option('-f, --follow', 'keep following, including pods that replace the current ones')
    .option('-c, --container <name>', 'only this container')
    .option('--pod <name>', 'only this pod')
    .option('--tail <lines>', 'lines of history per container (default: all)')
    .option('--since <duration>', 'only lines newer than this, e.g. 5m')
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('--previous', 'also the previous instance of restarted containers')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const tail = globals.tail === undefined ? -1 : Number(globals.tail);
        if (!Number.isInteger(tail) || tail < -1)
          throw new UsageError(`--tail must be a number of lines, got '${String(globals.tail)}'`);
        const timestamps = globals.timestamps === true;
        let ended: () => void = () => undefined;
        const done = new Promise<void>((resolve) => {
          ended = resolve;
        });
        engine.onNotification(LogLines.type, (batch) => {
          const out = batch.lines
            .map((line) => (globals.json === true ? `${JSON.stringify(line)}\n` : renderLine(line, timestamps)))
            .join('');
          process.stdout.write(out);
          if (batch.dropped !== undefined)
            process.stderr.write(`podloop: ${batch.dropped} log lines dropped (output too slow)\n`);
          if (batch.end === true) ended();
        });
        const { streamId } = await engine.request(LogsFollow.type, {
          ...workloadOf(ref, globals),
          tailLines: tail,
          follow: globals.follow === true,
          ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
          ...(typeof globals.pod === 'string' ? { pod: globals.pod } : {}),
          ...(typeof globals.since === 'string' ? { sinceSeconds: parseDuration(globals.since) } : {}),
          ...(globals.previous === true ? { previous: true } : {}),
        });
        await Promise.race([done, engine.interrupted]);
        await engine.request(LogsStop.type, { streamId }).catch(() => undefined);
      }),
    );
}
