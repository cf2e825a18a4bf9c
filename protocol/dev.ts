// Dev mode: turning a workload into a dev container and putting it back.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { AlreadyInDevModeData, ContainerNotFoundData, WorkloadRef } from './errors.js';
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
  /** Milliseconds per stage, e.g. `{ patch: 120, podReady: 900, initialSync: 300 }`. */
  timings: Record<string, number>;
}

/**
 * `dev/start` (client → engine): patches the workload into dev mode (saving the original in an
 * annotation), waits for the dev pod, starts sync and forwards. Reports `$/progress`.
 * Errors: WorkloadNotFound, ContainerNotFound, AlreadyInDevMode, ClusterUnreachable, Unauthorized,
 * SyncFailed, Cancelled.
 */
export namespace DevStart {
  export const method = 'dev/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<
    DevStartParams,
    DevStartResult,
    AlreadyInDevModeData | ContainerNotFoundData | WorkloadRef
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
  /** Only this namespace. Default: every namespace this engine knows of. */
  namespace?: string;
}

/** Result of `dev/status`. */
export interface DevStatusResult {
  /** Every workload in dev mode that this engine knows of. */
  sessions: DevSessionInfo[];
}

/** `dev/status` (client → engine): the dev sessions; cheap, answered from memory. */
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
