// Log streaming: a request opens a stream, batched notifications carry the lines.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkloadParams } from './dev.js';

/** Params of `logs/follow`. */
export interface LogsFollowParams extends WorkloadParams {
  /** Only this pod of the workload. Default: every pod, including pods that replace them. @since 0.1 */
  pod?: string;
  /** Container. Default: every container of each pod. */
  container?: string;
  /** Lines of history per container first; -1 for the whole log. Default 100. */
  tailLines?: number;
  /** Keep following; false returns after the history. Default true. */
  follow?: boolean;
  /** Also lines from the previous instance of restarted containers. Default false. */
  previous?: boolean;
  /** Only lines from the last this many seconds (applied before tailLines). @since 0.1 */
  sinceSeconds?: number;
}

/** Result of `logs/follow`. */
export interface LogsFollowResult {
  /** Id of the stream; `logs/lines` carry it. Cancel the stream with `logs/stop`. */
  streamId: string;
}

/**
 * `logs/follow` (client → engine): streams the logs of every pod of a workload, following pods as
 * they are replaced. Lines arrive in `logs/lines`.
 */
export namespace LogsFollow {
  export const method = 'logs/follow' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<LogsFollowParams, LogsFollowResult, void>(method, ParameterStructures.byName);
}

/** Params of `logs/stop`. */
export interface LogsStopParams {
  /** Stream to stop. */
  streamId: string;
}

/** `logs/stop` (client → engine): ends a log stream; idempotent. */
export namespace LogsStop {
  export const method = 'logs/stop' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<LogsStopParams, null, void>(method, ParameterStructures.byName);
}

/** One log line. */
export interface LogLine {
  /** Pod name. */
  pod: string;
  /** Container name. */
  container: string;
  /** The line without its newline. */
  text: string;
  /** Timestamp from the runtime, ISO-8601, when known. */
  time?: string;
}

/** Params of `logs/lines`. */
export interface LogLinesParams {
  /** The stream. */
  streamId: string;
  /** Lines in order; batched at most every 50 ms. */
  lines: LogLine[];
  /** Set on the last batch: the stream ended (all containers gone, or stopped). */
  end?: boolean;
  /**
   * Lines the engine dropped since the previous batch because the client read more slowly than the
   * source wrote and the source could not be slowed down (e.g. `run/start` output). Absent when 0.
   * @since 0.1
   */
  dropped?: number;
}

/** `logs/lines` (engine → client): a batch of log lines for a stream. */
export namespace LogLines {
  export const method = 'logs/lines' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<LogLinesParams>(method, ParameterStructures.byName);
}
