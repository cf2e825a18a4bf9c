// The engine's file syncs: one SyncSession per workload in dev mode, their status in the protocol's
// terms, pause/resume/verify, and engine/state pushes on batches and errors. Owns every session it starts.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { WorkloadRef } from '../../protocol/errors.js';
import type { SyncStatus, SyncVerifyResult } from '../../protocol/sync.js';
import type { Kube } from '../kube/index.js';
import type { Logger } from '../logger.js';
import type { EngineStateHub } from '../state.js';
import { SyncSession, type SyncEvent, type SyncSessionOptions, type SyncStatus as CoreStatus } from './syncSession.js';
import type { SyncTransport } from './transport.js';
import { describeConflict } from './twoWayPlan.js';
import { workloadTransport } from './workloadTransport.js';

export interface SyncStartRequest {
  workload: WorkloadRef;
  container: string;
  /** The dev pod at start; later channels follow the workload's current pod. */
  pod?: string;
  localDir: string;
  /** Absolute folder in the container. */
  remoteDir: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** The config's `sync.mode`; default one-way. */
  direction?: 'one-way' | 'two-way';
  /** Replaces the Kubernetes exec transport (tests, local use). */
  transport?: SyncTransport;
  /** Extra session options (batching, mode, clock). */
  tuning?: Pick<SyncSessionOptions, 'batching' | 'mode' | 'reconnect' | 'initialBatch' | 'watcher' | 'pollIntervalMs'>;
}

export interface SyncProgress {
  /** 0–100 and a short message, e.g. "120/400 files". */
  report(percentage: number | undefined, message: string): void;
}

