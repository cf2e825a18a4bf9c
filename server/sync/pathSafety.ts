// Path rules shared by both ends of file sync: what a synced relative path may look like and
// which symlink targets stay inside the synced root. Pure; never touches the file system.

import { posix } from 'node:path';

/** Why a path or link was refused; reported to the user, never synced. */
export type PathRejection =
  'empty' | 'absolute' | 'parent' | 'nul' | 'control' | 'backslash' | 'link-escape' | 'link-absolute';

export type SafePathResult = { ok: true; path: string } | { ok: false; reason: PathRejection };

/**
 * Normalises a relative POSIX path (collapses `.` and duplicate slashes) and refuses anything
 * that could leave the root or be misread by the receiver's line protocol.
 */
export function checkRelativePath(input: string): SafePathResult {
  if (input.length === 0) return { ok: false, reason: 'empty' };
  if (input.includes('\0')) return { ok: false, reason: 'nul' };
  // Newlines would split a removal line in the receiver protocol.
  if (/[\n\r]/.test(input)) return { ok: false, reason: 'control' };
  // A backslash is a separator on Windows clients; "a\..\b" must not become a traversal there.
  if (input.includes('\\')) return { ok: false, reason: 'backslash' };
  if (input.startsWith('/') || /^[A-Za-z]:/.test(input)) return { ok: false, reason: 'absolute' };
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { ok: false, reason: 'parent' };
    parts.push(part);
  }
  if (parts.length === 0) return { ok: false, reason: 'empty' };
  return { ok: true, path: parts.join('/') };
}

/** The normalised path, or null when it is unsafe. */
export function safeRelativePath(input: string): string | null {
  const checked = checkRelativePath(input);
  return checked.ok ? checked.path : null;
}

/**
 * Whether a symlink at `linkPath` (relative to the root) pointing at `target` resolves inside
 * the root. Absolute targets are refused: they mean something else in the container.
 */
export function checkLinkTarget(linkPath: string, target: string): { ok: true } | { ok: false; reason: PathRejection } {
  if (target.length === 0) return { ok: false, reason: 'empty' };
  if (target.includes('\0')) return { ok: false, reason: 'nul' };
  if (/[\n\r]/.test(target)) return { ok: false, reason: 'control' };
  if (target.includes('\\')) return { ok: false, reason: 'backslash' };
  if (target.startsWith('/')) return { ok: false, reason: 'link-absolute' };
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (resolved === '..' || resolved.startsWith('../')) return { ok: false, reason: 'link-escape' };
  return { ok: true };
}

/** True when `path` equals `dir` or lies below it (both normalised relative paths). */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + '/');
}
