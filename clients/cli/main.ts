// The `podloop` command: the reference client of the protocol. It spawns an engine per command
// and maps subcommands onto protocol requests; it holds no Kubernetes logic.
import { Command, CommanderError } from 'commander';
import { podloopVersion } from './version.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDevCommands } from './commands/dev.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { ExitCode } from './exitCodes.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerPortForwardCommand } from './commands/portForward.js';
import { registerExecCommand } from './commands/exec.js';
import { registerRunCommand } from './commands/run.js';
import { registerDebugCommand } from './commands/debug.js';
import { registerCompletionCommand } from './commands/completion.js';

export function buildProgram(): Command {
  const program = new Command('podloop')
    .description(
      'Develop inside Kubernetes as if it were local: dev containers, file sync, logs, port-forward and debugging.',
    )
    .version(podloopVersion())
    .option('--json', 'print one JSON document on stdout instead of tables')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('-n, --namespace <namespace>', "namespace (default: the context's)")
    .option('--log-file <path>', "write the engine's log to this file")
    .showHelpAfterError("(run 'podloop --help' for usage)")
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 engine or protocol error, 2 usage error, 3 cluster unreachable or unauthorized, 4 not found, 130 cancelled (Ctrl-C).',
    );
  registerClusterCommands(program);
  registerSandboxCommands(program);
  registerDevCommands(program);
  registerConfigCommands(program);
  registerLogsCommand(program);
  registerPortForwardCommand(program);
  registerExecCommand(program);
  registerRunCommand(program);
  registerDebugCommand(program);
  registerCompletionCommand(program);
  return program;
}

async function main(): Promise<void> {
  // Shows as `podloop` in process lists instead of node and the full argument list.
  process.title = 'podloop';
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; every other parse failure is a usage error.
      process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    throw error;
  }
}

await main();
