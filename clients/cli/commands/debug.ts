// `podloop debug KIND/NAME [-- PROGRAM...]`: starts the program under its debugger, prints the IDE
// attach settings and keeps the debug port forwarded until Ctrl-C.
import type { Command } from 'commander';
import { DebugStart } from '../../../protocol/debug.js';
import { LogLines } from '../../../protocol/logs.js';
import { PortForwardStop } from '../../../protocol/portForward.js';
import { RunStop } from '../../../protocol/run.js';
import { printJson } from '../output.js';
import { UsageError } from '../workloadRef.js';
import { run } from './action.js';
import { workloadOf } from './exec.js';

const languages = ['node', 'python', 'go', 'java'] as const;

/** Which JetBrains run configuration attaches to the port, by the VS Code attach type. */
function jetbrainsHint(type: unknown): string {
  switch (type) {
    case 'java':
      return 'IntelliJ: Remote JVM Debug';
    case 'go':
      return 'GoLand: Go Remote';
    case 'node':
      return 'WebStorm: Attach to Node.js/Chrome';
    case 'debugpy':
      return 'debugpy speaks DAP: attach with VS Code or another DAP client; PyCharm cannot attach to it';
    default:
      return 'JetBrains: attach to this host and port';
  }
}

export function registerDebugCommand(program: Command): void {
  program
    .command('debug')
    .argument('<workload>')
    .argument('[program...]')
    .description('run PROGRAM (default: the configured one) under its debugger and print IDE attach settings')
    .option('--language <language>', 'node, python, go or java (default: detected)')
    .option('--port <n>', 'local port (default: a free one)')
    .option('--remote-port <n>', 'debug port in the container (default per language)')
    .option('-c, --container <name>', 'container (default: the dev container)')
    .action(
      run(async (globals, [ref = '', ...command], engine) => {
        const language = globals.language as (typeof languages)[number] | undefined;
        if (language !== undefined && !languages.includes(language))
          throw new UsageError(`--language must be node, python, go or java, got '${String(language)}'`);
        const number = (value: unknown, what: string): number => {
          const parsed = Number(value);
          if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
            throw new UsageError(`${what} must be a port number`);
          return parsed;
        };
        let runId = '';
        engine.onNotification(LogLines.type, (batch) => {
          if (batch.streamId === runId) process.stderr.write(batch.lines.map((line) => `${line.text}\n`).join(''));
        });
        const result = await engine.request(
          DebugStart.type,
          {
            ...workloadOf(ref, globals),
            ...(language !== undefined ? { language } : {}),
            ...(command.length > 0 ? { command } : {}),
            ...(globals.port !== undefined ? { localPort: number(globals.port, '--port') } : {}),
            ...(globals.remotePort !== undefined ? { remotePort: number(globals.remotePort, '--remote-port') } : {}),
            ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
          },
          { progress: true },
        );
        runId = result.runId;
        if (globals.json === true) printJson(result);
        else
          process.stdout.write(
            `Debugger listening on ${result.jetbrains.host}:${result.jetbrains.port} (${jetbrainsHint(result.vscodeLaunchConfig.type)})\n` +
              `VS Code launch.json entry:\n${JSON.stringify(result.vscodeLaunchConfig, null, 2)}\nPress Ctrl-C to stop.\n`,
          );
        await engine.interrupted;
        await engine.request(PortForwardStop.type, { id: result.forwardId }).catch(() => undefined);
        await engine.request(RunStop.type, { runId: result.runId }).catch(() => undefined);
      }),
    );
}
