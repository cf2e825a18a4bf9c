// The LSP lifecycle: initialize fixes the kube context and answers the capabilities, shutdown
// cleans up, exit ends the process (0 only after shutdown), and a dead client ends it too.
import { readFileSync } from 'node:fs';
import { invalidParams } from '../protocol/errors.js';
import type { InitializeParams, InitializeResult, LogLevel } from '../protocol/lifecycle.js';
import { kubeModule } from './kube/lazy.js';
import type { Logger } from './logger.js';
import { optBoolean, optEnum, optInteger, optObject, optString, paramsObject } from './params.js';
import type { Session } from './session.js';

export function engineVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const logLevels: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export function parseInitializeParams(raw: unknown): InitializeParams {
  const params = paramsObject(raw);
  const processId = params.processId === null ? null : optInteger(params, 'processId', 0, 2 ** 31);
  const clientInfo = optObject(params, 'clientInfo');
  const capabilities = optObject(params, 'capabilities');
  const result: InitializeParams = { processId };
  if (clientInfo !== undefined) {
    const name = optString(clientInfo, 'name');
    if (name === undefined) throw invalidNested('clientInfo.name', 'a string');
    const version = optString(clientInfo, 'version');
    result.clientInfo = { name, ...(version !== undefined ? { version } : {}) };
  }
  if (capabilities !== undefined) {
    const workDoneProgress = nested(
      () => optBoolean(capabilities, 'workDoneProgress'),
      'capabilities.workDoneProgress',
      'a boolean',
    );
    const stateNotifications = nested(
      () => optBoolean(capabilities, 'stateNotifications'),
      'capabilities.stateNotifications',
      'a boolean',
    );
    const logLevel = nested(
      () => optEnum(capabilities, 'logLevel', logLevels),
      'capabilities.logLevel',
      `one of ${logLevels.join(', ')}`,
    );
    result.capabilities = {
      ...(workDoneProgress !== undefined ? { workDoneProgress } : {}),
      ...(stateNotifications !== undefined ? { stateNotifications } : {}),
      ...(logLevel !== undefined ? { logLevel } : {}),
    };
  }
  for (const key of ['workspaceFolder', 'kubeconfig', 'context', 'namespace'] as const) {
    const value = optString(params, key);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

// Nested fields get their full path in the message.
function nested<T>(read: () => T, path: string, what: string): T {
  try {
    return read();
  } catch {
    throw invalidNested(path, what);
  }
}

function invalidNested(path: string, what: string): Error {
  return invalidParams(`params.${path}`, `params.${path} must be ${what}`);
}

export interface LifecycleDeps {
  session: Session;
  log: Logger;
  /** Every method this engine implements. */
  implemented(): string[];
  /** Ends the process. */
  exit(code: number): void;
  /** Starts sending `engine/log` at or above this level. */
  forwardLogs(level: LogLevel): void;
}

export interface Lifecycle {
  initialize(params: InitializeParams): InitializeResult;
  /** The client is set up (long-lived clients say so); a good moment to load the Kubernetes client. */
  initialized(): void;
  shutdown(): Promise<null>;
  exit(): void;
  /** The client went away (stdin closed or its process died): clean up and exit. */
  clientGone(reason: string): void;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { session, log } = deps;
  let shutdownReceived = false;
  let exiting = false;
  let watchdog: NodeJS.Timeout | undefined;

  const finish = (code: number): void => {
    if (exiting) return;
    exiting = true;
    if (watchdog !== undefined) clearInterval(watchdog);
    void session.dispose().finally(() => deps.exit(code));
  };

  const lifecycle: Lifecycle = {
    initialize(params) {
      session.kubeTarget = {
        ...(params.kubeconfig !== undefined ? { kubeconfig: params.kubeconfig } : {}),
        ...(params.context !== undefined ? { context: params.context } : {}),
      };
      session.namespace = params.namespace;
      session.workspaceFolder = params.workspaceFolder;
      session.clientCapabilities = params.capabilities ?? {};
      session.phase = 'running';
      if (typeof params.processId === 'number') watchParent(params.processId);
      if (params.capabilities?.logLevel !== undefined) deps.forwardLogs(params.capabilities.logLevel);
      const context = session.contextName();
      log.info({ client: params.clientInfo, context, engineId: session.engineId }, 'initialized');
      return {
        serverInfo: { name: 'podloop-engine', version: engineVersion() },
        capabilities: { methods: deps.implemented(), stateNotifications: true, workDoneProgress: true },
        engineId: session.engineId,
        ...(context !== undefined ? { context } : {}),
        namespace: session.defaultNamespace(),
      };
    },
    initialized() {
      // One-shot clients (the CLI) skip `initialized` and pay for the client only when they need it.
      setImmediate(() => void kubeModule().catch(() => undefined));
    },
    async shutdown() {
      shutdownReceived = true;
      session.phase = 'shutdown';
      await session.dispose();
      log.info('shut down');
      return null;
    },
    exit() {
      finish(shutdownReceived ? 0 : 1);
    },
    clientGone(reason) {
      log.info({ reason }, 'client gone; exiting');
      finish(shutdownReceived ? 0 : 1);
    },
  };

  function watchParent(pid: number): void {
    watchdog = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') lifecycle.clientGone(`client process ${pid} died`);
      }
    }, 3000);
    watchdog.unref();
  }

  return lifecycle;
}
