// Compares the local and container trees after hashing both: every path that differs, and why.
// Pure; the session gathers the manifests and hashes.

import type { Manifest } from './manifest.js';

/** The protocol's words: a type change or another link target counts as different content. */
export type DifferenceKind = 'missing-remote' | 'missing-local' | 'content' | 'mode';

export interface TreeDifference {
  path: string;
  kind: DifferenceKind;
}

export interface TreeSide {
  manifest: Manifest;
  /** File hashes, same algorithm on both sides. */
  hashes: ReadonlyMap<string, string>;
}

export function compareTrees(
  local: TreeSide,
  remote: TreeSide,
  options: { compareContent: boolean },
): TreeDifference[] {
  const differences: TreeDifference[] = [];
  for (const [path, mine] of local.manifest) {
    const theirs = remote.manifest.get(path);
    if (!theirs) differences.push({ path, kind: 'missing-remote' });
    else if (theirs.type !== mine.type) differences.push({ path, kind: 'content' });
    else if (mine.type === 'symlink') {
      if (mine.linkTarget !== theirs.linkTarget) differences.push({ path, kind: 'content' });
    } else if (mine.mode !== theirs.mode) differences.push({ path, kind: 'mode' });
    else if (mine.type === 'file') {
      if (mine.size !== theirs.size) differences.push({ path, kind: 'content' });
      else if (options.compareContent && local.hashes.get(path) !== remote.hashes.get(path))
        differences.push({ path, kind: 'content' });
    }
  }
  for (const path of remote.manifest.keys()) {
    if (!local.manifest.has(path)) differences.push({ path, kind: 'missing-local' });
  }
  return differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
