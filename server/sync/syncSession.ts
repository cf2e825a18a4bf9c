// One local folder kept in step with one container workDir: initial diff, live batches from the
// watcher, reconnect with a fresh diff, verify. Owns its watcher and channel; dispose() ends both.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangeBatcher, systemClock, type Clock, type TakenBatch } from './batcher.js';
import { collapseRemovals, diffManifests, type SyncPlan } from './diff.js';
import { createIgnoreRules, type IgnoreRules } from './ignoreRules.js';
import {
  hashFile,
  scanTree,
  statEntry,
  type Entry,
  type Manifest,
  type RejectedPath,
  type ScanResult,
} from './manifest.js';
import { isWithin, safeRelativePath } from './pathSafety.js';
import { ChannelLostError } from './receiverProtocol.js';
import { ReceiverRemote, ReceiverUnavailableError } from './receiverRemote.js';
import { BatchRejectedError, type HashAlgorithm, type RemoteTree, type SyncMode } from './remoteTree.js';
import { TarFallbackRemote } from './tarFallbackRemote.js';
import { tarEntrySize, type BatchWriteResult } from './tarBatch.js';
import { ScanFeed, streamFresh } from './freshStream.js';
import type { SyncTransport } from './transport.js';
import { collectAfterBurst } from '../memory.js';
import { TwoWaySync, type PullSummary, type TwoWayStatus } from './twoWaySync.js';
import { compareTrees, type TreeDifference } from './verify.js';
import { watchTree, type TreeWatcher, type WatcherBackend } from './watcher.js';

export type SyncState = 'idle' | 'scanning' | 'syncing' | 'paused' | 'error';

export interface SyncBatchSummary {
  id: number;
  files: number;
  removed: number;
  bytes: number;
  /** From the first local event of the batch (or the start of the initial sync) to the ack. */
  latencyMs: number;
  /** ISO time of the ack. */
  at: string;
}

export interface SyncStatus {
  state: SyncState;
  /** null until a channel to the container was opened. */
  mode: SyncMode | null;
  pendingFiles: number;
  pendingBytes: number;
  lastBatch: SyncBatchSummary | null;
  totals: { batches: number; files: number; removed: number; bytes: number };
  lastError: string | null;
  /** Local paths never synced because they are unsafe (link escapes, absolute links...). */
  rejected: RejectedPath[];
  /** Container → local activity; null in one-way sync. */
  twoWay: TwoWayStatus | null;
}

export type SyncEvent =
  | { kind: 'state'; state: SyncState }
  | { kind: 'batch'; batch: SyncBatchSummary; initial: boolean }
  | { kind: 'progress'; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; done: boolean }
  | { kind: 'error'; message: string; recoverable: boolean }
  | { kind: 'pull'; pull: PullSummary };

export interface VerifyResult {
  differences: TreeDifference[];
  filesCompared: number;
  hashAlgorithm: HashAlgorithm;
}

export interface SyncSessionOptions {
  localRoot: string;
  /** Absolute path in the container. */
  workDir: string;
  transport: SyncTransport;
  include?: readonly string[];
  exclude?: readonly string[];
  /** two-way also brings container changes back, scanning the container every `pollIntervalMs`. */
  direction?: 'one-way' | 'two-way';
  /** Default 1000 ms. */
  pollIntervalMs?: number;
  /** 'auto' tries the receiver and falls back to one tar exec per batch. */
  mode?: 'auto' | SyncMode;
  batching?: { quietMs?: number; maxWaitMs?: number; maxPaths?: number };
  /** Caps for one initial-sync batch. */
  initialBatch?: { maxBytes?: number; maxFiles?: number };
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How local changes are noticed; default 'chokidar'. */
  watcher?: WatcherBackend;
  clock?: Clock;
  signal?: AbortSignal;
}

