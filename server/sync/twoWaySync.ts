// The container → local half of two-way sync: a periodic scan of the container through the sync
// channel, then pulls, local deletes and conflict copies. The session owns it and runs its polls.

import { join } from 'node:path';
import type { Clock } from './batcher.js';
import {
  fetchFromContainer,
  localEntry,
  makeLocalDir,
  copyLocal,
  moveLocal,
  removeLocal,
  type FetchItem,
} from './containerPull.js';
import { hashFile, type Entry, type Manifest } from './manifest.js';
import { isWithin } from './pathSafety.js';
import type { RemoteTree } from './remoteTree.js';
import type { SyncTransport } from './transport.js';
import {
  conflictName,
  containerChanges,
  folderCandidates,
  foldersAbove,
  planPull,
  prunableFolders,
  sameLooking,
  sameObserved,
  unchangedSinceSync,
  withFolderConflicts,
  withPaths,
  type Conflict,
  type PullPlan,
} from './twoWayPlan.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
const LAST_CONFLICTS = 10;
const MAX_MISSES = 5;

export interface TwoWayHost {
  localRoot: string;
  workDir: string;
  transport: SyncTransport;
  isIgnored(path: string, isDir: boolean): boolean;
  /** The engine's record of the container tree; updated in place by pulls. */
  known(): Manifest;
  /**
   * Sends a local path to the container with the next live batch; `differs` when its content is
   * known to differ from the recorded container version even if size and mtime agree.
   */
  queuePush(path: string, differs?: boolean): void;
}

export interface PullSummary {
  files: number;
  removed: number;
  conflicts: Conflict[];
  refused: { path: string; reason: string }[];
}

