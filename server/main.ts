// Entry point of `podloop-engine --stdio`: parses argv, sets up logging off stdout, and runs the
// engine on stdin/stdout until the client says exit or goes away.
import { Command, CommanderError } from 'commander';
import { startEngine } from './connection.js';
import { engineVersion } from './lifecycle.js';
import { createLogger, createLogTee, redirectConsole } from './logger.js';

interface MainOptions {
  stdio?: boolean;
  logFile?: string;
  logLevel?: string;
}

function main(argv: string[]): void {
  const program = new Command('podloop-engine')
    .description('The podloop engine: JSON-RPC 2.0 with LSP framing on stdin/stdout.')
    .version(engineVersion())
    .option('--stdio', 'speak the protocol on stdin/stdout (required)')
    .option('--log-file <path>', 'append logs to this file instead of stderr')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', process.env.PODLOOP_LOG_LEVEL ?? 'info')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stderr.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
  try {
    program.parse(argv);
  } catch (error) {
    process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
  }
  const options = program.opts<MainOptions>();
  if (options.stdio !== true) {
    process.stderr.write('podloop-engine: --stdio is required (the engine speaks JSON-RPC on stdin/stdout)\n');
    process.exit(2);
  }
  const logTee = createLogTee();
  const log = createLogger({
    tee: logTee,
    ...(options.logFile !== undefined ? { file: options.logFile } : {}),
    ...(options.logLevel !== undefined ? { level: options.logLevel } : {}),
  });
  redirectConsole(log);
  // A bug in one handler must not take the session down with it.
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception'));
  process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection'));
  log.info({ version: engineVersion() }, 'engine starting');
  const engine = startEngine({
    logTee,
    input: process.stdin,
    output: process.stdout,
    log,
    exit: (code) => {
      log.info({ code }, 'engine exiting');
      log.flush();
      process.exit(code);
    },
  });
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => engine.stop(signal));
  // Ctrl-C in a terminal is the client's to handle (it cancels through the protocol).
  process.on('SIGINT', () => log.info('SIGINT ignored: the client ends the engine with shutdown and exit'));
}

main(process.argv);
