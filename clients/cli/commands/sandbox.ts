// `podloop sandbox up|down|status`: the local sandbox cluster.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SandboxDown, SandboxImportImage, SandboxStatus, SandboxUp } from '../../../protocol/sandbox.js';
import type { SandboxInfo, SandboxParams } from '../../../protocol/sandbox.js';
import { printJson } from '../output.js';
import { UsageError } from '../workloadRef.js';
import { run } from './action.js';
import type { CommandOptions } from './action.js';

function sandboxParams(options: CommandOptions): SandboxParams {
  const params: SandboxParams = {};
  if (typeof options.stateDir === 'string') params.stateDir = options.stateDir;
  if (typeof options.port === 'string') {
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
    run(async (options, _args, engine) => {
      const info = await engine.request(SandboxUp.type, sandboxParams(options), { progress: true });
      if (options.json === true) return printJson(info);
      process.stdout.write(describe(info));
    }),
  );
  withSandboxOptions(sandbox.command('down').description('stop the sandbox and its pods (state is kept)')).action(
    run(async (options, _args, engine) => {
      const result = await engine.request(SandboxDown.type, sandboxParams(options));
      if (options.json === true) return printJson(result);
      process.stdout.write(result.stopped ? 'The sandbox stopped.\n' : 'The sandbox was not running.\n');
    }),
  );
  withSandboxOptions(sandbox.command('status').description('whether the sandbox runs and how to reach it')).action(
    run(async (options, _args, engine) => {
      const info = await engine.request(SandboxStatus.type, sandboxParams(options));
      if (options.json === true) return printJson(info);
      process.stdout.write(describe(info));
    }),
  );
  const image = sandbox.command('image').description('manage the sandbox image store');
  image
    .command('import')
    .description('add an image folder (manifest.json + rootfs/) under NAME:TAG')
    .argument('<dir>', 'image folder')
    .requiredOption('--name <name:tag>', 'the reference pods use, e.g. shop/api:dev')
    .option('--state-dir <dir>', 'state directory (default ~/.podloop/sandbox)')
    .action(
      run(async (options, args, engine) => {
        const [dir] = args;
        if (typeof dir !== 'string' || typeof options.name !== 'string')
          throw new UsageError('usage: podloop sandbox image import DIR --name NAME:TAG');
        const result = await engine.request(SandboxImportImage.type, {
          dir: resolve(dir),
          name: options.name,
          ...(typeof options.stateDir === 'string' ? { stateDir: options.stateDir } : {}),
        });
        if (options.json === true) return printJson(result);
        process.stdout.write(`Imported ${resolve(dir)} as ${result.name}.\n`);
      }),
    );
}
