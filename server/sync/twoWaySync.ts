// The container → local half of two-way sync: a periodic scan of the container through the sync
// channel, then pulls, local deletes and conflict copies. The session owns it and runs its polls.

import type { Clock } from './batcher.js';
import {
  fetchFromContainer,
  localEntry,
  makeLocalDir,
  moveLocal,
  removeLocal,
  type FetchItem,
} from './containerPull.js';
import type { Entry, Manifest } from './manifest.js';
import { isWithin } from './pathSafety.js';
import type { RemoteTree } from './remoteTree.js';
import type { SyncTransport } from './transport.js';
import { conflictName, containerChanges, planPull, type Conflict } from './twoWayPlan.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
const LAST_CONFLICTS = 10;

export interface TwoWayHost {
  localRoot: string;
  workDir: string;
  transport: SyncTransport;
  isIgnored(path: string, isDir: boolean): boolean;
  /** The engine's record of the container tree; updated in place by pulls. */
  known(): Manifest;
  /** Sends a local path to the container with the next live batch. */
  queuePush(path: string): void;
}

export interface PullSummary {
  files: number;
  removed: number;
  conflicts: Conflict[];
  refused: { path: string; reason: string }[];
}

export interface TwoWayStatus {
  /** Files and links written locally from the container, and local paths deleted because the container deleted them. */
  pulledFiles: number;
  removedLocally: number;
  conflicts: number;
  /** The most recent conflict paths, newest last. */
  lastConflicts: string[];
}

export class TwoWaySync {
  // Container entries as the last scan listed them: an exact baseline for the next one.
  private readonly seen = new Map<string, Entry>();
  private lastPollAt = Number.NEGATIVE_INFINITY;
  private pollWaiters: (() => void)[] = [];
  private forced = false;
  private readonly totals: TwoWayStatus = { pulledFiles: 0, removedLocally: 0, conflicts: 0, lastConflicts: [] };

  constructor(
    private readonly host: TwoWayHost,
    private readonly clock: Clock,
    readonly intervalMs = DEFAULT_POLL_INTERVAL_MS,
  ) {}

  status(): TwoWayStatus {
    return { ...this.totals, lastConflicts: [...this.totals.lastConflicts] };
  }

  isDue(): boolean {
    return this.forced || this.clock.now() - this.lastPollAt >= this.intervalMs;
  }

  msUntilDue(): number {
    return this.forced ? 0 : Math.max(0, this.lastPollAt + this.intervalMs - this.clock.now());
  }

  /** Resolves after a scan that starts after this call; the caller must wake the session. */
  requestPoll(): Promise<void> {
    this.forced = true;
    return new Promise((resolve) => this.pollWaiters.push(resolve));
  }

  /** After a full sync the container matches the local folder: forget earlier scans. */
  reset(): void {
    this.seen.clear();
  }

  /** The engine changed these container paths itself: the next scan compares them with `known`. */
  pushed(entries: readonly Entry[], removed: readonly string[]): void {
    for (const entry of entries) this.seen.delete(entry.path);
    if (removed.length === 0) return;
    for (const path of [...this.seen.keys()]) if (removed.some((gone) => isWithin(path, gone))) this.seen.delete(path);
  }

  /** One scan of the container and the local changes it calls for; null when nothing changed there. */
  async poll(remote: RemoteTree, signal?: AbortSignal): Promise<PullSummary | null> {
    const waiters = this.pollWaiters.splice(0);
    this.forced = false;
    this.lastPollAt = this.clock.now();
    try {
      return await this.scanAndPull(remote, signal);
    } finally {
      this.lastPollAt = this.clock.now();
      for (const waiter of waiters) waiter();
    }
  }