export interface SyncService {
  /** Starts syncing the workload (replacing a sync it had); resolves once the initial sync landed. */
  start(
    kube: Kube | undefined,
    request: SyncStartRequest,
    progress?: SyncProgress,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Ends the workload's sync; a no-op without one. */
  stop(workload: WorkloadRef): Promise<void>;
  /** NotInDevMode when the workload has no sync in this engine. */
  status(workload: WorkloadRef): SyncStatus;
  pause(workload: WorkloadRef): SyncStatus;
  resume(workload: WorkloadRef): SyncStatus;
  verify(workload: WorkloadRef, progress?: SyncProgress, signal?: AbortSignal): Promise<SyncVerifyResult>;
  /** Workloads with a sync. */
  workloads(): WorkloadRef[];
  dispose(): Promise<void>;
}

export interface SyncServiceOptions {
  state: EngineStateHub;
  log: Logger;
  /** Called after each live batch landed (hot reload); debouncing is the callee's. */
  onBatch?(workload: WorkloadRef): void;
  /** Minimum time between two engine/state pushes per workload. Default 250 ms. */
  stateIntervalMs?: number;
}

interface Entry {
  workload: WorkloadRef;
  session: SyncSession;
  unsubscribe(): void;
  stateTimer: NodeJS.Timeout | undefined;
  lastPush: number;
  /** The pod the sync channel runs in, when it follows a workload. */
  pod(): string | undefined;
}

const keyOf = (ref: WorkloadRef): string => `${ref.namespace}/${ref.kind}/${ref.name}`;

/** The core status in the protocol's words; pure. */
export function protocolStatus(status: CoreStatus): SyncStatus {
  return {
    state: status.state,
    pendingFiles: status.pendingFiles,
    pendingBytes: status.pendingBytes,
    ...(status.lastBatch
      ? {
          lastBatch: {
            files: status.lastBatch.files + status.lastBatch.removed,
            bytes: status.lastBatch.bytes,
            latencyMs: status.lastBatch.latencyMs,
            at: status.lastBatch.at,
          },
        }
      : {}),
    totals: {
      files: status.totals.files + status.totals.removed,
      bytes: status.totals.bytes,
      batches: status.totals.batches,
    },
    ...(status.lastError !== null ? { lastError: status.lastError } : {}),
    ...(status.mode !== null ? { mode: status.mode } : {}),
    ...(status.twoWay !== null
      ? {
          pulledFiles: status.twoWay.pulledFiles,
          conflicts: status.twoWay.conflicts,
          lastConflicts: status.twoWay.lastConflicts,
        }
      : {}),
  };
}

function notInDevMode(workload: WorkloadRef): ResponseError<WorkloadRef> {
  return new ResponseError(
    ErrorCodes.NotInDevMode,
    `${workload.kind} ${workload.name} in namespace ${workload.namespace} has no file sync in this engine: sync runs in the engine that started dev mode; start dev mode with a local folder from this engine (dev/start) first`,
    workload,
  );
}

function syncFailed(workload: WorkloadRef, error: unknown): ResponseError<WorkloadRef> {
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(
    ErrorCodes.SyncFailed,
    `File sync of ${workload.kind} ${workload.name} in namespace ${workload.namespace} failed: ${message}`,
    workload,
  );
}

export function createSyncService(options: SyncServiceOptions): SyncService {
  const log = options.log.child({ component: 'sync' });
  const stateIntervalMs = options.stateIntervalMs ?? 250;
  const entries = new Map<string, Entry>();

  const entryOf = (workload: WorkloadRef): Entry => {
    const entry = entries.get(keyOf(workload));
    if (!entry) throw notInDevMode(workload);
    return entry;
  };

  // engine/state carries the sync status inside the dev session; pushes are spaced so a burst of
  // batches costs one snapshot per interval, and the last change is never dropped.
  function pushState(entry: Entry, reason: string): void {
    if (entry.stateTimer !== undefined) return;
    const wait = Math.max(0, entry.lastPush + stateIntervalMs - Date.now());
    entry.stateTimer = setTimeout(() => {
      entry.stateTimer = undefined;
      entry.lastPush = Date.now();
      if (entries.get(keyOf(entry.workload)) !== entry) return;
      const info = options.state.devSessions().find((candidate) => keyOf(candidate.workload) === keyOf(entry.workload));
      if (info === undefined) return;
      // After a reconnect the channel runs in the replacement pod: the session says so too.
      const pod = entry.pod() ?? info.pod;
      const sync = protocolStatus(entry.session.status());
      options.state.setDevSession({ ...info, ...(pod !== undefined ? { pod } : {}), sync }, reason);
    }, wait);
  }

  function onEvent(entry: Entry, event: SyncEvent): void {
    if (event.kind === 'batch') {
      log.debug(
        { workload: keyOf(entry.workload), files: event.batch.files, ms: event.batch.latencyMs },
        'sync batch applied',
      );
      pushState(entry, 'sync batch');
      if (!event.initial) options.onBatch?.(entry.workload);
    } else if (event.kind === 'error') {
      log.warn({ workload: keyOf(entry.workload), recoverable: event.recoverable }, event.message);
      pushState(entry, 'sync error');
    } else if (event.kind === 'state') pushState(entry, `sync ${event.state}`);
    else if (event.kind === 'pull') {
      const workload = keyOf(entry.workload);
      log.debug({ workload, files: event.pull.files, removed: event.pull.removed }, 'container changes pulled');
      for (const conflict of event.pull.conflicts)
        log.warn(
          { workload, path: conflict.path, winner: conflict.winner, copy: conflict.copy },
          describeConflict(conflict),
        );
      for (const refused of event.pull.refused)
        log.warn({ workload, path: refused.path }, `not pulled from the container: ${refused.reason}`);
      pushState(entry, 'sync pull');
    }
  }

  const service: SyncService = {
    async start(kube, request, progress, signal) {
      await service.stop(request.workload);
      const following =
        request.transport === undefined && kube !== undefined
          ? workloadTransport(kube, request.workload, request.container, request.pod)
          : undefined;
      const transport = request.transport ?? following;
      if (transport === undefined) throw new Error('sync needs a cluster connection or a transport');
      const session = new SyncSession({
        localRoot: request.localDir,
        workDir: request.remoteDir,
        transport,
        ...(request.include ? { include: request.include } : {}),
        ...(request.exclude ? { exclude: request.exclude } : {}),
        ...(request.direction ? { direction: request.direction } : {}),
        // An editor's save is a burst of events within a few ms; a short quiet window keeps the
        // edit-to-container latency low, and the batcher's cap still bounds long bursts.
        batching: { quietMs: 8 },
        ...request.tuning,
      });
      const entry: Entry = {
        workload: request.workload,
        session,
        unsubscribe: () => undefined,
        stateTimer: undefined,
        lastPush: 0,
        pod: () => following?.pod,
      };
      entries.set(keyOf(request.workload), entry);
      const offEvents = session.onEvent((event) => onEvent(entry, event));
      const offProgress = session.onEvent((event) => {
        if (event.kind !== 'progress' || progress === undefined) return;
        const percentage = event.bytesTotal > 0 ? (event.bytesDone / event.bytesTotal) * 100 : event.done ? 100 : 0;
        progress.report(percentage, `${event.filesDone}/${event.filesTotal} files`);
      });
      entry.unsubscribe = offEvents;
      const abortStart = (): void => void service.stop(request.workload);
      signal?.addEventListener('abort', abortStart, { once: true });
      try {
        await session.start();
      } catch (error) {
        await service.stop(request.workload);
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : error;
        throw syncFailed(request.workload, error);
      } finally {
        offProgress();
        signal?.removeEventListener('abort', abortStart);
      }
      log.info(
        { workload: keyOf(request.workload), localDir: request.localDir, remoteDir: request.remoteDir },
        'sync started',
      );
      // Dev start records its session after this resolves; the deferred push then adds the sync state to it.
      pushState(entry, 'sync started');
    },
    async stop(workload) {
      const entry = entries.get(keyOf(workload));
      if (!entry) return;
      entries.delete(keyOf(workload));
      entry.unsubscribe();
      clearTimeout(entry.stateTimer);
      await entry.session.dispose();
    },
    status: (workload) => protocolStatus(entryOf(workload).session.status()),
    pause(workload) {
      const entry = entryOf(workload);
      entry.session.pause();
      return protocolStatus(entry.session.status());
    },
    resume(workload) {
      const entry = entryOf(workload);
      entry.session.resume();
      return protocolStatus(entry.session.status());
    },
    async verify(workload, progress, signal) {
      const entry = entryOf(workload);
      progress?.report(0, 'waiting for pending changes');
      try {
        const settled = entry.session.verify({ ...(signal ? { signal } : {}) });
        progress?.report(10, 'hashing both sides');
        const result = await settled;
        progress?.report(100, `${result.filesCompared} files compared`);
        return {
          inSync: result.differences.length === 0,
          differences: result.differences.map((difference) => ({ path: difference.path, reason: difference.kind })),
          files: result.filesCompared,
        };
      } catch (error) {
        if (signal?.aborted) throw error;
        throw syncFailed(workload, error);
      }
    },
    workloads: () => [...entries.values()].map((entry) => entry.workload),
    async dispose() {
      await Promise.all([...entries.values()].map((entry) => service.stop(entry.workload)));
    },
  };
  return service;
}
