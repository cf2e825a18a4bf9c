// One-shot commands in a workload's container.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkloadParams } from './dev.js';

/** Params of `exec/run`. */
export interface ExecRunParams extends WorkloadParams {
  /** Command (argv, never a shell string). */
  command: string[];
  /** Container. Default: the dev container, else the first. */
  container?: string;
  /** Bytes for stdin, UTF-8. */
  stdin?: string;
  /** Seconds before the command is killed. Default 60. */
  timeoutSeconds?: number;
}

/** Result of `exec/run`. */
export interface ExecRunResult {
  /** Exit code of the command. */
  exitCode: number;
  /** Stdout, UTF-8 (capped at 1 MiB). */
  stdout: string;
  /** Stderr, UTF-8 (capped at 1 MiB). */
  stderr: string;
}

/** `exec/run` (client → engine): runs a command to completion in a pod of the workload. */
export namespace ExecRun {
  export const method = 'exec/run' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<ExecRunParams, ExecRunResult, void>(method, ParameterStructures.byName);
}

/** Params of `exec/start`. */
export interface ExecStartParams extends WorkloadParams {
  /** Command (argv, never a shell string). */
  command: string[];
  /** Container. Default: the dev container, else the first. */
  container?: string;
  /** Allocate a terminal (stderr then arrives merged into stdout). Default false. */
  tty?: boolean;
  /** Initial terminal width in columns, with `tty`. Default 80. */
  columns?: number;
  /** Initial terminal height in rows, with `tty`. Default 24. */
  rows?: number;
}

/** Result of `exec/start`. */
export interface ExecStartResult {
  /** Id of the session; `exec/output` and `exec/exit` carry it. */
  sessionId: string;
}

/**
 * `exec/start` (client → engine): starts an interactive command (e.g. a shell with a terminal) in a
 * pod of the workload. Output arrives in `exec/output`, the end in `exec/exit`; the client sends
 * keystrokes with `exec/input` and window sizes with `exec/resize`. Errors: WorkloadNotFound,
 * ContainerNotFound.
 */
export namespace ExecStart {
  export const method = 'exec/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<ExecStartParams, ExecStartResult, void>(method, ParameterStructures.byName);
}

/** Params of `exec/input`. */
export interface ExecInputParams {
  /** The session. */
  sessionId: string;
  /** Bytes for the command's stdin, base64. */
  data?: string;
  /** Closes stdin after `data`. Default false. */
  eof?: boolean;
}

/** `exec/input` (client → engine): bytes for an `exec/start` session's stdin. Unknown ids are ignored. */
export namespace ExecInput {
  export const method = 'exec/input' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new NotificationType<ExecInputParams>(method, ParameterStructures.byName);
}

/** Params of `exec/resize`. */
export interface ExecResizeParams {
  /** The session. */
  sessionId: string;
  /** Terminal width in columns. */
  columns: number;
  /** Terminal height in rows. */
  rows: number;
}

/** `exec/resize` (client → engine): the client's terminal changed size. Ignored without a terminal. */
export namespace ExecResize {
  export const method = 'exec/resize' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new NotificationType<ExecResizeParams>(method, ParameterStructures.byName);
}

/** Params of `exec/output`. */
export interface ExecOutputParams {
  /** The session. */
  sessionId: string;
  /** Which stream the bytes come from. */
  stream: 'stdout' | 'stderr';
  /** The bytes, base64. */
  data: string;
}

/** `exec/output` (engine → client): output of an `exec/start` session, in order per stream. */
export namespace ExecOutput {
  export const method = 'exec/output' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<ExecOutputParams>(method, ParameterStructures.byName);
}

/** Params of `exec/exit`. */
export interface ExecExitParams {
  /** The session. */
  sessionId: string;
  /** Exit code of the command; -1 when the stream dropped without one. */
  exitCode: number;
}

/** `exec/exit` (engine → client): an `exec/start` session ended; sent after its last `exec/output`. */
export namespace ExecExit {
  export const method = 'exec/exit' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<ExecExitParams>(method, ParameterStructures.byName);
}

/** Params of `exec/stop`. */
export interface ExecStopParams {
  /** The session. */
  sessionId: string;
}

/** `exec/stop` (client → engine): ends an `exec/start` session; idempotent. */
export namespace ExecStop {
  export const method = 'exec/stop' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<ExecStopParams, null, void>(method, ParameterStructures.byName);
}
