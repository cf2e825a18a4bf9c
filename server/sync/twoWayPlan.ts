// Two-way sync's decisions, pure: which container entries changed since the engine last looked
// (its own pushes are echoes, not changes), and what each change means for the local folder.

import { sameSeconds, type Entry, type Manifest } from './manifest.js';
import { isWithin } from './pathSafety.js';

/** Same entry as the engine recorded it: whole-second mtimes, since a pushed file's remote mtime is truncated by tar. */
export function sameSynced(a: Entry, b: Entry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'dir') return true;
  if (a.type === 'symlink') return a.linkTarget === b.linkTarget;
  return a.size === b.size && a.mode === b.mode && sameSeconds(a.mtimeMs, b.mtimeMs);
}

/**
 * A container entry still as the engine synced it: a pushed file's mtime arrives as tar's whole
 * seconds, one recorded from a scan is exact. Stricter than sameSynced, so that a container write
 * within the second of a push is still seen where the container reports sub-second mtimes.
 */
export function unchangedSinceSync(remote: Entry, synced: Entry): boolean {
  if (remote.type !== 'file' || synced.type !== 'file') return sameSynced(remote, synced);
  const pushedMtime = Math.floor(synced.mtimeMs / 1000) * 1000;
  return (
    remote.size === synced.size &&
    remote.mode === synced.mode &&
    (remote.mtimeMs === synced.mtimeMs || remote.mtimeMs === pushedMtime)
  );
}

/** Same entry as seen by an earlier container scan: exact mtimes, both values come from the same tool. */
export function sameObserved(a: Entry, b: Entry): boolean {
  if (a.type !== 'file' || b.type !== 'file') return sameSynced(a, b);
  return a.size === b.size && a.mode === b.mode && a.mtimeMs === b.mtimeMs;
}

// Characters find's -path would read as a pattern.
const GLOB = /[*?[\]\\]/;

/**
 * Folders a container scan may skip: ignored ones (everything below an ignored folder is ignored
 * too), outermost only, leaving out names find could misread as a pattern.
 */
export function prunableFolders(
  candidates: Iterable<string>,
  isIgnored: (path: string, isDir: boolean) => boolean,
): string[] {
  const prunable: string[] = [];
  for (const path of [...new Set(candidates)].sort()) {
    if (GLOB.test(path) || !isIgnored(path, true)) continue;
    if (!prunable.some((outer) => isWithin(path, outer))) prunable.push(path);
  }
  return prunable;
}

export interface ContainerChanges {
  /** Entries created or changed in the container. */
  changed: Entry[];
  /** Paths the engine knew in the container that are gone, deepest first. */
  removed: string[];
  /** Entries unchanged since the last sync, to remember as seen. */
  settled: Entry[];
}

/**
 * Compares a container scan with what the engine knows: `seen` holds entries of earlier scans,
 * `known` what the engine synced (its pushes included). An entry equal to either is no change,
 * so files the engine just pushed are never pulled back.
 */
export function containerChanges(
  remote: Manifest,
  known: Manifest,
  seen: ReadonlyMap<string, Entry>,
  isIgnored: (path: string, isDir: boolean) => boolean,
): ContainerChanges {
  const changed: Entry[] = [];
  const settled: Entry[] = [];
  for (const [path, entry] of remote) {
    if (isIgnored(path, entry.type === 'dir')) continue;
    const before = seen.get(path);
    if (before !== undefined && sameObserved(entry, before)) continue;
    const synced = known.get(path);
    if (before === undefined && synced !== undefined && unchangedSinceSync(entry, synced)) settled.push(entry);
    else changed.push(entry);
  }
  const removed: string[] = [];
  for (const path of new Set([...known.keys(), ...seen.keys()])) {
    const entry = known.get(path) ?? seen.get(path)!;
    if (!remote.has(path) && !isIgnored(path, entry.type === 'dir')) removed.push(path);
  }
  return { changed, removed: deepestFirst(removed), settled };
}

