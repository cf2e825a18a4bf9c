// Every error podloop answers with: JSON-RPC and LSP codes, podloop's own codes in -32000..-32099
// with the typed `data` each carries, and classifiers that map Kubernetes API failures onto them.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ErrorCodes as JsonRpcErrorCodes, ResponseError } from 'vscode-jsonrpc/node.js';

/** Error codes a podloop engine answers with. Never compare against bare numbers: use these names. */
export namespace ErrorCodes {
  /** The message was not valid JSON. */
  export const ParseError = JsonRpcErrorCodes.ParseError;
  /** The message was JSON but not a JSON-RPC request, or arrived after `shutdown`. */
  export const InvalidRequest = JsonRpcErrorCodes.InvalidRequest;
  /** No such method. */
  export const MethodNotFound = JsonRpcErrorCodes.MethodNotFound;
  /** A parameter is missing or has the wrong type; the message names the field. */
  export const InvalidParams = JsonRpcErrorCodes.InvalidParams;
  /** A bug in the engine. */
  export const InternalError = JsonRpcErrorCodes.InternalError;
  /** A request arrived before `initialize`. */
  export const ServerNotInitialized = JsonRpcErrorCodes.ServerNotInitialized;
  /** A failure the engine could not classify. */
  export const UnknownError = JsonRpcErrorCodes.UnknownErrorCode;
  /** The method is part of the protocol but this engine does not implement it yet. */
  export const NotSupportedYet = -32010 as const;
  /** The workload named in the request does not exist. */
  export const WorkloadNotFound = -32020 as const;
  /** The workload has no container with the requested name. */
  export const ContainerNotFound = -32021 as const;
  /** The workload is already in dev mode, held by another engine. */
  export const AlreadyInDevMode = -32022 as const;
  /** The workload is not in dev mode. */
  export const NotInDevMode = -32023 as const;
  /** The dev pod could not run (image pull, crash, timeout, unschedulable); the workload was rolled back. */
  export const DevPodFailed = -32024 as const;
  /** The Kubernetes API server could not be reached. */
  export const ClusterUnreachable = -32030 as const;
  /** The Kubernetes API server rejected the credentials (401) or the action (403). */
  export const Unauthorized = -32031 as const;
  /** The kubeconfig or a podloop configuration file is missing or invalid. */
  export const InvalidConfig = -32032 as const;
  /** The Kubernetes API answered with an error that has no more specific code. */
  export const KubernetesError = -32033 as const;
  /** Starting, stopping or inspecting the sandbox cluster failed. */
  export const SandboxFailed = -32040 as const;
  /** File synchronisation failed. */
  export const SyncFailed = -32050 as const;
  /** A local port is already in use. */
  export const PortInUse = -32060 as const;
  /** The container lacks the debugger (or the interpreter or toolchain it needs) that `debug/start` runs. */
  export const DebuggerNotFound = -32070 as const;
  /** The client cancelled the request (LSP's RequestCancelled). */
  export const Cancelled = -32800 as const;
}

/** Names a workload in error data. */
export interface WorkloadRef {
  /** Workload kind, e.g. `Deployment`. */
  kind: string;
  /** Workload name. */
  name: string;
  /** Namespace of the workload. */
  namespace: string;
}

/** `data` of InvalidParams. */
export interface InvalidParamsData {
  /** Dotted path of the offending field, e.g. `params.namespace`. */
  field: string;
}

/** `data` of NotSupportedYet. */
export interface NotSupportedYetData {
  /** The method that is not implemented yet. */
  method: string;
}

/** `data` of ContainerNotFound. */
export interface ContainerNotFoundData extends WorkloadRef {
  /** The container that was asked for. */
  container: string;
  /** The containers the workload does have. */
  containers: string[];
}

/** `data` of AlreadyInDevMode. */
export interface AlreadyInDevModeData extends WorkloadRef {
  /** Engine id of the lease holder. */
  holder: string;
}

/** `data` of ClusterUnreachable. */
export interface ClusterUnreachableData {
  /** API server URL that was dialled. */
  server: string;
  /** Low-level cause, e.g. `ECONNREFUSED`. */
  cause: string;
}

/** `data` of Unauthorized. */
export interface UnauthorizedData {
  /** API server URL. */
  server: string;
  /** HTTP status: 401 (bad credentials) or 403 (not allowed). */
  status: number;
}

