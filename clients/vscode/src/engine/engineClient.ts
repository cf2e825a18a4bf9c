// The extension's engine client: spawns the bundled engine over stdio, initializes it from the
// settings, and offers typed requests with progress and cancellation. Never imports `vscode`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import type { CancellationToken, MessageConnection, NotificationType, RequestType } from 'vscode-jsonrpc/node.js';
import { EngineLog, Exit, Initialize, Initialized, Shutdown } from '../../../../protocol/lifecycle.js';
import type { EngineLogParams, InitializeResult, LogLevel } from '../../../../protocol/lifecycle.js';
import { LogLines } from '../../../../protocol/logs.js';
import type { LogLinesParams } from '../../../../protocol/logs.js';
import { WorkDoneProgress } from '../../../../protocol/progress.js';
import type { WorkDoneProgressParams, WorkDoneProgressValue } from '../../../../protocol/progress.js';
import { EngineState } from '../../../../protocol/state.js';
import type { EngineStateParams } from '../../../../protocol/state.js';
import { toEngineRequestError } from './errors.js';

/** What the user chose in the settings; empty means the engine's default. */
export interface EngineSettings {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  workspaceFolder?: string;
  /** Engine log lines at or above this level arrive as `engine/log`. */
  logLevel?: LogLevel;
}

export interface EngineStartOptions {
  /** The engine entry point (`<extension>/engine/server/main.js`). */
  enginePath: string;
  /** Node.js binary. Default: this process's, run as plain Node when it is an Electron host. */
  nodePath?: string;
  /** Extra environment over process.env. */
  env?: NodeJS.ProcessEnv;
  clientName: string;
  clientVersion?: string;
  settings: EngineSettings;
  /** The engine's own stderr (its log), as it arrives. */
  onStderr?: (text: string) => void;
  /** Milliseconds to wait for the initialize answer. Default 30 s. */
  initializeTimeoutMs?: number;
}

export interface RequestOptions {
  /** Cancelling it sends `$/cancelRequest`; the request then rejects with code Cancelled. */
  token?: CancellationToken;
  /** When given, the request carries a `workDoneToken` and its `$/progress` values arrive here. */
  onProgress?: (value: WorkDoneProgressValue) => void;
}

export interface Disposable {
  dispose(): void;
}

type Listener<T> = (value: T) => void;

function subscribe<T>(listeners: Set<Listener<T>>, listener: Listener<T>): Disposable {
  listeners.add(listener);
  return { dispose: () => void listeners.delete(listener) };
}

let nextProgressToken = 1;

