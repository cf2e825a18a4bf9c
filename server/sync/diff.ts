// Plans what to send and remove so the container tree matches the local one. Pure: works on
// two manifests (and hashes when they are known), performs no I/O.

import { sameSeconds, type Entry, type Manifest } from './manifest.js';
import { isWithin } from './pathSafety.js';

export interface SyncPlan {
  /** Entries to write, parents before children. */
  send: Entry[];
  /** Remote paths to delete recursively, no path below another one in the list. */
  remove: string[];
  /** Files whose size and mode agree but whose mtime does not: compare hashes before sending. */
  hashNeeded: string[];
}

export interface KnownHashes {
  local: ReadonlyMap<string, string>;
  remote: ReadonlyMap<string, string>;
}

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The minimal removal list: drops paths below another removed path. */
export function collapseRemovals(paths: Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort(byPath);
  const result: string[] = [];
  for (const path of sorted) {
    const last = result[result.length - 1];
    if (last !== undefined && isWithin(path, last)) continue;
    result.push(path);
  }
  return result;
}

export interface DiffOptions {
  /**
   * Compare mtimes exactly, for a remote side whose entries were recorded from local ones (live
   * sync). Otherwise whole seconds are compared, as tar keeps no more.
   */
  exactMtime?: boolean;
}

export function diffManifests(
  local: Manifest,
  remote: Manifest,
  hashes?: KnownHashes,
  options: DiffOptions = {},
): SyncPlan {
  const send: Entry[] = [];
  const removals: string[] = [];
  const hashNeeded: string[] = [];

  for (const path of [...local.keys()].sort(byPath)) {
    const mine = local.get(path)!;
    const theirs = remote.get(path);
    if (!theirs) {
      send.push(mine);
      continue;
    }
    if (theirs.type !== mine.type) {
      // tar will not replace a directory by a file or follow a stale link safely: clear it first.
      removals.push(path);
      send.push(mine);
      continue;
    }
    switch (mine.type) {
      case 'dir':
        if (mine.mode !== theirs.mode) send.push(mine);
        break;
      case 'symlink':
        if (mine.linkTarget !== theirs.linkTarget) {
          removals.push(path);
          send.push(mine);
        }
        break;
      case 'file': {
        if (mine.size !== theirs.size || mine.mode !== theirs.mode) {
          send.push(mine);
        } else if (options.exactMtime ? mine.mtimeMs !== theirs.mtimeMs : !sameSeconds(mine.mtimeMs, theirs.mtimeMs)) {
          const localHash = hashes?.local.get(path);
          const remoteHash = hashes?.remote.get(path);
          if (localHash === undefined || remoteHash === undefined) hashNeeded.push(path);
          else if (localHash !== remoteHash) send.push(mine);
        }
        break;
      }
    }
  }

  for (const path of remote.keys()) {
    if (!local.has(path)) removals.push(path);
  }

  return { send, remove: collapseRemovals(removals), hashNeeded };
}

/** Restricts a manifest to the given paths and everything below them. */
export function manifestSubset(manifest: Manifest, roots: readonly string[]): Manifest {
  const subset: Manifest = new Map();
  if (roots.length === 0) return subset;
  for (const [path, entry] of manifest) {
    if (roots.some((root) => isWithin(path, root))) subset.set(path, entry);
  }
  return subset;
}