/** `data` of InvalidConfig. */
export interface InvalidConfigData {
  /** File or source of the configuration, e.g. a kubeconfig path. */
  source: string;
  /** 1-based line of the problem in a podloop configuration, when known. @since 0.1 */
  line?: number;
  /** 1-based column of the problem, when known. @since 0.1 */
  column?: number;
  /** Dotted path of the offending field, e.g. `workloads[0].containers[0].image`; empty for syntax errors. @since 0.1 */
  field?: string;
}

/** `data` of DevPodFailed: why the dev pod did not come up, as the cluster reported it. */
export interface DevPodFailedData extends WorkloadRef {
  /** The dev pod, when one was created. */
  pod?: string;
  /**
   * e.g. `ImagePullBackOff`, `CrashLoopBackOff`, `ContainerExited` (PID 1 could not run or ended), `Timeout`,
   * `ProvisioningFailed` / `FailedBinding` (a claim the pod mounts has no storage: its StorageClass does not
   * exist, or none is named and the cluster has no default; the claim's events are in `events`).
   */
  reason: string;
  /** The dev container's last reported state (the Kubernetes ContainerState object). */
  containerState?: unknown;
  /** The pod's recent events, oldest first, as `Reason: message` (Warnings prefixed `Warning `), then those of the claim at fault. */
  events: string[];
  /** Whether the workload was restored to its original. */
  rolledBack: boolean;
}

/** `data` of KubernetesError. */
export interface KubernetesErrorData {
  /** HTTP status the API server answered with. */
  status: number;
  /** Kubernetes Status reason, e.g. `Conflict`. */
  reason?: string;
}

/** `data` of SandboxFailed. */
export interface SandboxFailedData {
  /** State directory of the sandbox. */
  stateDir?: string;
}

/** `data` of SyncFailed. */
export interface SyncFailedData extends WorkloadRef {
  /** Local paths that failed, when known. */
  paths?: string[];
}

/** `data` of PortInUse. */
export interface PortInUseData {
  /** The local port that is taken. */
  port: number;
}

/** `data` of DebuggerNotFound. @since 0.1 */
export interface DebuggerNotFoundData extends WorkloadRef {
  /** The container that was checked. */
  container: string;
  /** The debugger's language: `python` or `go`. */
  language: string;
  /** What the container lacks, e.g. `debugpy`, `dlv`, `go`, `python3`. */
  missing: string;
}

/** One row of the error table: the code, its name, its meaning and the name of its `data` type. */
export interface ErrorCodeInfo {
  name: string;
  code: number;
  meaning: string;
  /** Name of the `data` interface in this module, or undefined when the error carries none. */
  data?: string;
}