/** One running engine process and its connection; dispose() shuts it down. */
export class EngineClient {
  private readonly stateListeners = new Set<Listener<EngineStateParams>>();
  private readonly logLineListeners = new Set<Listener<LogLinesParams>>();
  private readonly engineLogListeners = new Set<Listener<EngineLogParams>>();
  private readonly exitListeners = new Set<Listener<number | null>>();
  private initialized: InitializeResult | undefined;
  private disposing: Promise<void> | undefined;
  /** Highest `engine/state` seq seen, so late snapshots never win over newer ones. */
  private lastState: EngineStateParams | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: MessageConnection,
    /** Resolves with the exit code once the process is gone. */
    readonly exited: Promise<number | null>,
  ) {
    connection.onNotification(EngineState.type, (params) => {
      if (this.lastState !== undefined && params.seq <= this.lastState.seq) return;
      this.lastState = params;
      for (const listener of this.stateListeners) listener(params);
    });
    connection.onNotification(LogLines.type, (params) => {
      for (const listener of this.logLineListeners) listener(params);
    });
    connection.onNotification(EngineLog.type, (params) => {
      for (const listener of this.engineLogListeners) listener(params);
    });
    void exited.then((code) => {
      for (const listener of this.exitListeners) listener(code);
    });
  }

  /** Spawns the engine and initializes it; rejects (and leaves no process) when either fails. */
  static async start(options: EngineStartOptions): Promise<EngineClient> {
    const child = spawn(options.nodePath ?? process.execPath, [options.enginePath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // In an Electron extension host process.execPath is the editor itself; this makes it plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
      windowsHide: true,
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.stdin?.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => options.onStderr?.(text));
    if (child.stdout === null || child.stdin === null) throw new Error('the podloop engine started without pipes');
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    connection.onError(() => undefined);
    connection.listen();
    const client = new EngineClient(child, connection, exited);
    try {
      client.initialized = await client.initialize(options);
      // Tells the engine to warm up its Kubernetes client and send a baseline `engine/state`.
      await client.connection.sendNotification(Initialized.type, {});
      return client;
    } catch (error) {
      await client.dispose();
      throw error;
    }
  }

  private async initialize(options: EngineStartOptions): Promise<InitializeResult> {
    const { settings } = options;
    const timeoutMs = options.initializeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const died = this.exited.then((code) => {
      throw new Error(`the engine exited with code ${String(code)} before it was initialized`);
    });
    try {
      return await Promise.race([
        this.connection.sendRequest(Initialize.type, {
          processId: process.pid,
          clientInfo: {
            name: options.clientName,
            ...(options.clientVersion !== undefined ? { version: options.clientVersion } : {}),
          },
          capabilities: {
            workDoneProgress: true,
            stateNotifications: true,
            ...(settings.logLevel !== undefined ? { logLevel: settings.logLevel } : {}),
          },
          ...nonEmpty('workspaceFolder', settings.workspaceFolder),
          ...nonEmpty('kubeconfig', settings.kubeconfig),
          ...nonEmpty('context', settings.context),
          ...nonEmpty('namespace', settings.namespace),
        }),
        gaveUp,
        died,
      ]);
    } catch (error) {
      throw toEngineRequestError(Initialize.method, error);
    } finally {
      clearTimeout(timer);
      died.catch(() => undefined);
    }
  }

  /** The initialize answer: engine version, capabilities, context and namespace in use. */
  get info(): InitializeResult {
    if (this.initialized === undefined) throw new Error('the podloop engine is not initialized');
    return this.initialized;
  }

  /** Process id of the engine, for diagnostics. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the engine implements `method` (others answer NotSupportedYet). */
  supports(method: string): boolean {
    return this.initialized?.capabilities.methods.includes(method) ?? false;
  }

  /** The newest `engine/state` snapshot received, if any. */
  get state(): EngineStateParams | undefined {
    return this.lastState;
  }

  /** Sends a typed request; failures reject with EngineRequestError. */
  async request<P extends object, R, E>(
    type: RequestType<P, R, E>,
    params: P,
    options: RequestOptions = {},
  ): Promise<R> {
    let progress: Disposable | undefined;
    let sent: P = params;
    if (options.onProgress !== undefined) {
      const workDoneToken = `podloop-vscode-${nextProgressToken++}`;
      progress = this.connection.onProgress(WorkDoneProgress, workDoneToken, options.onProgress);
      sent = { ...params, workDoneToken } satisfies P & WorkDoneProgressParams;
    }
    const source = new CancellationTokenSource();
    const forward = options.token?.onCancellationRequested(() => source.cancel());
    if (options.token?.isCancellationRequested === true) source.cancel();
    try {
      return await this.connection.sendRequest(type, sent, source.token);
    } catch (error) {
      throw toEngineRequestError(type.method, error);
    } finally {
      progress?.dispose();
      forward?.dispose();
      source.dispose();
    }
  }

  /** Sends a typed notification (e.g. terminal input); a dead engine drops it. */
  notify<P>(type: NotificationType<P>, params: P): void {
    void this.connection.sendNotification(type, params).catch(() => undefined);
  }

  /** Listens to a typed engine notification not covered by the dedicated listeners. */
  onNotification<P>(type: NotificationType<P>, listener: Listener<P>): Disposable {
    return this.connection.onNotification(type, listener);
  }

  onState(listener: Listener<EngineStateParams>): Disposable {
    return subscribe(this.stateListeners, listener);
  }

  onLogLines(listener: Listener<LogLinesParams>): Disposable {
    return subscribe(this.logLineListeners, listener);
  }

  onEngineLog(listener: Listener<EngineLogParams>): Disposable {
    return subscribe(this.engineLogListeners, listener);
  }

  /** Called with the exit code when the engine process ends, whoever ended it. */
  onExit(listener: Listener<number | null>): Disposable {
    return subscribe(this.exitListeners, listener);
  }

  /** Shutdown and exit, then SIGKILL if the engine lingers. Idempotent. */
  dispose(timeoutMs = 5000): Promise<void> {
    this.disposing ??= (async () => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      try {
        if (this.child.exitCode === null && this.child.signalCode === null) {
          await this.connection.sendRequest(Shutdown.type);
          await this.connection.sendNotification(Exit.type);
        }
      } catch {
        this.child.kill('SIGKILL');
      }
      await this.exited;
      clearTimeout(timer);
      this.connection.dispose();
    })();
    return this.disposing;
  }
}

function nonEmpty<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined && value.trim() !== '' ? ({ [key]: value.trim() } as Record<K, string>) : {};
}