// One scan's work in progress: the plan, local entries as they change, and what it achieved.
interface PullPass {
  plan: PullPlan;
  local: Map<string, Entry | null>;
  remoteOf: Map<string, Entry>;
  /** Paths whose local (losing) version was kept under its conflict name. */
  kept: Set<string>;
  /** The free conflict name of a local path. */
  copyOf(path: string): string;
  summary: PullSummary;
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
  private baseline = false;
  private readonly misses = new Map<string, number>();
  // Ignored container folders (node_modules can hold more files than the project): not scanned.
  private readonly ignoredFolders = new Set<string>(['.git', 'node_modules']);
  // Container paths in the way of a local batch: folders it would replace by a file though they
  // hold what it does not remove, files or links where it writes into a folder. The next scan
  // settles them as conflicts (a folder beats a file), even where an earlier scan saw them.
  private readonly inTheWay = new Set<string>();
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
    this.baseline = true;
  }

  /** Whether `known` and earlier scans describe the container the channel reaches now. */
  get hasBaseline(): boolean {
    return this.baseline;
  }

  forgetBaseline(): void {
    this.baseline = false;
  }

  /** The engine changed these container paths itself: the next scan compares them with `known`. */
  pushed(entries: readonly Entry[], removed: readonly string[]): void {
    for (const entry of entries) this.seen.delete(entry.path);
    if (removed.length === 0) return;
    for (const path of [...this.seen.keys()]) if (removed.some((gone) => isWithin(path, gone))) this.seen.delete(path);
  }

  /**
   * Whether the container still holds what the engine last synced at the paths a local batch
   * writes files or links to (`writes`) or removes (`removes`, listed one by one), so that the
   * batch may overwrite or remove them; false calls for a scan first: a container edit not seen
   * yet, a folder the batch would replace by a file that holds more than the batch removes, or a
   * file or link where the batch needs a folder.
   */
  async unchangedInContainer(
    remote: RemoteTree,
    batch: { writes: readonly string[]; removes: readonly string[] },
    signal?: AbortSignal,
  ): Promise<boolean> {
    const paths = [...batch.writes, ...batch.removes];
    if (paths.length === 0) return true;
    const removes = new Set(batch.removes);
    const folders = foldersAbove(batch.writes).filter((folder) => !removes.has(folder));
    const known = this.host.known();
    const stats = await remote.stat([...paths, ...folders], signal);
    for (const path of paths) {
      const entry = stats.get(path);
      if (entry === undefined) continue;
      const before = this.seen.get(path);
      const synced = known.get(path);
      if (
        before !== undefined ? !sameObserved(entry, before) : synced === undefined || !unchangedSinceSync(entry, synced)
      )
        return false;
    }
    const notFolders = folders.filter((folder) => stats.has(folder) && stats.get(folder)!.type !== 'dir');
    const replaced = batch.writes.filter((path) => stats.get(path)?.type === 'dir');
    const refilled = replaced.length === 0 ? [] : await this.refilledFolders(remote, replaced, removes, signal);
    for (const path of [...notFolders, ...refilled]) this.inTheWay.add(path);
    return notFolders.length === 0 && refilled.length === 0;
  }

  // Folders that stay after the batch's listed removals (the receiver removes a folder only when
  // empty), so that writing a file in their place would fail. Ignored entries count: they stay too.
  private async refilledFolders(
    remote: RemoteTree,
    folders: readonly string[],
    removes: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const { isIgnored } = this.host;
    const prune = prunableFolders(this.ignoredFolders, isIgnored).filter(
      (ignored) => !folders.some((folder) => isWithin(ignored, folder)),
    );
    const scanned = await remote.scan(prune, signal);
    return folders.filter((folder) =>
      [...scanned.keys()].some((path) => path !== folder && isWithin(path, folder) && !removes.has(path)),
    );
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
    // Rules may have changed since the last scan: a folder no longer ignored is scanned again.
    const scanned = await remote.scan(prunableFolders(this.ignoredFolders, isIgnored), signal);
    for (const [path, entry] of scanned)
      if (entry.type === 'dir' && isIgnored(path, true)) this.ignoredFolders.add(path);
    let changes = containerChanges(scanned, known, this.seen, isIgnored);
    for (const entry of changes.settled) this.seen.set(entry.path, entry);
    const inTheWay = [...this.inTheWay];
    this.inTheWay.clear();
    if (changes.changed.length === 0 && changes.removed.length === 0 && inTheWay.length === 0) return null;
    changes = withPaths(changes, scanned, inTheWay);

    const local = new Map<string, Entry | null>();
    const copies = new Map<string, string>();
    const lookUp = async (path: string): Promise<Entry | null> => {
      const entry = await localEntry(root, path);
      local.set(path, entry);
      if (entry !== null) copies.set(path, await this.freeConflictName(path));
      return entry;
    };
    for (const path of [...changes.changed.map((entry) => entry.path), ...changes.removed]) await lookUp(path);
    // A folder the container wrote into where the local side now has a file or link: the folder
    // wins, though the folder itself looks unchanged and the files in it have nowhere to go.
    const folders: string[] = [];
    for (const folder of folderCandidates(changes.changed, local, scanned, inTheWay)) {
      if (folders.some((outer) => isWithin(folder, outer))) continue;
      const mine = local.has(folder) ? local.get(folder)! : await lookUp(folder);
      if (mine !== null && mine.type !== 'dir') folders.push(folder);
    }
    changes = withFolderConflicts(changes, scanned, known, folders, isIgnored);
    for (const entry of changes.changed) if (!local.has(entry.path)) await lookUp(entry.path);
    const differing = await this.differingContent(remote, sameLooking(changes.changed, local), signal);
    const copyOf = (path: string): string => copies.get(path) ?? conflictName(path);
    const plan = planPull(changes, local, known, copyOf, differing);
    const pass: PullPass = {
      plan,
      local,
      remoteOf: new Map(changes.changed.map((entry) => [entry.path, entry])),
      kept: new Set(),
      copyOf,
      summary: { files: 0, removed: 0, conflicts: [], refused: [] },
    };
    await this.keepLocalVersions(pass);
    await this.removeLocals(pass);
    await this.makeDirs(pass);
    await this.fetchAll(pass, signal);
    for (const path of plan.push) {
      const theirs = pass.remoteOf.get(path);
      if (theirs === undefined) this.forget(path);
      else this.record(path, theirs, theirs);
      // A local winner may have the container version's size and mtime (two writes in one clock
      // tick): only its content says it differs from what is recorded as synced. A folder differs
      // by its type already, and the batch must still see the recorded file to remove it.
      this.host.queuePush(path, theirs !== undefined && local.get(path)?.type !== 'dir');
    }
    for (const same of plan.same) {
      const mine = local.get(same.path);
      if (mine) known.set(same.path, mine);
      this.seen.set(same.path, same);
    }
    // Gone on both sides (a local batch the container rejected may have removed it): not synced any more.
    for (const path of changes.removed) if (local.get(path) === null) this.forget(path);
    this.totals.pulledFiles += pass.summary.files;
    this.totals.removedLocally += pass.summary.removed;
    for (const conflict of pass.summary.conflicts) {
      this.totals.conflicts++;
      this.totals.lastConflicts = [...this.totals.lastConflicts, conflict.path].slice(-LAST_CONFLICTS);
    }
    return pass.summary;
  }

  // A local loser stays readable at its path until the container version replaces it: files and
  // links are copied to their conflict name; only a file in the way of a container folder moves.
  private async keepLocalVersions(pass: PullPass): Promise<void> {
    for (const keep of pass.plan.keepLocal) {
      const mine = pass.local.get(keep.path)!;
      const folderWins = pass.remoteOf.get(keep.path)?.type === 'dir';
      const kept = folderWins
        ? await moveLocal(this.host.localRoot, keep.path, keep.to, mine)
        : await copyLocal(this.host.localRoot, keep.path, keep.to, mine);
      if (!kept) continue;
      pass.kept.add(keep.path);
      if (folderWins) pass.local.set(keep.path, null);
      this.host.queuePush(keep.to);
    }
  }

  private async removeLocals(pass: PullPass): Promise<void> {
    for (const entry of pass.plan.remove) {
      if (await removeLocal(this.host.localRoot, entry)) {
        pass.local.set(entry.path, null);
        pass.summary.removed++;
        this.forget(entry.path);
      } else if (!pass.remoteOf.has(entry.path)) {
        // Still here (a folder with new local files, or edited meanwhile): the container gets it back.
        this.forget(entry.path);
        this.host.queuePush(entry.path);
      } else if (entry.type === 'dir') {
        this.keepLocalFolder(pass, entry.path);
      }
    }
  }

  // The container replaced a folder by a file or link, but the local folder still holds what the
  // container did not delete (new, edited or ignored files): a folder beats a file, so the
  // container's version is fetched under the conflict name and the folder goes back.
  private keepLocalFolder(pass: PullPass, path: string): void {
    const copy = pass.copyOf(path);
    for (const item of pass.plan.fetch) if (item.to === path) item.to = copy;
    pass.plan.conflicts.push({ path, winner: 'local', rule: 'folder', copy });
    // Recorded as the container's version: the next batch replaces it by the folder.
    const theirs = pass.remoteOf.get(path)!;
    this.record(path, theirs, theirs);
    this.host.queuePush(path);
  }

  private async makeDirs(pass: PullPass): Promise<void> {
    for (const dir of pass.plan.mkdirs) {
      const made = await makeLocalDir(this.host.localRoot, dir);
      if (made !== null) this.record(dir.path, made, pass.remoteOf.get(dir.path) ?? dir);
      const conflict = pass.plan.conflicts.find((one) => one.path === dir.path);
      if (conflict === undefined || !pass.kept.has(dir.path)) continue;
      if (made !== null) pass.summary.conflicts.push(conflict);
      else {
        // The container folder could not be made: the local file goes back where it was.
        const copy = await localEntry(this.host.localRoot, conflict.copy);
        if (copy !== null) await moveLocal(this.host.localRoot, conflict.copy, dir.path, copy).catch(() => false);
      }
    }
  }

  private async fetchAll(pass: PullPass, signal?: AbortSignal): Promise<void> {
    const root = this.host.localRoot;
    const conflictAt = new Map(pass.plan.conflicts.map((conflict) => [conflict.path, conflict]));
    // A local loser that could not be kept (edited again) keeps its place until the next scan.
    const items: FetchItem[] = pass.plan.fetch
      .filter(({ to }) => conflictAt.get(to)?.winner !== 'container' || pass.kept.has(to))
      .map(({ entry, to }) => ({ entry, to, expect: to === entry.path ? (pass.local.get(to) ?? null) : null }));
    if (items.length === 0) return;
    const fetched = await fetchFromContainer(this.host.transport, this.host.workDir, root, items, signal);
    for (const [to, entry] of fetched.written) {
      pass.summary.files++;
      const source = items.find((item) => item.to === to)!.entry;
      if (to === source.path) this.record(to, entry, source);
      else this.host.queuePush(to);
      const conflict = conflictAt.get(source.path);
      if (conflict !== undefined) pass.summary.conflicts.push(conflict);
    }
    for (const item of fetched.written.keys()) this.misses.delete(item);
    for (const missed of fetched.missed) {
      // Tried at every scan while it keeps failing, up to a limit: then it waits for its next change.
      const count = (this.misses.get(missed.to) ?? 0) + 1;
      this.misses.set(missed.to, count);
      if (count < MAX_MISSES) continue;
      this.misses.delete(missed.to);
      fetched.refused.push({ ...missed, reason: `${missed.entry.path}: could not be fetched ${count} times in a row` });
    }
    for (const refused of fetched.refused) {
      // Not fetched again until it changes in the container.
      this.seen.set(refused.entry.path, refused.entry);
      pass.summary.refused.push({ path: refused.entry.path, reason: refused.reason });
    }
    for (const to of new Set([...fetched.missed, ...fetched.refused].map((item) => item.to))) {
      // The container version did not arrive: the copy of the local version is not needed.
      const conflict = conflictAt.get(to);
      if (conflict?.winner !== 'container' || !pass.kept.has(to)) continue;
      const copy = await localEntry(root, conflict.copy);
      if (copy !== null) await removeLocal(root, copy);
    }
  }

  // Two writes of one size within one second look the same by size and mtime: only their content
  // tells them apart. Without a hash tool in the container, they pass for the same.
  private async differingContent(
    remote: RemoteTree,
    paths: readonly string[],
    signal?: AbortSignal,
  ): Promise<Set<string>> {
    const algorithm = remote.hashAlgorithm;
    if (paths.length === 0 || algorithm === 'none') return new Set();
    const theirs = await remote.hash(paths, signal);
    const differing = new Set<string>();
    for (const path of paths) {
      const mine = await hashFile(join(this.host.localRoot, path), algorithm, signal).catch(() => null);
      if (mine === null || mine !== theirs.get(path)) differing.add(path);
    }
    return differing;
  }

  private record(path: string, mine: Entry, theirs: Entry): void {
    this.host.known().set(path, mine);
    this.seen.set(path, theirs);
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
