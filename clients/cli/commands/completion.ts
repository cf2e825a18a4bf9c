// `podloop completion <bash|zsh>`: prints a completion script built from this very program, so it
// lists exactly the commands the CLI parses. Local: no engine and no cluster involved.
import type { Command } from 'commander';
import { ErrorCodes } from '../../../protocol/errors.js';
import { bashCompletionScript, completionSpec, zshCompletionScript } from '../completion.js';
import { ExitCode } from '../exitCodes.js';
import { printError } from '../output.js';
import { UsageError } from '../workloadRef.js';

function script(program: Command, shell: string): string {
  const spec = completionSpec(program);
  if (shell === 'bash') return bashCompletionScript(spec);
  if (shell === 'zsh') return zshCompletionScript(spec);
  throw new UsageError(`completion scripts exist for bash and zsh, not '${shell}'`);
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script (bash or zsh)')
    .addHelpText(
      'after',
      '\nInstall it with:\n  bash: source <(podloop completion bash)   (e.g. in ~/.bashrc)\n  zsh:  podloop completion zsh > "${fpath[1]}/_podloop"   (then start a new shell)',
    )
    .action((shell: string, _options: unknown, command: Command) => {
      try {
        process.stdout.write(script(program, shell));
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        printError(
          command.optsWithGlobals<{ json?: boolean }>().json === true,
          ErrorCodes.InvalidParams,
          error.message,
        );
        process.exitCode = ExitCode.Usage;
      }
    });
}
