// `podloop config init` and `podloop config validate`: the project's .podloop/config.yaml, checked and
// written locally; no engine and no cluster involved.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ErrorCodes } from '../../../protocol/errors.js';
import { ConfigExistsError, initProjectConfig } from '../../../server/config/init.js';
import { ConfigError, configFileNames, loadConfigFile } from '../../../server/config/load.js';
import { languages, type Language } from '../../../server/config/types.js';
import { exitCodeForError, ExitCode } from '../exitCodes.js';
import { printError, printJson } from '../output.js';
import { UsageError } from '../workloadRef.js';

interface ConfigOptions {
  json?: boolean;
  language?: string;
  force?: boolean;
  dir?: string;
}

function options(command: Command): ConfigOptions {
  return command.optsWithGlobals<ConfigOptions>();
}

/** Runs a local command: usage errors exit 2, everything else is reported like an engine error. */
function local(action: (opts: ConfigOptions, args: string[]) => Promise<void>): (...raw: unknown[]) => Promise<void> {
  return async (...raw) => {
    const command = raw[raw.length - 1] as Command;
    const opts = options(command);
    try {
      await action(opts, command.args);
    } catch (error) {
      if (error instanceof UsageError) {
        printError(opts.json === true, ErrorCodes.InvalidParams, error.message);
        process.exitCode = ExitCode.Usage;
        return;
      }
      if (error instanceof ConfigError) {
        printError(opts.json === true, ErrorCodes.InvalidConfig, error.message, error.data);
        process.exitCode = exitCodeForError(ErrorCodes.InvalidConfig);
        return;
      }
      if (error instanceof ConfigExistsError) {
        printError(opts.json === true, ErrorCodes.InvalidConfig, error.message, { source: error.file });
        process.exitCode = exitCodeForError(ErrorCodes.InvalidConfig);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      printError(opts.json === true, ErrorCodes.UnknownError, message);
      process.exitCode = ExitCode.EngineError;
    }
  };
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description("the project's .podloop/config.yaml");
  config
    .command('init')
    .description('write a commented starter .podloop/config.yaml for the detected (or given) language')
    .option('--language <language>', `one of ${languages.join(', ')} (default: detected from the project)`)
    .option('--dir <dir>', 'project folder (default: the current folder)')
    .option('--force', 'replace an existing configuration')
    .action(
      local(async (opts) => {
        const language = opts.language;
        if (language !== undefined && !(languages as readonly string[]).includes(language))
          throw new UsageError(`--language must be one of ${languages.join(', ')}, got '${language}'`);
        const result = await initProjectConfig(resolve(opts.dir ?? process.cwd()), {
          ...(language !== undefined ? { language: language as Language } : {}),
          ...(opts.force === true ? { force: true } : {}),
        });
        if (opts.json === true) return printJson(result);
        process.stdout.write(
          `Wrote ${result.file} for ${result.language}${result.detected ? ' (detected)' : ''}; edit it, then run 'podloop config validate'.\n`,
        );
      }),
    );
  config
    .command('validate [file]')
    .description(`check a configuration (default: ${configFileNames[0]} in the current folder)`)
    .action(
      local(async (opts, [file]) => {
        const path = resolve(file ?? configFileNames[0]!);
        const parsed = await loadConfigFile(path);
        if (opts.json === true) return printJson({ file: path, valid: true, workloads: parsed.workloads.length });
        process.stdout.write(`${path} is valid: ${parsed.workloads.length} workload(s).\n`);
      }),
    );
}
