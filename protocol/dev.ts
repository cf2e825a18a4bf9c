// Dev mode: turning a workload into a dev container and putting it back.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type {
  AlreadyInDevModeData,
  ContainerNotFoundData,
  DevPodFailedData,
  InvalidConfigData,
  WorkloadRef,
} from './errors.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { SyncStatus } from './sync.js';
import type { WorkloadKind } from './workloads.js';

/** Identifies a workload in a request. */
export interface WorkloadParams {
  /** Workload kind. */
  kind: WorkloadKind;
  /** Workload name. */
  name: string;
  /** Namespace. Default: the session's namespace. */
  namespace?: string;
}

/** Params of `dev/start`. */
export interface DevStartParams extends WorkloadParams, WorkDoneProgressParams {
  /** Container to develop in. Default: the first container. */
  container?: string;
  /** Local folder synced into the container. Default: the workspace folder. */
  localDir?: string;
  /** Folder in the container the files go to. Default: the config's workDir, else the image's. */
  remoteDir?: string;
  /** Dev image replacing the container's image. Default: from the podloop config. */
  image?: string;
  /** Take over a lease held by another engine. Default false. */
  force?: boolean;
  /** Start file sync once the dev pod runs. Default true. */
  sync?: boolean;
  /** Ports to forward once the dev pod runs, e.g. `8080` or `18080:8080`. Default: the config's. */
  ports?: string[];
}

/** One workload in dev mode. */
export interface DevSessionInfo {
  /** The workload. */
  workload: WorkloadRef;
  /** The dev container. */
  container: string;
  /** The dev pod, once one runs. */
  pod?: string;
  /** starting → running → ending; `error` with `message`. */
  phase: 'starting' | 'running' | 'ending' | 'error';
  /** Engine id holding the lease. */
  holder: string;
  /** Whether this engine holds the lease. */
  ownedByThisEngine: boolean;
  /** Local folder synced into the container. */
  localDir?: string;
  /** Folder in the container. */
  remoteDir?: string;
  /** File sync state, when syncing. */
  sync?: SyncStatus;
  /** Last error, with `phase: 'error'`. */
  message?: string;
}

/** Result of `dev/start`: the session once the dev pod runs and the initial sync is done. */
export interface DevStartResult {
  /** The session. */
  session: DevSessionInfo;
  /** Milliseconds per stage, keyed by the `DevStartStage` names, e.g. `{ "patching": 120, "waiting for the pod": 900 }`. */
  timings: Record<string, number>;
  /**
   * What the user should know but that did not stop dev mode, e.g. a HorizontalPodAutoscaler on the workload.
   * @since 0.1
   */
  warnings?: string[];
}

/**
 * The stages of `dev/start`, in order. Each `$/progress` report's `message` starts with the stage name; a
 * stage with nothing to do reports `NAME (skipped)`.
 */
export type DevStartStage =
  | 'validating'
  | 'saving original'
  | 'patching'
  | 'rolling out'
  | 'pulling image'
  | 'waiting for the pod'
  | 'installing sync receiver'
  | 'initial sync';

/**
 * `dev/start` (client → engine): patches the workload into dev mode (saving the original in an
 * annotation), waits for the dev pod, starts sync and forwards. Reports `$/progress`.
 * Errors: WorkloadNotFound, ContainerNotFound, AlreadyInDevMode, InvalidConfig (data: file, line, column,
 * field), DevPodFailed (rolled back; data carries events and container state), ClusterUnreachable,
 * Unauthorized, SyncFailed, Cancelled (rolled back).
 */
export namespace DevStart {
  export const method = 'dev/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<
    DevStartParams,
    DevStartResult,
    AlreadyInDevModeData | ContainerNotFoundData | DevPodFailedData | InvalidConfigData | WorkloadRef
  >(method, ParameterStructures.byName);
}

/** Params of `dev/end`. */
export interface DevEndParams extends WorkloadParams, WorkDoneProgressParams {
  /** End even when another engine holds the lease. Default false. */
  force?: boolean;
}

/** Result of `dev/end`. */
export interface DevEndResult {
  /** The workload that was restored. */
  workload: WorkloadRef;
  /** False when it was not in dev mode (dev/end is idempotent with `force`). */
  restored: boolean;
}

/**
 * `dev/end` (client → engine): stops sync and forwards and restores the workload exactly as it
 * was. Errors: WorkloadNotFound, NotInDevMode, AlreadyInDevMode (held elsewhere, without force).
 */
export namespace DevEnd {
  export const method = 'dev/end' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<DevEndParams, DevEndResult, WorkloadRef>(method, ParameterStructures.byName);
}

/** Params of `dev/status`. */
export interface DevStatusParams {
  /**
   * Only this namespace; the engine then also lists the workloads found in dev mode there by their
   * annotation, whoever holds them. Default: the sessions of this engine, from memory.
   */
  namespace?: string;
}

/** Result of `dev/status`. */
export interface DevStatusResult {
  /** Every workload in dev mode that this engine knows of. */
  sessions: DevSessionInfo[];
}

/** `dev/status` (client → engine): the dev sessions; answered from memory unless a namespace is given. */
export namespace DevStatus {
  export const method = 'dev/status' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<DevStatusParams, DevStatusResult, void>(method, ParameterStructures.byName);
}

/** Params of `dev/reset`. */
export type DevResetParams = WorkloadParams;

/** Result of `dev/reset`. */
export interface DevResetResult {
  /** The workload. */
  workload: WorkloadRef;
  /** Whether anything had to be restored or removed. */
  changed: boolean;
}

/**
 * `dev/reset` (client → engine): restores a workload a dead engine left in dev mode and removes
 * podloop's annotations, dev pods and leases, whoever held them.
 */
export namespace DevReset {
  export const method = 'dev/reset' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<DevResetParams, DevResetResult, WorkloadRef>(method, ParameterStructures.byName);
}