// An initial sync goes as one batch up to these caps: each batch boundary is a pause for the
// container's acknowledgement, and progress comes from the tar bytes sent, not per batch.
const DEFAULT_INITIAL_BYTES = 2 * 1024 * 1024 * 1024;
const DEFAULT_INITIAL_FILES = 200_000;
const PROGRESS_EVERY_MS = 100;
const RESTAT_LIMIT = 1000;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Splits a plan into batches: removals ride with the first one. Pure. */
export function chunkPlan(
  plan: Pick<SyncPlan, 'send' | 'remove'>,
  maxBytes: number,
  maxFiles: number,
): { remove: string[]; entries: Entry[] }[] {
  const chunks: { remove: string[]; entries: Entry[] }[] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const entry of plan.send) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + entry.size > maxBytes)) {
      chunks.push({ remove: [], entries: current });
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length > 0) chunks.push({ remove: [], entries: current });
  if (plan.remove.length === 0) return chunks;
  if (chunks.length === 0) chunks.push({ remove: [], entries: [] });
  chunks[0]!.remove = [...plan.remove];
  return chunks;
}

/**
 * Every known path at or below the removed ones, deepest first: what a two-way batch removes
 * one by one (folders last, and only when empty). Pure.
 */
export function listedRemovals(known: Manifest, remove: readonly string[]): string[] {
  const roots = new Set(remove);
  const listed = new Set(remove);
  for (const path of known.keys()) {
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      if (roots.has(path.slice(0, end))) {
        listed.add(path);
        break;
      }
    }
  }
  return [...listed].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

interface LocalScan {
  /** Clock time the scan started: the start of the full sync's latency. */
  startedAt: number;
  scanned: Promise<ScanResult>;
  /** Entries as the scan reads them. */
  feed: ScanFeed;
}

