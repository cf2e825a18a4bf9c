// The session lifecycle, as LSP: `initialize` first, `shutdown` then `exit` last, and the engine's
// own log notification. Capabilities (not versions) tell a client what this engine implements.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import {
  NotificationType,
  NotificationType0,
  ParameterStructures,
  RequestType,
  RequestType0,
} from 'vscode-jsonrpc/node.js';

/** Who the client is. */
export interface ClientInfo {
  /** Client name, e.g. `podloop-vscode`. */
  name: string;
  /** Client version. */
  version?: string;
}

/** Optional abilities the client advertises. */
export interface ClientCapabilities {
  /** The client shows `$/progress` for requests that carry a `workDoneToken`. Default false. */
  workDoneProgress?: boolean;
  /** The client wants `engine/state` notifications. Default true. */
  stateNotifications?: boolean;
  /** The client wants `engine/log` notifications at or above this level. Default: none sent. */
  logLevel?: LogLevel;
}

/** Params of `initialize`. */
export interface InitializeParams {
  /** Pid of the client process; the engine exits when it dies. Null or absent: not watched. */
  processId?: number | null;
  /** Who the client is; logged. */
  clientInfo?: ClientInfo;
  /** Optional client abilities. */
  capabilities?: ClientCapabilities;
  /** Absolute path of the workspace folder; relative paths in later requests resolve against it. */
  workspaceFolder?: string;
  /** Kubeconfig path. Default: `$KUBECONFIG`, else `~/.kube/config`. */
  kubeconfig?: string;
  /** Kubeconfig context to use. Default: the kubeconfig's current context. */
  context?: string;
  /** Default namespace for requests that omit one. Default: the context's namespace, else `default`. */
  namespace?: string;
}

/** What this engine implements. */
export interface EngineCapabilities {
  /** Every method (requests and notifications) the engine implements; others answer NotSupportedYet. */
  methods: string[];
  /** The engine sends `engine/state` on every state change. */
  stateNotifications: boolean;
  /** The engine reports `$/progress` for long requests that carry a `workDoneToken`. */
  workDoneProgress: boolean;
}

/** Result of `initialize`. */
export interface InitializeResult {
  /** Name and version of the engine. */
  serverInfo: { name: string; version: string };
  /** What this engine implements. */
  capabilities: EngineCapabilities;
  /** Stable id of this engine process (host, pid, random); used as dev-mode lease holder. */
  engineId: string;
  /** The kube context in use, when a kubeconfig was found. */
  context?: string;
  /** The default namespace in use. */
  namespace: string;
}

/**
 * `initialize` (client → engine): the first request. Before it every request answers
 * ServerNotInitialized. Errors: InvalidParams, InvalidConfig (a kubeconfig that was named but
 * cannot be read).
 */
export namespace Initialize {
  export const method = 'initialize' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<InitializeParams, InitializeResult, void>(method, ParameterStructures.byName);
}

/** `initialized` (client → engine): the client got the initialize result. Optional. */
export namespace Initialized {
  export const method = 'initialized' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new NotificationType<Record<string, never>>(method, ParameterStructures.byName);
}

/**
 * `shutdown` (client → engine): stop every dev session, sync, forward and log stream. Afterwards
 * every request but `exit` answers InvalidRequest.
 */
export namespace Shutdown {
  export const method = 'shutdown' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType0<null, void>(method);
}

/** `exit` (client → engine): the engine exits with 0 after `shutdown`, with 1 otherwise. */
export namespace Exit {
  export const method = 'exit' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new NotificationType0(method);
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Params of `engine/log`. */
export interface EngineLogParams {
  /** Severity. */
  level: LogLevel;
  /** Human-readable message; never contains credentials. */
  message: string;
  /** Engine component, e.g. `kube` or `sync`. */
  component?: string;
  /** ISO-8601 time the engine logged it. */
  time: string;
}

/** `engine/log` (engine → client): an engine log line, for clients that show an output channel. */
export namespace EngineLog {
  export const method = 'engine/log' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<EngineLogParams>(method, ParameterStructures.byName);
}
