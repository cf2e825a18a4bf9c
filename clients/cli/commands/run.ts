// `podloop run KIND/NAME [-- COMMAND...]`: the configured (or given) command in the dev container,
// its output streamed, until it exits or Ctrl-C; a line `r` on stdin restarts it.
import type { Command } from 'commander';
import { LogLines } from '../../../protocol/logs.js';
import { createInterface } from 'node:readline';
import { RunExited, RunRestart, RunStart, RunStop } from '../../../protocol/run.js';
import { printJson } from '../output.js';
import { run } from './action.js';
import { workloadOf } from './exec.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .argument('<workload>')
    .argument('[command...]')
    .description('run the configured command (or COMMAND) in the dev container until it exits or Ctrl-C')
    .option('-c, --container <name>', 'container (default: the dev container)')
    .option('--no-restart-on-sync', 'keep the process when synced files change')
    .action(
      run(async (globals, [ref = '', ...command], engine) => {
        let runId = '';
        let exited: (code: number) => void = () => undefined;
        const done = new Promise<number>((resolve) => {
          exited = resolve;
        });
        engine.onNotification(LogLines.type, (batch) => {
          if (batch.streamId !== runId) return;
          process.stdout.write(batch.lines.map((line) => `${line.text}\n`).join(''));
          if (batch.dropped !== undefined) process.stderr.write(`podloop: ${batch.dropped} output lines dropped\n`);
        });
        engine.onNotification(RunExited.type, (exit) => {
          if (exit.runId !== runId) return;
          process.stderr.write(
            `podloop: process exited with code ${exit.exitCode}${exit.restarting ? ', restarting' : ''}\n`,
          );
          if (!exit.restarting) exited(exit.exitCode);
        });
        ({ runId } = await engine.request(RunStart.type, {
          ...workloadOf(ref, globals),
          ...(command.length > 0 ? { command } : {}),
          ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
          ...(globals.restartOnSync === false ? { restartOnSync: false } : {}),
        }));
        if (globals.json === true) printJson({ runId });
        // A line `r` on stdin restarts the process tree, e.g. after changing something sync does not see.
        const input = createInterface({ input: process.stdin, terminal: false });
        input.on('line', (line) => {
          if (line.trim() === 'r') void engine.request(RunRestart.type, { runId }).catch(() => undefined);
        });
        if (process.stdin.isTTY && globals.json !== true)
          process.stderr.write('podloop: type r and Enter to restart\n');
        const code = await Promise.race([done, engine.interrupted.then(() => undefined)]);
        input.close();
        await engine.request(RunStop.type, { runId }).catch(() => undefined);
        if (code !== undefined) process.exitCode = code;
      }),
    );
}
