// The local side's view of a synced tree: one entry per file, directory and symlink, with the
// metadata the diff needs. Hashes are computed only when asked for.

import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { checkLinkTarget, checkRelativePath, type PathRejection } from './pathSafety.js';

export type EntryType = 'file' | 'dir' | 'symlink';

export interface Entry {
  /** Normalised POSIX path relative to the synced root. */
  path: string;
  type: EntryType;
  /** Bytes; 0 for directories and symlinks. */
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  mtimeMs: number;
  /** Present for symlinks only. */
  linkTarget?: string;
}

/** Ordered by path, so that parents come before their children. */
export type Manifest = Map<string, Entry>;

export interface RejectedPath {
  path: string;
  reason: PathRejection;
}

export interface ScanResult {
  entries: Manifest;
  /** Paths that exist locally but are never synced because they are unsafe. */
  rejected: RejectedPath[];
}

export interface ScanOptions {
  isIgnored: (relPath: string, isDir: boolean) => boolean;
  /** Scan only this subtree (relative path), including the directory itself. */
  under?: string;
  signal?: AbortSignal;
  /** Told of each entry as soon as it is read, before the scan ends. */
  onEntry?: (entry: Entry) => void;
}

export function entryFromStats(path: string, stats: Stats, linkTarget?: string): Entry | null {
  const mode = stats.mode & 0o7777;
  if (stats.isSymbolicLink())
    return { path, type: 'symlink', size: 0, mode: 0o777, mtimeMs: stats.mtimeMs, linkTarget: linkTarget ?? '' };
  if (stats.isDirectory()) return { path, type: 'dir', size: 0, mode, mtimeMs: stats.mtimeMs };
  if (stats.isFile()) return { path, type: 'file', size: stats.size, mode, mtimeMs: stats.mtimeMs };
  return null;
}

/** Reads one local path; null when it is gone or is not a file, directory or symlink. */
export function statEntrySync(root: string, relPath: string): Entry | { rejected: PathRejection } | null {
  const abs = join(root, relPath);
  const stats = lstatSync(abs, { throwIfNoEntry: false });
  if (stats === undefined) return null;
  if (stats.isSymbolicLink()) {
    let target: string;
    try {
      target = readlinkSync(abs);
    } catch {
      return null;
    }
    const link = checkLinkTarget(relPath, target);
    if (!link.ok) return { rejected: link.reason };
    return entryFromStats(relPath, stats, target);
  }
  return entryFromStats(relPath, stats);
}

/** statEntrySync for callers that await. */
export function statEntry(root: string, relPath: string): Promise<Entry | { rejected: PathRejection } | null> {
  try {
    return Promise.resolve(statEntrySync(root, relPath));
  } catch {
    return Promise.resolve(null);
  }
}

// Local metadata calls are a few microseconds each when made synchronously and many times that
// through the thread pool; the scan makes them one directory at a time and yields in between.
export async function scanTree(root: string, options: ScanOptions): Promise<ScanResult> {
  const entries: Manifest = new Map();
  const rejected: RejectedPath[] = [];

  async function visit(relPath: string, isDir: boolean): Promise<void> {
    const checked = checkRelativePath(relPath);
    if (!checked.ok) {
      rejected.push({ path: relPath, reason: checked.reason });
      return;
    }
    if (options.isIgnored(relPath, isDir)) return;
    let entry;
    try {
      entry = statEntrySync(root, relPath);
    } catch {
      return;
    }
    if (entry === null) return;
    if ('rejected' in entry) {
      rejected.push({ path: relPath, reason: entry.rejected });
      return;
    }
    entries.set(relPath, entry);
    options.onEntry?.(entry);
    if (entry.type === 'dir') await visitChildren(relPath);
  }

  async function visitChildren(relDir: string): Promise<void> {
    options.signal?.throwIfAborted();
    await new Promise<void>((resolve) => setImmediate(resolve));
    let dirents;
    try {
      dirents = readdirSync(relDir === '' ? root : join(root, relDir), { withFileTypes: true });
    } catch (error) {
      // An unreadable root must never look like an empty folder: that would delete the remote tree.
      if (relDir === '') throw error;
      return;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      await visit(relDir === '' ? dirent.name : `${relDir}/${dirent.name}`, dirent.isDirectory());
    }
  }

  if (options.under) await visit(options.under, true);
  else await visitChildren('');
  return { entries, rejected };
}

export async function hashFile(
  absPath: string,
  algorithm: 'sha1' | 'md5' = 'sha1',
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(absPath, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Two metadata views agree closely enough that the content need not be compared. */
export function sameSeconds(aMs: number, bMs: number): boolean {
  // tar carries whole seconds, so a synced file's remote mtime is the local one truncated.
  return Math.floor(aMs / 1000) === Math.floor(bMs / 1000);
}
