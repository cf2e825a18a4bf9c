// Runs one CLI command against a freshly spawned engine: spawn, initialize, the request(s),
// shutdown, exit. Ctrl-C cancels the request in flight ($/cancelRequest) and exits 130.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import {
  CancellationTokenSource,
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import type { MessageConnection, NotificationType, RequestType } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { Exit, Initialize, Shutdown } from '../../protocol/lifecycle.js';
import { WorkDoneProgress } from '../../protocol/progress.js';
import type { WorkDoneProgressValue } from '../../protocol/progress.js';
import { ExitCode, exitCodeForError } from './exitCodes.js';
import { printError } from './output.js';
import { UsageError } from './workloadRef.js';

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  logFile?: string;
}

export interface CliEngine {
  /** Sends a request; Ctrl-C cancels it. With `progress`, shows a bar for its `$/progress`. */
  request<P extends object, R, E>(type: RequestType<P, R, E>, params: P, options?: { progress?: boolean }): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void;
  /** Sends a notification to the engine (terminal input, window resizes). */
  notify<P>(type: NotificationType<P>, params: P): void;
  /** Resolves on Ctrl-C, for commands that run until interrupted (logs, port-forward). */
  interrupted: Promise<void>;
}

const engineMain = fileURLToPath(new URL('../../server/main.js', import.meta.url));

function progressBar(json: boolean): { update(value: WorkDoneProgressValue): void; stop(): void } {
  if (json || process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: '{title} [{bar}] {percentage}% {message}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value) {
      if (value.kind === 'begin') {
        started = true;
        bar.start(100, value.percentage ?? 0, { title: value.title, message: value.message ?? '' });
      } else if (value.kind === 'report' && started) {
        bar.update(value.percentage ?? 0, { message: value.message ?? '' });
      } else if (value.kind === 'end' && started) {
        started = false;
        bar.stop();
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Spawns the engine, runs `work`, and sets process.exitCode from the outcome. */
export async function withEngine(globals: GlobalOptions, work: (engine: CliEngine) => Promise<void>): Promise<void> {
  const json = globals.json === true;
  const child = spawn(
    process.execPath,
    [
      engineMain,
      '--stdio',
      ...(globals.logFile !== undefined ? ['--log-file', globals.logFile] : ['--log-level', 'silent']),
    ],
    {
      stdio: ['pipe', 'pipe', globals.logFile !== undefined ? 'ignore' : 'inherit'],
      // Out of the terminal's process group: Ctrl-C reaches the CLI, which cancels through the protocol.
      detached: true,
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdin.on('error', () => undefined);
  const connection: MessageConnection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.onError(() => undefined);
  connection.listen();

  const inFlight = new Set<CancellationTokenSource>();
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => {
    interrupt = resolve;
  });
  let cancelled = false;
  const onSigint = (): void => {
    if (cancelled) {
      // A second Ctrl-C does not wait for the engine.
      child.kill('SIGKILL');
      process.exit(ExitCode.Cancelled);
    }
    cancelled = true;
    for (const source of inFlight) source.cancel();
    interrupt();
  };
  process.on('SIGINT', onSigint);

  let nextToken = 1;
  const engine: CliEngine = {
    async request(type, params, options = {}) {
      const source = new CancellationTokenSource();
      inFlight.add(source);
      const bar = progressBar(json);
      let progressListener: { dispose(): void } | undefined;
      let sent = params;
      if (options.progress === true) {
        const workDoneToken = `cli-${nextToken++}`;
        progressListener = connection.onProgress(WorkDoneProgress, workDoneToken, (value) => bar.update(value));
        sent = { ...params, workDoneToken };
      }
      try {
        return await connection.sendRequest(type, sent, source.token);
      } finally {
        bar.stop();
        progressListener?.dispose();
        inFlight.delete(source);
        source.dispose();
      }
    },
    onNotification(type, handler) {
      connection.onNotification(type, handler);
    },
    notify(type, params) {
      void connection.sendNotification(type, params).catch(() => undefined);
    },
    interrupted,
  };

  // If the engine dies, nothing it owed us will ever arrive.
  const engineDied = exited.then((code) => {
    throw new Error(`the engine exited unexpectedly (exit code ${String(code)})`);
  });
  engineDied.catch(() => undefined);
  const orEngineDeath = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, engineDied]);
  try {
    await orEngineDeath(
      connection.sendRequest(Initialize.type, {
        processId: process.pid,
        clientInfo: { name: 'podloop-cli' },
        capabilities: { workDoneProgress: true, stateNotifications: true },
        ...(globals.kubeconfig !== undefined ? { kubeconfig: globals.kubeconfig } : {}),
        ...(globals.context !== undefined ? { context: globals.context } : {}),
        ...(globals.namespace !== undefined ? { namespace: globals.namespace } : {}),
      }),
    );
    await orEngineDeath(work(engine));
    process.exitCode = cancelled ? ExitCode.Cancelled : (process.exitCode ?? ExitCode.Ok);
  } catch (error) {
    if (error instanceof ResponseError) {
      if (!(cancelled && error.code === ErrorCodes.Cancelled)) printError(json, error.code, error.message, error.data);
      process.exitCode = cancelled ? ExitCode.Cancelled : exitCodeForError(error.code);
    } else if (error instanceof UsageError) {
      printError(json, ErrorCodes.InvalidParams, error.message);
      process.exitCode = ExitCode.Usage;
    } else {
      printError(
        json,
        ErrorCodes.InternalError,
        `the engine failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = ExitCode.EngineError;
    }
  } finally {
    process.off('SIGINT', onSigint);
    await stopEngine(connection, child, exited);
  }
}

async function stopEngine(
  connection: MessageConnection,
  child: ReturnType<typeof spawn>,
  exited: Promise<number | null>,
): Promise<void> {
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    if (child.exitCode === null) {
      await connection.sendRequest(Shutdown.type);
      await connection.sendNotification(Exit.type);
    }
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
  clearTimeout(timer);
  connection.dispose();
}
