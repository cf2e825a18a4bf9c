// Running the configured command in a dev container.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkloadParams } from './dev.js';

/** Params of `run/start`. */
export interface RunStartParams extends WorkloadParams {
  /** Command (argv). Default: the config's run command. */
  command?: string[];
  /** Container. Default: the dev session's container, else the first. @since 0.1 */
  container?: string;
  /** Restart it when synced files change. Default true. */
  restartOnSync?: boolean;
}

/** Result of `run/start`. */
export interface RunStartResult {
  /** Id for `run/stop`; its output arrives as a `logs/lines` stream with this id. */
  runId: string;
}

/** `run/start` (client → engine): starts the command in the dev container. Errors: NotInDevMode. */
export namespace RunStart {
  export const method = 'run/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<RunStartParams, RunStartResult, void>(method, ParameterStructures.byName);
}

/** Params of `run/stop`. */
export interface RunStopParams {
  /** The run. */
  runId: string;
}

/** `run/stop` (client → engine): stops a run (TERM, then KILL after 10 s); idempotent. */
export namespace RunStop {
  export const method = 'run/stop' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<RunStopParams, { exitCode?: number }, void>(method, ParameterStructures.byName);
}

/** Params of `run/restart`. */
export interface RunRestartParams {
  /** The run. */
  runId: string;
}

/**
 * `run/restart` (client → engine): stops the run's process tree (TERM, then KILL after 10 s) and
 * starts the command again; output continues on the same stream.
 */
export namespace RunRestart {
  export const method = 'run/restart' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<RunRestartParams, null, void>(method, ParameterStructures.byName);
}

/** Params of `run/exited`. */
export interface RunExitedParams {
  /** The run. */
  runId: string;
  /** Exit code of the process; -1 when it ended without one (killed, or the stream dropped). */
  exitCode: number;
  /** True when the engine starts it again (a restart or a sync batch). */
  restarting: boolean;
}

/** `run/exited` (engine → client): a run's process ended. */
export namespace RunExited {
  export const method = 'run/exited' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<RunExitedParams>(method, ParameterStructures.byName);
}
