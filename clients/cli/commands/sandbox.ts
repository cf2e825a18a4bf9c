// `podloop sandbox up|down|status`: the local sandbox cluster.
import type { Command } from 'commander';
import { SandboxDown, SandboxStatus, SandboxUp } from '../../../protocol/sandbox.js';
import type { SandboxInfo, SandboxParams } from '../../../protocol/sandbox.js';
import { withEngine } from '../engineSession.js';
import type { GlobalOptions } from '../engineSession.js';
import { printJson } from '../output.js';
import { UsageError } from '../workloadRef.js';

interface SandboxOptions extends GlobalOptions {
  stateDir?: string;
  port?: string;
}

function sandboxParams(options: SandboxOptions): SandboxParams {
  const params: SandboxParams = {};
  if (options.stateDir !== undefined) params.stateDir = options.stateDir;
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a port number, got '${options.port}'`);
    params.port = port;
  }
  return params;
}

function describe(info: SandboxInfo): string {
  if (!info.running) return `The sandbox is not running (state in ${info.stateDir}).\n`;
  return [
    `The sandbox is running${info.pid !== undefined ? ` (pid ${info.pid})` : ''} at ${info.server}.`,
    `Use it with: export KUBECONFIG=${info.kubeconfigPath}`,
    '',
  ].join('\n');
}

export function registerSandboxCommands(program: Command): void {
  const sandbox = program.command('sandbox').description('run the local sandbox cluster');
  const withSandboxOptions = (command: Command) =>
    command
      .option('--state-dir <dir>', 'state directory (default ~/.podloop/sandbox)')
      .option('--port <n>', 'API server port (default: a free one, kept)');

  withSandboxOptions(sandbox.command('up').description('start the sandbox (or reuse a running one)')).action(
    (_o: object, command: Command) =>
      withEngine(command.optsWithGlobals<GlobalOptions>(), async (engine) => {
        const options = command.optsWithGlobals<SandboxOptions>();
        const info = await engine.request(SandboxUp.type, sandboxParams(options), { progress: true });
        if (options.json === true) return printJson(info);
        process.stdout.write(describe(info));
      }),
  );
  withSandboxOptions(sandbox.command('down').description('stop the sandbox and its pods (state is kept)')).action(
    (_o: object, command: Command) =>
      withEngine(command.optsWithGlobals<GlobalOptions>(), async (engine) => {
        const options = command.optsWithGlobals<SandboxOptions>();
        const result = await engine.request(SandboxDown.type, sandboxParams(options));
        if (options.json === true) return printJson(result);
        process.stdout.write(result.stopped ? 'The sandbox stopped.\n' : 'The sandbox was not running.\n');
      }),
  );
  withSandboxOptions(sandbox.command('status').description('whether the sandbox runs and how to reach it')).action(
    (_o: object, command: Command) =>
      withEngine(command.optsWithGlobals<GlobalOptions>(), async (engine) => {
        const options = command.optsWithGlobals<SandboxOptions>();
        const info = await engine.request(SandboxStatus.type, sandboxParams(options));
        if (options.json === true) return printJson(info);
        process.stdout.write(describe(info));
      }),
  );
}