  private async scanAndPull(remote: RemoteTree, signal?: AbortSignal): Promise<PullSummary | null> {
    const { localRoot: root, isIgnored } = this.host;
    const known = this.host.known();
    const changes = containerChanges(await remote.manifest(signal), known, this.seen, isIgnored);
    for (const entry of changes.settled) this.seen.set(entry.path, entry);
    if (changes.changed.length === 0 && changes.removed.length === 0) return null;

    const local = new Map<string, Entry | null>();
    const copies = new Map<string, string>();
    for (const path of [...changes.changed.map((entry) => entry.path), ...changes.removed]) {
      const entry = await localEntry(root, path);
      local.set(path, entry);
      if (entry !== null) copies.set(path, await this.freeConflictName(path));
    }
    const plan = planPull(changes, local, known, (path) => copies.get(path) ?? conflictName(path));
    const remoteOf = new Map(changes.changed.map((entry) => [entry.path, entry]));
    const summary: PullSummary = { files: 0, removed: 0, conflicts: [], refused: [] };
    const movedAside = new Map<string, string>();

    for (const move of plan.moveAside) {
      if (await moveLocal(root, move.path, move.to, local.get(move.path)!)) {
        movedAside.set(move.path, move.to);
        local.set(move.path, null);
        this.host.queuePush(move.to);
      }
    }
    for (const entry of plan.remove) {
      if (await removeLocal(root, entry)) {
        local.set(entry.path, null);
        summary.removed++;
        this.forget(entry.path);
      } else if (!remoteOf.has(entry.path)) {
        // Still here (a folder with new local files, or edited meanwhile): the container gets it back.
        known.delete(entry.path);
        this.seen.delete(entry.path);
        this.host.queuePush(entry.path);
      }
    }
    for (const dir of plan.mkdirs) {
      const made = await makeLocalDir(root, dir);
      if (made === null) continue;
      known.set(dir.path, made);
      this.seen.set(dir.path, remoteOf.get(dir.path) ?? dir);
    }
    const stuck = new Set(plan.moveAside.map((move) => move.path).filter((path) => !movedAside.has(path)));
    // A local loser that could not be moved aside (edited again) keeps its place until the next scan.
    const items: FetchItem[] = plan.fetch
      .filter(({ to }) => !stuck.has(to))
      .map(({ entry, to }) => ({
        entry,
        to,
        expect: to === entry.path ? (local.get(to) ?? null) : null,
      }));
    const fetched =
      items.length > 0 ? await fetchFromContainer(this.host.transport, this.host.workDir, root, items, signal) : null;
    for (const [to, entry] of fetched?.written ?? []) {
      summary.files++;
      const source = items.find((item) => item.to === to)!.entry;
      if (to === source.path) {
        known.set(to, entry);
        this.seen.set(to, source);
      } else {
        this.host.queuePush(to);
      }
    }
    for (const refused of fetched?.refused ?? []) {
      // Not fetched again until it changes in the container.
      this.seen.set(refused.entry.path, refused.entry);
      summary.refused.push({ path: refused.entry.path, reason: refused.reason });
    }
    for (const missed of [...(fetched?.missed ?? []), ...(fetched?.refused ?? [])]) {
      // A container-newer version that did not arrive: the local one goes back where it was.
      const aside = movedAside.get(missed.to);
      if (aside !== undefined)
        await moveLocal(root, aside, missed.to, (await localEntry(root, aside))!).catch(() => false);
    }
    for (const path of plan.push) {
      const theirs = remoteOf.get(path);
      if (theirs === undefined) {
        known.delete(path);
        this.seen.delete(path);
      } else {
        known.set(path, theirs);
        this.seen.set(path, theirs);
      }
      this.host.queuePush(path);
    }
    for (const same of plan.same) {
      const mine = local.get(same.path);
      if (mine) known.set(same.path, mine);
      this.seen.set(same.path, same);
    }
    for (const conflict of plan.conflicts) {
      const landed =
        conflict.winner === 'container' ? movedAside.has(conflict.path) : fetched?.written.has(conflict.copy);
      if (!landed) continue;
      summary.conflicts.push(conflict);
      this.totals.conflicts++;
      this.totals.lastConflicts = [...this.totals.lastConflicts, conflict.path].slice(-LAST_CONFLICTS);
    }
    this.totals.pulledFiles += summary.files;
    this.totals.removedLocally += summary.removed;
    return summary;
  }

  private forget(path: string): void {
    this.host.known().delete(path);
    this.seen.delete(path);
  }

  private async freeConflictName(path: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const name = conflictName(path, attempt);
      if ((await localEntry(this.host.localRoot, name)) === null) return name;
    }
  }
}
