// Watches the local synced folder and reports which relative paths may have changed. It never
// decides what changed: the session re-reads each reported path (a directory: its whole subtree).

import { basename, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { watchDirectories } from './directoryWatcher.js';

/**
 * 'directories' (default) holds one OS watch per directory; 'chokidar' holds one per file and
 * directory, which costs about 10 KB of memory per file.
 */
export type WatcherBackend = 'directories' | 'chokidar';

export interface TreeWatcherOptions {
  isIgnored: (relPath: string, isDir: boolean) => boolean;
  onPath: (relPath: string) => void;
  onError: (error: Error) => void;
}

export interface TreeWatcher {
  /** Resolves once the initial crawl is done and events are being delivered. */
  ready: Promise<void>;
  close(): Promise<void>;
}

function toRelative(root: string, absPath: string): string | null {
  const rel = relative(root, absPath);
  if (rel === '' || rel.startsWith('..')) return null;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function watchTree(
  root: string,
  options: TreeWatcherOptions,
  backend: WatcherBackend = 'directories',
): TreeWatcher {
  return backend === 'chokidar' ? watchWithChokidar(root, options) : watchDirectories(root, options);
}

function watchWithChokidar(root: string, options: TreeWatcherOptions): TreeWatcher {
  const report = (absPath: string): void => {
    const rel = toRelative(root, absPath);
    if (rel !== null) options.onPath(rel);
  };
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
    ignored: (absPath, stats) => {
      const rel = toRelative(root, absPath);
      if (rel === null) return false;
      return options.isIgnored(rel, stats?.isDirectory() ?? false);
    },
  });
  for (const event of ['add', 'addDir', 'change', 'unlink', 'unlinkDir'] as const) {
    watcher.on(event, (absPath: string) => report(absPath));
  }
  // chokidar drops attribute-only changes (chmod); the raw fs.watch event still names the path.
  // Which of the two candidates it means is settled later by re-reading both.
  watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
    if (typeof name !== 'string' || typeof details !== 'object' || details === null) return;
    const watched = (details as { watchedPath?: unknown }).watchedPath;
    if (typeof watched !== 'string') return;
    if (basename(watched) === name) report(watched);
    report(join(watched, name));
  });
  watcher.on('error', (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  let closing: Promise<void> | null = null;
  return {
    ready,
    close: () => (closing ??= watcher.close()),
  };
}