/** The error table in machine-readable form; the protocol document is generated from it. */
export const errorCatalog: readonly ErrorCodeInfo[] = [
  {
    name: 'ParseError',
    code: ErrorCodes.ParseError,
    meaning: 'The message was not valid JSON; answered with id null.',
  },
  {
    name: 'InvalidRequest',
    code: ErrorCodes.InvalidRequest,
    meaning: 'Not a JSON-RPC 2.0 request object, or a request after `shutdown`.',
  },
  { name: 'MethodNotFound', code: ErrorCodes.MethodNotFound, meaning: 'The method does not exist.' },
  {
    name: 'InvalidParams',
    code: ErrorCodes.InvalidParams,
    meaning: 'A parameter is missing or has the wrong type; the message names the field.',
    data: 'InvalidParamsData',
  },
  { name: 'InternalError', code: ErrorCodes.InternalError, meaning: 'A bug in the engine; the engine keeps serving.' },
  {
    name: 'ServerNotInitialized',
    code: ErrorCodes.ServerNotInitialized,
    meaning: 'A request arrived before `initialize`.',
  },
  {
    name: 'UnknownError',
    code: ErrorCodes.UnknownError,
    meaning: 'A failure the engine could not classify; the message says what happened.',
  },
  {
    name: 'NotSupportedYet',
    code: ErrorCodes.NotSupportedYet,
    meaning:
      'The method is defined by the protocol but this engine does not implement it yet; `initialize` lists what it does implement.',
    data: 'NotSupportedYetData',
  },
  {
    name: 'WorkloadNotFound',
    code: ErrorCodes.WorkloadNotFound,
    meaning: 'The workload does not exist in that namespace.',
    data: 'WorkloadRef',
  },
  {
    name: 'ContainerNotFound',
    code: ErrorCodes.ContainerNotFound,
    meaning: 'The workload has no container of that name; `data.containers` lists the ones it has.',
    data: 'ContainerNotFoundData',
  },
  {
    name: 'AlreadyInDevMode',
    code: ErrorCodes.AlreadyInDevMode,
    meaning: 'Another engine holds the dev-mode lease on the workload; retry with `force`.',
    data: 'AlreadyInDevModeData',
  },
  {
    name: 'NotInDevMode',
    code: ErrorCodes.NotInDevMode,
    meaning: 'The workload is not in dev mode.',
    data: 'WorkloadRef',
  },
  {
    name: 'DevPodFailed',
    code: ErrorCodes.DevPodFailed,
    meaning:
      'The dev pod did not come up (image pull, crash, a PID 1 that cannot run, missing claim storage, timeout); the workload was rolled back. `data.events` holds the evidence.',
    data: 'DevPodFailedData',
  },
  {
    name: 'ClusterUnreachable',
    code: ErrorCodes.ClusterUnreachable,
    meaning:
      'The API server could not be reached (refused, timed out, DNS); check the context and that the cluster runs.',
    data: 'ClusterUnreachableData',
  },
  {
    name: 'Unauthorized',
    code: ErrorCodes.Unauthorized,
    meaning: 'The API server answered 401 (credentials rejected) or 403 (action forbidden).',
    data: 'UnauthorizedData',
  },
  {
    name: 'InvalidConfig',
    code: ErrorCodes.InvalidConfig,
    meaning: 'The kubeconfig, context or a podloop configuration is missing or invalid.',
    data: 'InvalidConfigData',
  },
  {
    name: 'KubernetesError',
    code: ErrorCodes.KubernetesError,
    meaning: 'Any other error status from the API server.',
    data: 'KubernetesErrorData',
  },
  {
    name: 'SandboxFailed',
    code: ErrorCodes.SandboxFailed,
    meaning: 'Starting, stopping or inspecting the sandbox cluster failed.',
    data: 'SandboxFailedData',
  },
  { name: 'SyncFailed', code: ErrorCodes.SyncFailed, meaning: 'File synchronisation failed.', data: 'SyncFailedData' },
  {
    name: 'PortInUse',
    code: ErrorCodes.PortInUse,
    meaning: 'A local port asked for is already in use.',
    data: 'PortInUseData',
  },
  {
    name: 'DebuggerNotFound',
    code: ErrorCodes.DebuggerNotFound,
    meaning:
      '`debug/start` found no debugger in the container (debugpy for Python, dlv for Go, or the interpreter or toolchain they need); `data.missing` names it and nothing was started.',
    data: 'DebuggerNotFoundData',
  },
  {
    name: 'Cancelled',
    code: ErrorCodes.Cancelled,
    meaning: 'The client cancelled the request with `$/cancelRequest` (LSP RequestCancelled).',
  },
];

/** Builds the error for a method the engine does not implement yet. */
export function notSupportedYet(method: string): ResponseError<NotSupportedYetData> {
  return new ResponseError(ErrorCodes.NotSupportedYet, `${method} is not supported yet by this engine`, { method });
}

/** Builds an InvalidParams error naming the offending field. */
export function invalidParams(field: string, message: string): ResponseError<InvalidParamsData> {
  return new ResponseError(ErrorCodes.InvalidParams, message, { field });
}

// Kubernetes error classifiers. client-node raises ApiException { code, body }; plain fetch errors
// carry a Node error code (possibly on `cause`). They look at shapes, not classes, so they stay free
// of any Kubernetes library.

/** HTTP status of a Kubernetes API failure, or undefined when the request never got an answer. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** Kubernetes Status `reason` of an API failure, when the body carried one. */
export function statusReasonOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const reason = (body as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return httpStatusOf(error) === 409;
}

export function isForbidden(error: unknown): boolean {
  return httpStatusOf(error) === 403;
}

export function isUnauthorized(error: unknown): boolean {
  return httpStatusOf(error) === 401;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The network-level cause (`ECONNREFUSED`, ...) when the API server was never reached, else undefined. */
export function unreachableCause(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && unreachableCodes.has(code)) return code;
    const errno = (current as { errno?: unknown }).errno;
    if (typeof errno === 'string' && unreachableCodes.has(errno)) return errno;
    const type = (current as { type?: unknown }).type;
    if (type === 'request-timeout') return 'ETIMEDOUT';
    if (type === 'system' && typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUnreachable(error: unknown): boolean {
  return unreachableCause(error) !== undefined;
}
