// File synchronisation between a local folder and a dev container.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { SyncFailedData } from './errors.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { WorkloadParams } from './dev.js';

/** Sync state of one dev session. */
export interface SyncStatus {
  /** idle (in sync), scanning (initial diff), syncing, paused, error. */
  state: 'idle' | 'scanning' | 'syncing' | 'paused' | 'error';
  /** Files changed locally and not yet applied in the container. */
  pendingFiles: number;
  /** Bytes of those files. */
  pendingBytes: number;
  /** The last applied batch. */
  lastBatch?: { files: number; bytes: number; latencyMs: number; at: string };
  /** Totals since the session started. */
  totals: { files: number; bytes: number; batches: number };
  /** Last error message, with state `error`. */
  lastError?: string;
  /** receiver (podloop's in-container receiver) or tar-fallback (tar over exec). */
  mode?: 'receiver' | 'tar-fallback';
  /**
   * Two-way sync only (`sync.mode: two-way`): files and links brought from the container to the
   * local folder since the session started.
   * @since 0.1
   */
  pulledFiles?: number;
  /**
   * Two-way sync only: paths changed on both sides since the last sync. The newer write (mtime)
   * stays at the path and the other version is kept beside it as `PATH.conflict` (then
   * `PATH.conflict.2`, `.3`... when that name is taken), on both sides.
   * @since 0.1
   */
  conflicts?: number;
  /** Two-way sync only: the last (at most 10) conflicting paths, oldest first. @since 0.1 */
  lastConflicts?: string[];
}

/** Params of `sync/status`. */
export type SyncStatusParams = WorkloadParams;

/** Result of `sync/status`. */
export interface SyncStatusResult {
  /** Sync state. */
  status: SyncStatus;
}

/** `sync/status` (client → engine): sync state of one workload in dev mode. Errors: NotInDevMode. */
export namespace SyncStatusRequest {
  export const method = 'sync/status' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SyncStatusParams, SyncStatusResult, void>(method, ParameterStructures.byName);
}

/** Params of `sync/pause` and `sync/resume`. */
export type SyncPauseParams = WorkloadParams;

/** `sync/pause` (client → engine): stop applying local changes; they queue up. */
export namespace SyncPause {
  export const method = 'sync/pause' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SyncPauseParams, SyncStatusResult, void>(method, ParameterStructures.byName);
}

/** `sync/resume` (client → engine): apply queued changes and keep syncing. */
export namespace SyncResume {
  export const method = 'sync/resume' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SyncPauseParams, SyncStatusResult, void>(method, ParameterStructures.byName);
}

/** Params of `sync/verify`. */
export type SyncVerifyParams = WorkloadParams & WorkDoneProgressParams;

/** Result of `sync/verify`. */
export interface SyncVerifyResult {
  /** True when both sides hold identical files. */
  inSync: boolean;
  /** Paths (relative, `/`-separated) that differ, with why. */
  differences: { path: string; reason: 'missing-remote' | 'missing-local' | 'content' | 'mode' }[];
  /** Files compared. */
  files: number;
}

/**
 * `sync/verify` (client → engine): checksums both sides and lists every differing path.
 * Reports `$/progress`. Errors: NotInDevMode, SyncFailed, Cancelled.
 */
export namespace SyncVerify {
  export const method = 'sync/verify' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SyncVerifyParams, SyncVerifyResult, SyncFailedData>(
    method,
    ParameterStructures.byName,
  );
}