function deepestFirst(paths: string[]): string[] {
  return paths.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

export interface Conflict {
  path: string;
  /** Which version stays at `path`; the other one is kept at `copy`. */
  winner: 'local' | 'container';
  /** Why: the newer write (the local one on equal mtimes), or a folder beats a file. */
  rule: 'newer' | 'folder';
  copy: string;
}

/** The engine log's words for a conflict. */
export function describeConflict(conflict: Conflict): string {
  const kept = `the other is kept as ${conflict.copy}`;
  if (conflict.rule === 'folder')
    return `sync conflict: ${conflict.path} changed on both sides; the ${conflict.winner} folder stays (a folder beats a file), ${kept}`;
  return `sync conflict: ${conflict.path} changed on both sides; the ${conflict.winner} version (newer) stays, ${kept}`;
}

export interface PullPlan {
  /** Local losers of a conflict, kept under their `.conflict` name before anything is fetched. */
  keepLocal: { path: string; to: string }[];
  /** Local paths deleted in the container and unchanged here, deepest first (directories only when empty). */
  remove: Entry[];
  /** Container directories to create locally, parents first. */
  mkdirs: Entry[];
  /** Container files and links to fetch, each with its local destination. */
  fetch: { entry: Entry; to: string }[];
  /** Local paths the container must get (again): local winners and local edits of paths deleted there. */
  push: string[];
  /** Paths now equal on both sides without any action. */
  same: Entry[];
  conflicts: Conflict[];
}

/**
 * What container changes mean locally. `local` holds the local entry of every changed or removed
 * path (null when absent); `known` is the last synced state. The conflict rule: when both sides
 * changed a path, the newer mtime wins,
 * and the other version is kept as `conflictCopy(path)`; on equal mtimes the local version wins.
 * An edit beats a deletion on either side; a directory beats a file, as it may hold more.
 * Files whose size, mode and mtime second agree count as the same unless `differing` (paths whose
 * content hashes the caller found different) names them.
 */
export function planPull(
  changes: Pick<ContainerChanges, 'changed' | 'removed'>,
  local: ReadonlyMap<string, Entry | null>,
  known: Manifest,
  conflictCopy: (path: string) => string = conflictName,
  differing: ReadonlySet<string> = new Set(),
): PullPlan {
  const plan: PullPlan = { keepLocal: [], remove: [], mkdirs: [], fetch: [], push: [], same: [], conflicts: [] };
  const bring = (entry: Entry, to: string): void => {
    if (entry.type === 'dir') plan.mkdirs.push({ ...entry, path: to });
    else plan.fetch.push({ entry, to });
  };
  for (const remote of changes.changed) {
    const path = remote.path;
    const mine = local.get(path) ?? null;
    const synced = known.get(path);
    if (mine !== null && sameSynced(mine, remote) && !differing.has(path)) {
      plan.same.push(remote);
      continue;
    }
    if (!changedLocally(mine, synced) || mine === null) {
      // A folder cannot be renamed over, nor a file turned into a folder: clear the old local entry first.
      if (mine !== null && mine.type !== remote.type && (mine.type === 'dir' || remote.type === 'dir'))
        plan.remove.push(mine);
      bring(remote, path);
      continue;
    }
    const folderWins = remote.type === 'dir' || mine.type === 'dir';
    const containerWins = remote.type === 'dir' || (mine.type !== 'dir' && remote.mtimeMs > mine.mtimeMs);
    const copy = conflictCopy(path);
    if (containerWins) {
      plan.keepLocal.push({ path, to: copy });
      bring(remote, path);
    } else {
      bring(remote, copy);
      plan.push.push(path);
    }
    plan.conflicts.push({
      path,
      winner: containerWins ? 'container' : 'local',
      rule: folderWins ? 'folder' : 'newer',
      copy,
    });
  }
  for (const path of changes.removed) {
    const mine = local.get(path) ?? null;
    if (mine === null) continue;
    if (changedLocally(mine, known.get(path))) plan.push.push(path);
    else plan.remove.push(mine);
  }
  plan.mkdirs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  plan.remove.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
  return plan;
}

/** Every folder above the given paths, once each, parents first. */
export function foldersAbove(paths: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const path of paths)
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1))
      folders.add(path.slice(0, slash));
  return [...folders].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The changes with the scanned entries at `paths` counted as changed, whatever earlier scans saw. */
export function withPaths(changes: ContainerChanges, scanned: Manifest, paths: readonly string[]): ContainerChanges {
  const listed = new Set(changes.changed.map((entry) => entry.path));
  const added = paths.filter((path) => scanned.has(path) && !listed.has(path)).map((path) => scanned.get(path)!);
  return added.length === 0 ? changes : { ...changes, changed: [...changes.changed, ...added] };
}

/**
 * Container folders that may stand where the local side now has a file or link: the folders above
 * changed container entries that have no local counterpart (their local parent is not a folder),
 * plus `refilled` ones, outermost first. The caller keeps those that are files or links locally.
 */
export function folderCandidates(
  changed: readonly Entry[],
  local: ReadonlyMap<string, Entry | null>,
  scanned: Manifest,
  refilled: Iterable<string>,
): string[] {
  const candidates = new Set<string>();
  for (const path of refilled) if (scanned.get(path)?.type === 'dir') candidates.add(path);
  const placeless = changed.filter((entry) => local.get(entry.path) === null).map((entry) => entry.path);
  for (const folder of foldersAbove(placeless)) if (scanned.get(folder)?.type === 'dir') candidates.add(folder);
  return [...candidates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The changes with container folders that beat a local file or link: each folder itself (the
 * conflict), and every entry below it not as synced (what the container wrote there, even if an
 * earlier scan saw it), so that it all comes back; entries the container left as synced stay
 * deleted, as the local side deleted them.
 */
export function withFolderConflicts(
  changes: ContainerChanges,
  scanned: Manifest,
  known: Manifest,
  folders: readonly string[],
  isIgnored: (path: string, isDir: boolean) => boolean,
): ContainerChanges {
  if (folders.length === 0) return changes;
  const changed = [...changes.changed];
  const listed = new Set(changed.map((entry) => entry.path));
  for (const [path, entry] of scanned) {
    if (listed.has(path) || isIgnored(path, entry.type === 'dir')) continue;
    if (!folders.some((folder) => isWithin(path, folder))) continue;
    const synced = known.get(path);
    if (!folders.includes(path) && synced !== undefined && unchangedSinceSync(entry, synced)) continue;
    changed.push(entry);
  }
  return { ...changes, changed };
}

/** Changed files that look the same on both sides by their metadata alone: compare their content. */
export function sameLooking(changed: readonly Entry[], local: ReadonlyMap<string, Entry | null>): string[] {
  return changed
    .filter((remote) => {
      const mine = local.get(remote.path) ?? null;
      return remote.type === 'file' && mine !== null && sameSynced(mine, remote);
    })
    .map((remote) => remote.path);
}

function changedLocally(mine: Entry | null, synced: Entry | undefined): boolean {
  if (mine === null) return synced !== undefined;
  return synced === undefined || !sameSynced(mine, synced);
}

/** The name a conflict's losing version is kept under: `NAME.conflict`, then `NAME.conflict.2`, `.3`... */
export function conflictName(path: string, attempt = 1): string {
  return attempt <= 1 ? `${path}.conflict` : `${path}.conflict.${attempt}`;
}
