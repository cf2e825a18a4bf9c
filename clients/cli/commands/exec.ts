// `podloop exec KIND/NAME [-i] [-t] [-c C] -- COMMAND...`: a command to completion, or an
// interactive session whose terminal (raw mode, window size) the engine relays to the container.
import type { Command } from 'commander';
import type { WorkloadParams } from '../../../protocol/dev.js';
import { ExecExit, ExecInput, ExecOutput, ExecResize, ExecRun, ExecStart, ExecStop } from '../../../protocol/exec.js';
import type { CliEngine, GlobalOptions } from '../engineSession.js';
import { printJson } from '../output.js';
import { parseWorkloadRef } from '../workloadRef.js';
import { run } from './action.js';

export function workloadOf(ref: string, globals: GlobalOptions): WorkloadParams {
  return { ...parseWorkloadRef(ref), ...(globals.namespace !== undefined ? { namespace: globals.namespace } : {}) };
}

async function interactive(
  engine: CliEngine,
  params: WorkloadParams & { command: string[]; container?: string },
  tty: boolean,
): Promise<number> {
  const stdout = process.stdout;
  const { sessionId } = await engine.request(ExecStart.type, {
    ...params,
    tty,
    ...(tty && stdout.isTTY ? { columns: stdout.columns, rows: stdout.rows } : {}),
  });
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    finish = resolve;
  });
  engine.onNotification(ExecOutput.type, (output) => {
    if (output.sessionId !== sessionId) return;
    (output.stream === 'stderr' ? process.stderr : stdout).write(Buffer.from(output.data, 'base64'));
  });
  engine.onNotification(ExecExit.type, (exit) => {
    if (exit.sessionId === sessionId) finish(exit.exitCode);
  });
  const stdin = process.stdin;
  const raw = tty && stdin.isTTY;
  // In raw mode Ctrl-C is a byte for the remote terminal, not a signal for podloop.
  if (raw) stdin.setRawMode(true);
  const onData = (chunk: Buffer): void => engine.notify(ExecInput.type, { sessionId, data: chunk.toString('base64') });
  const onEnd = (): void => engine.notify(ExecInput.type, { sessionId, eof: true });
  const onResize = (): void =>
    engine.notify(ExecResize.type, { sessionId, columns: stdout.columns, rows: stdout.rows });
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  if (tty) stdout.on('resize', onResize);
  try {
    return await Promise.race([exited, engine.interrupted.then(() => 130)]);
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdout.off('resize', onResize);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    await engine.request(ExecStop.type, { sessionId }).catch(() => undefined);
  }
}

export function registerExecCommand(program: Command): void {
  program
    .command('exec')
    .argument('<workload>')
    .argument('<command...>')
    .description('run COMMAND in a container of KIND/NAME (use -- before it); -it for a terminal')
    .option('-c, --container <name>', 'container (default: the dev container, else the first)')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a terminal (raw mode, window resizes)')
    .action(
      run(async (globals, [ref = '', ...command], engine) => {
        const params = {
          ...workloadOf(ref, globals),
          command,
          ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
        };
        if (globals.stdin === true || globals.tty === true) {
          process.exitCode = await interactive(engine, params, globals.tty === true);
          return;
        }
        const result = await engine.request(ExecRun.type, params);
        if (globals.json === true) printJson(result);
        else {
          process.stdout.write(result.stdout);
          process.stderr.write(result.stderr);
        }
        process.exitCode = result.exitCode;
      }),
    );
}