export class SyncSession {
  private readonly options: SyncSessionOptions;
  private readonly rules: IgnoreRules;
  private readonly clock: Clock;
  private readonly batcher: ChangeBatcher;
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(event: SyncEvent) => void>();
  private watcher: TreeWatcher | null = null;
  private remote: RemoteTree | null = null;
  private known: Manifest = new Map();
  private needFullSync = true;
  private paused = false;
  private disposed = false;
  private started = false;
  private loop: Promise<void> | null = null;
  /** A local scan started while the channel opens, for the full sync that follows. */
  private earlyScan: LocalScan | null = null;
  private wakeUp: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];
  private firstSync = deferred();
  private batchSeq = 0;
  private inFlight = { files: 0, bytes: 0 };
  private rejected = new Map<string, RejectedPath>();
  /** Two-way conflict winners whose content differs from the container's, whatever their metadata says. */
  private readonly contentDiffers = new Set<string>();
  /** Paths of a live batch the container rejected once, retried since. */
  private readonly rejectedOnce = new Set<string>();
  private current: SyncStatus;
  private readonly twoWay: TwoWaySync | null;

  constructor(options: SyncSessionOptions) {
    this.options = options;
    this.rules = createIgnoreRules(options.localRoot, { include: options.include, exclude: options.exclude });
    this.clock = options.clock ?? systemClock;
    this.twoWay =
      options.direction === 'two-way'
        ? new TwoWaySync(
            {
              localRoot: options.localRoot,
              workDir: options.workDir,
              transport: options.transport,
              isIgnored: (rel, isDir) => this.rules.isIgnored(rel, isDir),
              known: () => this.known,
              queuePush: (rel, differs) => {
                if (differs === true) this.contentDiffers.add(rel);
                this.batcher.add(rel);
              },
            },
            this.clock,
            options.pollIntervalMs,
          )
        : null;
    this.batcher = new ChangeBatcher({ ...options.batching, clock: this.clock, onReady: () => this.notify() });
    this.current = {
      state: 'scanning',
      mode: null,
      pendingFiles: 0,
      pendingBytes: 0,
      lastBatch: null,
      totals: { batches: 0, files: 0, removed: 0, bytes: 0 },
      lastError: null,
      rejected: [],
      twoWay: null,
    };
    options.signal?.addEventListener('abort', () => void this.dispose(), { once: true });
  }

  /** Starts watching and syncing; resolves when the first full sync has landed. */
  async start(): Promise<void> {
    if (this.started) return this.firstSync.promise;
    this.started = true;
    if (this.options.signal?.aborted) await this.dispose();
    if (this.disposed) throw new Error('sync session was disposed');
    const root = await stat(this.options.localRoot).catch(() => null);
    if (!root?.isDirectory())
      throw new Error(`cannot sync ${this.options.localRoot}: it is not a folder on this machine`);
    this.watcher = watchTree(
      this.options.localRoot,
      {
        isIgnored: (rel, isDir) => this.rules.isIgnored(rel, isDir),
        onPath: (rel) => {
          this.rules.noteChange(rel);
          this.batcher.add(rel);
        },
        onError: (error) =>
          this.emit({
            kind: 'error',
            message: `watching ${this.options.localRoot} failed: ${error.message}`,
            recoverable: true,
          }),
      },
      this.options.watcher,
    );
    // Watch before the first scan so that no edit made during it is missed.
    await this.watcher.ready;
    this.loop = this.run();
    return this.firstSync.promise;
  }

  status(): SyncStatus {
    return {
      ...this.current,
      pendingFiles: this.batcher.size + this.inFlight.files,
      pendingBytes: this.inFlight.bytes,
      totals: { ...this.current.totals },
      rejected: [...this.rejected.values()],
      twoWay: this.twoWay?.status() ?? null,
    };
  }

  onEvent(listener: (event: SyncEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pause(): void {
    if (this.disposed || this.paused) return;
    this.paused = true;
    this.setState('paused');
    this.notify();
  }

  resume(): void {
    if (this.disposed || !this.paused) return;
    this.paused = false;
    this.notify();
  }

  /** Resolves when nothing is pending, no batch is in flight and the channel is up. */
  waitForIdle(timeoutMs = 30_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`sync did not become idle within ${timeoutMs} ms (state ${this.current.state})`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Hashes both sides and lists every path that differs (ignored paths excluded). */
  async verify(options: { settleMs?: number; signal?: AbortSignal } = {}): Promise<VerifyResult> {
    // While paused, differences are expected and are what the caller wants to see.
    if (options.settleMs !== 0 && !this.paused) {
      // Two-way: container edits made before this call are pulled before both sides are compared.
      if (this.twoWay) await this.settlePoll(options.settleMs ?? 30_000);
      await this.waitForIdle(options.settleMs ?? 30_000);
    }
    const remote = this.remote;
    if (!remote) throw new ChannelLostError('not connected to the container; verify again once sync reconnects');
    const signal = options.signal ?? this.abort.signal;
    const [local, remoteManifest, remoteHashes] = [
      await scanTree(this.options.localRoot, { isIgnored: (rel, isDir) => this.rules.isIgnored(rel, isDir), signal }),
      this.visibleRemote(await remote.manifest(signal)),
      await remote.hashAll(signal),
    ];
    const algorithm = remote.hashAlgorithm;
    const localHashes = new Map<string, string>();
    if (algorithm !== 'none') {
      for (const entry of local.entries.values()) {
        if (entry.type === 'file')
          localHashes.set(entry.path, await hashFile(join(this.options.localRoot, entry.path), algorithm, signal));
      }
    }
    const differences = compareTrees(
      { manifest: local.entries, hashes: localHashes },
      { manifest: remoteManifest, hashes: remoteHashes },
      { compareContent: algorithm !== 'none' },
    );
    return { differences, filesCompared: localHashes.size, hashAlgorithm: algorithm };
  }

  async dispose(): Promise<void> {
    if (this.disposed) {
      await this.loop?.catch(() => undefined);
      return;
    }
    this.disposed = true;
    this.abort.abort();
    this.batcher.dispose();
    this.remote?.close();
    this.remote = null;
    this.firstSync.reject(new Error('sync session was disposed'));
    this.notify();
    await this.watcher?.close();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let delay = this.options.reconnect?.initialDelayMs ?? 100;
    while (!this.disposed) {
      try {
        if (this.paused) {
          await this.sleep();
          continue;
        }
        if (!this.remote) {
          // A full sync follows every new channel; its local half needs no channel and runs meanwhile.
          this.earlyScan = this.startLocalScan();
          const reached = this.options.transport.instance;
          this.remote = await this.connect();
          delay = this.options.reconnect?.initialDelayMs ?? 100;
          this.needFullSync = true;
          // A new channel into another pod or a restarted container: what earlier scans saw says nothing
          // about it. Back in the same container, the baseline stands, so the full sync below pulls the
          // container's unpulled changes first instead of undoing them.
          if (reached === undefined || reached !== this.options.transport.instance) this.twoWay?.forgetBaseline();
        }
        if (this.needFullSync) {
          // A full sync makes the container match the local folder: on the same channel, container
          // changes are brought back first so that it does not undo them.
          if (this.twoWay?.hasBaseline) await this.pull(this.twoWay, this.remote);
          // Cleared first: a request made while this pass runs (an ignore file edit) gets its own.
          this.needFullSync = false;
          try {
            await this.fullSync(this.remote);
          } catch (error) {
            this.needFullSync = true;
            throw error;
          }
          this.current.lastError = null;
          this.twoWay?.reset();
          this.firstSync.resolve();
          collectAfterBurst();
          continue;
        }
        if (this.batcher.isReady()) {
          const taken = this.batcher.take();
          if (taken) await this.liveBatch(this.remote, taken);
          continue;
        }
        if (this.twoWay?.isDue()) {
          await this.pull(this.twoWay, this.remote);
          continue;
        }
        this.setState('idle');
        this.settleIdle();
        await this.sleep(this.twoWay?.msUntilDue());
      } catch (error) {
        this.earlyScan = null;
        if (this.disposed) break;
        const message = (error as Error).message;
        this.current.lastError = message;
        if (error instanceof ChannelLostError) {
          this.remote?.close();
          this.remote = null;
          this.setState('error');
          this.emit({ kind: 'error', message, recoverable: true });
          await this.backOff(delay);
          delay = Math.min(delay * 2, this.options.reconnect?.maxDelayMs ?? 2000);
        } else {
          this.emit({ kind: 'error', message, recoverable: !(error instanceof BatchRejectedError) });
          if (error instanceof BatchRejectedError) {
            // Retrying cannot help (permissions, disk full): report it and keep syncing other edits.
            this.needFullSync = false;
            this.firstSync.resolve();
          } else {
            this.needFullSync = true;
          }
          this.setState('error');
          await this.backOff(delay);
        }
      }
    }
  }

  private async connect(): Promise<RemoteTree> {
    const { transport, workDir } = this.options;
    const mode = this.options.mode ?? 'auto';
    let remote: RemoteTree;
    if (mode === 'tar-fallback') {
      remote = new TarFallbackRemote(transport, workDir);
    } else {
      try {
        remote = await ReceiverRemote.start(transport, workDir, { signal: this.abort.signal });
      } catch (error) {
        if (!(error instanceof ReceiverUnavailableError) || mode === 'receiver')
          throw error instanceof ChannelLostError ? error : new ChannelLostError((error as Error).message);
        this.emit({
          kind: 'error',
          message: `${error.message}; syncing with one tar exec per batch instead`,
          recoverable: true,
        });
        remote = new TarFallbackRemote(transport, workDir);
      }
    }
    this.current.mode = remote.mode;
    void remote.lost.then(() => {
      if (this.remote === remote) {
        this.remote = null;
        this.notify();
      }
    });
    return remote;
  }

  private visibleRemote(manifest: Manifest): Manifest {
    const visible: Manifest = new Map();
    for (const [path, entry] of manifest) {
      if (!this.rules.isIgnored(path, entry.type === 'dir')) visible.set(path, entry);
    }
    return visible;
  }

  private startLocalScan(): LocalScan {
    const startedAt = this.clock.now();
    // The scan covers every change made so far; only later events matter.
    this.batcher.take();
    const feed = new ScanFeed();
    const scanned = scanTree(this.options.localRoot, {
      isIgnored: (rel, isDir) => this.rules.isIgnored(rel, isDir),
      signal: this.abort.signal,
      onEntry: (entry) => feed.push(entry),
    });
    // Awaited by the full sync; a scan dropped with a failed connect must not go unobserved.
    scanned.then(
      () => feed.end(),
      () => feed.end(),
    );
    return { startedAt, scanned, feed };
  }

  private async fullSync(remote: RemoteTree): Promise<void> {
    this.setState('scanning');
    const { startedAt, scanned, feed } = this.earlyScan ?? this.startLocalScan();
    this.earlyScan = null;
    const signal = this.abort.signal;
    const remoteRaw = remote.manifest(signal);
    // Entries the container lacks go out while the scan still runs; see freshStream.
    const fresh = remoteRaw.then((manifest) => this.sendFresh(remote, feed, manifest, startedAt));
    fresh.catch(() => undefined);
    const [remoteManifest, local] = await Promise.all([
      remoteRaw.then((manifest) => this.visibleRemote(manifest)),
      scanned,
    ]);
    const streamed = await fresh;
    for (const entry of streamed) remoteManifest.set(entry.path, entry);
    this.rejected = new Map(local.rejected.map((rejected) => [rejected.path, rejected]));
    let plan = diffManifests(local.entries, remoteManifest);
    if (plan.hashNeeded.length > 0 && remote.hashAlgorithm !== 'none') {
      const algorithm = remote.hashAlgorithm;
      const remoteHashes = await remote.hash(plan.hashNeeded, signal);
      const localHashes = new Map<string, string>();
      for (const path of plan.hashNeeded)
        localHashes.set(path, await hashFile(join(this.options.localRoot, path), algorithm, signal));
      plan = diffManifests(local.entries, remoteManifest, { local: localHashes, remote: remoteHashes });
    }
    const send = [
      ...plan.send,
      ...plan.hashNeeded.map((path) => local.entries.get(path)!).filter((entry) => entry !== undefined),
    ];
    this.known = new Map(remoteManifest);
    const chunks = chunkPlan(
      { send, remove: plan.remove },
      this.options.initialBatch?.maxBytes ?? DEFAULT_INITIAL_BYTES,
      this.options.initialBatch?.maxFiles ?? DEFAULT_INITIAL_FILES,
    );
    const progress = this.initialProgress(send, streamed);
    progress.report();
    if (chunks.length > 0) this.setState('syncing');
    for (const chunk of chunks) {
      await this.sendBatch(remote, chunk.entries, chunk.remove, startedAt, {
        initial: true,
        onSent: progress.within(chunk.entries),
      });
      progress.done(chunk.entries);
    }
  }

  /**
   * Streams what the container has nothing of while the scan runs; resolves with the entries that
   * landed (none when the container refused them: the diff then sends them again, as a batch).
   */
  private async sendFresh(remote: RemoteTree, feed: ScanFeed, manifest: Manifest, startedAt: number): Promise<Entry[]> {
    const openExtraction = remote.openExtraction?.bind(remote);
    if (!openExtraction) return [];
    const id = this.batchSeq + 1;
    const due = throttle(this.clock, PROGRESS_EVERY_MS);
    const streamed = await streamFresh(
      feed,
      manifest,
      () => {
        this.batchSeq = id;
        this.setState('syncing');
        return openExtraction(this.options.localRoot, id, { signal: this.abort.signal });
      },
      (progress) => {
        this.inFlight = {
          files: progress.filesFound - progress.filesDone,
          bytes: progress.bytesFound - progress.bytesDone,
        };
        if (!due()) return;
        this.emit({
          kind: 'progress',
          filesDone: progress.filesDone,
          filesTotal: progress.filesFound,
          bytesDone: progress.bytesDone,
          bytesTotal: progress.bytesFound,
          done: false,
        });
      },
    ).catch((error: unknown) => {
      if (error instanceof BatchRejectedError) {
        this.emit({ kind: 'error', message: error.message, recoverable: true });
        return null;
      }
      throw error;
    });
    this.inFlight = { files: 0, bytes: 0 };
    if (!streamed) return [];
    this.landed(id, streamed.sent, [], streamed.written, startedAt, true);
    return streamed.sent;
  }

  /**
   * Initial-sync progress over `send`, after the `streamed` entries already landed: per batch, and
   * within one from the tar bytes sent.
   */
  private initialProgress(
    send: readonly Entry[],
    streamed: readonly Entry[],
  ): {
    report(): void;
    within(entries: readonly Entry[]): (tarBytes: number) => void;
    done(entries: readonly Entry[]): void;
  } {
    const sizeOf = (entries: readonly Entry[]): number => entries.reduce((sum, entry) => sum + entry.size, 0);
    let filesDone = streamed.length;
    let bytesDone = sizeOf(streamed);
    const filesTotal = filesDone + send.length;
    const bytesTotal = bytesDone + sizeOf(send);
    const emit = (files: number, bytes: number): void =>
      this.emit({
        kind: 'progress',
        filesDone: files,
        filesTotal,
        bytesDone: bytes,
        bytesTotal,
        done: files === filesTotal,
      });
    return {
      report: () => emit(filesDone, bytesDone),
      within: (entries) => {
        const inside = tarProgress(entries);
        const due = throttle(this.clock, PROGRESS_EVERY_MS);
        return (tarBytes) => {
          if (!due()) return;
          const sent = inside(tarBytes);
          if (sent.files < entries.length) emit(filesDone + sent.files, bytesDone + sent.bytes);
        };
      },
      done: (entries) => {
        filesDone += entries.length;
        bytesDone += sizeOf(entries);
        emit(filesDone, bytesDone);
      },
    };
  }

  private async liveBatch(remote: RemoteTree, taken: TakenBatch): Promise<void> {
    this.setState('syncing');
    const localSubset: Manifest = new Map();
    const exact = new Set<string>();
    const deep: string[] = [];
    const root = this.options.localRoot;
    const isIgnored = (rel: string, isDir: boolean): boolean => this.rules.isIgnored(rel, isDir);
    for (const raw of taken.paths) {
      const path = safeRelativePath(raw);
      if (path === null) continue;
      const found = await statEntry(root, path);
      const entry = found && !('rejected' in found) ? found : null;
      if (found && 'rejected' in found) this.rejected.set(path, { path, reason: found.rejected });
      else this.rejected.delete(path);
      if (isIgnored(path, entry?.type === 'dir')) continue;
      if (!entry) {
        deep.push(path);
        continue;
      }
      if (entry.type === 'dir') {
        // A reported directory may have been created, renamed in or swapped for another one whose
        // contents were never reported one by one: compare its whole subtree.
        const scanned = await scanTree(root, { isIgnored, under: path, signal: this.abort.signal });
        for (const [subPath, subEntry] of scanned.entries) localSubset.set(subPath, subEntry);
        for (const rejected of scanned.rejected) this.rejected.set(rejected.path, rejected);
        deep.push(path);
      } else {
        localSubset.set(path, entry);
        exact.add(path);
        // A file or link in place of a synced folder: what was synced below it goes too.
        if (this.known.get(path)?.type === 'dir') deep.push(path);
      }
      await this.addMissingParents(path, localSubset, exact);
    }
    const knownSubset: Manifest = new Map();
    for (const [path, entry] of this.known) {
      if (exact.has(path) || deep.some((dir) => isWithin(path, dir))) knownSubset.set(path, entry);
    }
    // Sent as new, so that equal metadata cannot hide the difference; a missing one is still removed.
    for (const path of taken.paths) if (this.contentDiffers.delete(path) && exact.has(path)) knownSubset.delete(path);
    const plan = diffManifests(localSubset, knownSubset, undefined, { exactMtime: true });
    // A changed mtime during live sync means a write: send rather than ask for hashes first.
    const send = [...plan.send, ...plan.hashNeeded.map((path) => localSubset.get(path)!)].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
    if (send.length === 0 && plan.remove.length === 0) return;
    try {
      if (!this.twoWay) {
        await this.sendBatch(remote, send, plan.remove, taken.firstEventAt);
      } else {
        // Two-way: a removed folder goes path by path, only what the engine synced there, so that the
        // check below covers each one and what the container wrote there since stays.
        const remove = listedRemovals(knownSubset, plan.remove);
        const writes = send.filter((entry) => entry.type !== 'dir').map((entry) => entry.path);
        if (!(await this.twoWay.unchangedInContainer(remote, { writes, removes: remove }, this.abort.signal))) {
          // A container edit this batch would overwrite unseen: scan first (conflicts are settled there), then batch again.
          for (const path of taken.paths) this.batcher.add(path);
          await this.pull(this.twoWay, remote);
          return;
        }
        await this.sendBatch(remote, send, remove, taken.firstEventAt, { listedOnly: true });
      }
      for (const path of taken.paths) this.rejectedOnce.delete(path);
    } catch (error) {
      if (!(error instanceof BatchRejectedError) || !this.retryRejected(taken.paths)) throw error;
    }
  }

  // A rejected batch may have raced a container change (a folder removed while tar wrote into it):
  // its paths are looked at again once, and only a second rejection is reported.
  private retryRejected(paths: readonly string[]): boolean {
    if (paths.every((path) => this.rejectedOnce.has(path))) return false;
    for (const path of paths) {
      this.rejectedOnce.add(path);
      this.batcher.add(path);
    }
    return true;
  }

  private async addMissingParents(path: string, localSubset: Manifest, exact: Set<string>): Promise<void> {
    let slash = path.lastIndexOf('/');
    while (slash > 0) {
      const parent = path.slice(0, slash);
      if (this.known.get(parent)?.type === 'dir' || localSubset.has(parent)) return;
      const entry = await statEntry(this.options.localRoot, parent);
      if (entry && !('rejected' in entry) && entry.type === 'dir') {
        localSubset.set(parent, entry);
        exact.add(parent);
      }
      slash = parent.lastIndexOf('/');
    }
  }

  private async sendBatch(
    remote: RemoteTree,
    entries: Entry[],
    remove: string[],
    startedAt: number,
    {
      initial = false,
      listedOnly = false,
      onSent,
    }: { initial?: boolean; listedOnly?: boolean; onSent?: ((tarBytes: number) => void) | undefined } = {},
  ): Promise<void> {
    const id = ++this.batchSeq;
    const bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
    this.inFlight = { files: entries.length + remove.length, bytes };
    try {
      const result = await remote.applyBatch(
        this.options.localRoot,
        { id, remove: listedOnly ? remove : collapseRemovals(remove), listedOnly, entries },
        { signal: this.abort.signal, onSent },
      );
      this.landed(id, entries, remove, result, startedAt, initial);
      if (!initial && entries.length <= RESTAT_LIMIT) await this.requeueChanged(entries);
    } catch (error) {
      if (error instanceof BatchRejectedError) {
        // What landed is unknown: forget it so the next change to these paths resends them.
        for (const entry of entries) this.known.delete(entry.path);
      }
      throw error;
    } finally {
      this.inFlight = { files: 0, bytes: 0 };
    }
  }

  /** Records a batch the container acknowledged, and queues again what changed while it was sent. */
  private landed(
    id: number,
    entries: Entry[],
    remove: string[],
    result: BatchWriteResult,
    startedAt: number,
    initial: boolean,
  ): void {
    for (const removed of remove) {
      for (const path of [...this.known.keys()]) if (isWithin(path, removed)) this.known.delete(path);
    }
    for (const entry of entries) this.known.set(entry.path, entry);
    this.twoWay?.pushed(entries, remove);
    const summary: SyncBatchSummary = {
      id,
      files: entries.length,
      removed: remove.length,
      bytes: result.tarBytes,
      latencyMs: Math.max(0, this.clock.now() - startedAt),
      at: new Date().toISOString(),
    };
    const totals = this.current.totals;
    this.current.totals = {
      batches: totals.batches + 1,
      files: totals.files + entries.length,
      removed: totals.removed + remove.length,
      bytes: totals.bytes + result.tarBytes,
    };
    this.current.lastBatch = summary;
    this.emit({ kind: 'batch', batch: summary, initial });
    for (const path of result.changedWhileSending) this.batcher.add(path);
  }

  // A file written again while its batch was in flight is sent again, even if its event was
  // folded into the batch that carried the older content.
  private async requeueChanged(entries: Entry[]): Promise<void> {
    for (const sent of entries) {
      if (sent.type !== 'file') continue;
      const now = await statEntry(this.options.localRoot, sent.path);
      if (!now || 'rejected' in now || now.size !== sent.size || now.mtimeMs !== sent.mtimeMs || now.mode !== sent.mode)
        this.batcher.add(sent.path);
    }
  }

  private async pull(twoWay: TwoWaySync, remote: RemoteTree): Promise<void> {
    let pulled: PullSummary | null;
    try {
      pulled = await twoWay.poll(remote, this.abort.signal);
    } catch (error) {
      // Only a lost channel is the loop's business: any other failure must not trigger a full
      // sync, which would overwrite container changes not pulled yet. The next scan tries again.
      if (error instanceof ChannelLostError || this.disposed) throw error;
      this.emit({
        kind: 'error',
        message: `bringing container changes back failed: ${(error as Error).message}`,
        recoverable: true,
      });
      return;
    }
    if (pulled === null) return;
    if (pulled.files + pulled.removed + pulled.conflicts.length + pulled.refused.length > 0)
      this.emit({ kind: 'pull', pull: pulled });
  }

  private async settlePoll(timeoutMs: number): Promise<void> {
    const polled = this.twoWay!.requestPoll();
    this.notify();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        polled,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`the container was not scanned within ${timeoutMs} ms (state ${this.current.state})`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private isIdle(): boolean {
    return (
      this.started &&
      !this.disposed &&
      !this.paused &&
      this.remote !== null &&
      !this.needFullSync &&
      this.batcher.size === 0 &&
      this.inFlight.files === 0 &&
      this.current.state === 'idle'
    );
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private setState(state: SyncState): void {
    if (this.current.state === state) return;
    this.current.state = state;
    this.emit({ kind: 'state', state });
  }

  private emit(event: SyncEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the sync.
      }
    }
  }

  private notify(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  // Unlike sleep(), file events do not cut this short: a flood of edits must not turn
  // reconnecting into a busy loop.
  private async backOff(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.disposed && Date.now() < until) await this.sleep(until - Date.now());
  }

  // Waits for notify() (new events, resume, lost channel, dispose) or, when given, a delay.
  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(() => this.notify(), ms);
      if (this.disposed) this.notify();
    });
  }
}

/** Maps tar bytes sent to the files (and their bytes) of `entries` wholly inside them. */
function tarProgress(entries: readonly Entry[]): (tarBytes: number) => { files: number; bytes: number } {
  const ends: number[] = [];
  let end = 0;
  for (const entry of entries) ends.push((end += tarEntrySize(entry)));
  let files = 0;
  let bytes = 0;
  return (tarBytes) => {
    while (files < entries.length && ends[files]! <= tarBytes) bytes += entries[files++]!.size;
    return { files, bytes };
  };
}

/** True at most once per `ms` of `clock` time, so progress goes out at that pace. */
function throttle(clock: Clock, ms: number): () => boolean {
  let last = clock.now();
  return () => {
    const now = clock.now();
    if (now - last < ms) return false;
    last = now;
    return true;
  };
}
