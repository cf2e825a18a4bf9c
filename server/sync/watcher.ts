// Watches the local synced folder and reports which relative paths may have changed. It never
// decides what changed: the session re-reads each reported path (a directory: its whole subtree).

import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FSWatcher } from 'chokidar';
import { isFolder, watchDirectories } from './directoryWatcher.js';

/**
 * Both hold one OS watch per directory and none per file. 'chokidar' (default) lets chokidar
 * crawl the tree and follow directories as they come and go; 'directories' is podloop's own.
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
  backend: WatcherBackend = 'chokidar',
): TreeWatcher {
  return backend === 'chokidar' ? watchWithChokidar(resolve(root), options) : watchDirectories(root, options);
}

type ReaddirpOptions = Parameters<FSWatcher['_readdirp']>[1];

const CRAWL_CONCURRENCY = 4;

/**
 * chokidar that reports each directory once its OS watch is in place, and that watches again a
 * directory it dropped though it still exists: its listings run concurrently with changes, so
 * one taken while a folder was briefly gone would otherwise leave the folder made again unwatched.
 */
class DirectoryWatcher extends FSWatcher {
  onWatching: (absDir: string) => void = () => undefined;
  private readonly dropped = new Set<string>();

  constructor(options: ConstructorParameters<typeof FSWatcher>[0]) {
    super(options);
    // chokidar starts reading every subfolder it finds at once; on a large tree the crawl's
    // garbage then outlives V8's young-generation collections, which grow and keep the young
    // generation (about 12 MiB more resident memory for 50,000 files). A few at a time is enough.
    const handler = this._nodeFsHandler;
    const addToNodeFs = handler._addToNodeFs.bind(handler);
    const waiting: (() => void)[] = [];
    let active = 0;
    handler._addToNodeFs = async (...args) => {
      if (this._readyEmitted) return addToNodeFs(...args);
      if (active >= CRAWL_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
      active++;
      try {
        return await addToNodeFs(...args);
      } finally {
        active--;
        waiting.shift()?.();
      }
    };
  }

  override _addPathCloser(path: string, closer: () => void): void {
    super._addPathCloser(path, closer);
    if (closer !== undefined) this.onWatching(path);
  }

  /**
   * chokidar lstat()s every entry of each directory it lists, here to learn that files are to be
   * left out; the entry types readdir returns already say that, without one lstat per file.
   */
  override _readdirp(root: string, opts?: ReaddirpOptions): ReturnType<FSWatcher['_readdirp']> {
    const keepDirectory = opts?.directoryFilter;
    return super._readdirp(root, {
      ...opts,
      alwaysStat: false,
      fileFilter: () => false,
      directoryFilter: (entry) => {
        // chokidar reads only isDirectory() and isSymbolicLink() from a listed directory's stats.
        entry.stats ??= entry.dirent as unknown as Stats;
        return typeof keepDirectory === 'function' && keepDirectory(entry);
      },
    });
  }

  override _remove(directory: string, item: string, isDir?: boolean): void {
    super._remove(directory, item, isDir);
    if (this.dropped.size === 0) setImmediate(() => this.watchDroppedAgain());
    this.dropped.add(join(directory, item));
  }

  /** Drops chokidar's record of a directory and its subtree, then watches what is there now. */
  rewatch(absDir: string): void {
    // chokidar shares one fs.watch per path and reuses it: a directory made again under the same
    // name would otherwise stay on the old, dead watch, and so would its subfolders.
    const inside = (path: string): boolean => path === absDir || path.startsWith(absDir + sep);
    for (const path of [...this._closers.keys()]) if (inside(path)) this._closeFile(path);
    for (const path of [...this._watched.keys()]) if (inside(path)) this._watched.delete(path);
    this.add(absDir);
  }

  /** Watches the subfolders of a newly watched folder that chokidar has not taken up. */
  async watchSubfolders(absDir: string): Promise<void> {
    // They were made before the folder's watch, so no event names them; chokidar's own listing
    // of the folder may be skipped (see the raw event handler).
    const entries = await readdir(absDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(absDir, entry.name);
      if (!this.closed && entry.isDirectory() && !this._watched.has(path)) this.add(path);
    }
  }

  private watchDroppedAgain(): void {
    const dropped = [...this.dropped].sort();
    this.dropped.clear();
    if (this.closed) return;
    let last: string | null = null;
    for (const path of dropped) {
      // Below a folder already handled, or one that is gone, there is nothing more to do.
      if (last !== null && path.startsWith(last + sep)) continue;
      last = path;
      if (isFolder(path)) this.rewatch(path);
    }
  }
}

function watchWithChokidar(root: string, options: TreeWatcherOptions): TreeWatcher {
  const report = (absPath: string): void => {
    const rel = toRelative(root, absPath);
    if (rel !== null) options.onPath(rel);
  };
  const watcher = new DirectoryWatcher({
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
    // Its editor-swap-file rules would skip folders such as `backup~`; the session applies its own.
    atomic: false,
    // Files are left out: a directory's watch already names each file that changes in it, and a
    // watch per file would cost about 10 KB each. Without stats chokidar asks before it looks.
    ignored: (absPath, stats) => {
      if (stats === undefined) return false;
      if (!stats.isDirectory()) return true;
      const rel = toRelative(root, absPath);
      return rel !== null && options.isIgnored(rel, true);
    },
  });
  let ready = false;
  // A new directory is read by the session when first reported, perhaps before its watch is in
  // place: reporting it again once watched covers files made in between.
  watcher.onWatching = (absDir) => {
    if (!ready) return;
    report(absDir);
    void watcher.watchSubfolders(absDir);
  };
  watcher.on('raw', (event: string, name: unknown, details: unknown) => {
    const watched = (details as { watchedPath?: unknown } | null)?.watchedPath;
    if (typeof watched !== 'string') return;
    if (typeof name !== 'string' || name === '') {
      // No name means the kernel could not say what changed: have the whole directory re-read.
      report(watched);
      return;
    }
    const absPath = join(watched, name);
    // A directory's own watch names the directory itself when it is deleted or moved; which of
    // the two paths is meant is settled later by re-reading both.
    if (basename(watched) === name) report(watched);
    report(absPath);
    if (event === 'rename' && isFolder(absPath)) {
      // A folder came, or one chokidar knows was replaced (deleted and made again, or another
      // moved over it). chokidar would find a new one by listing the parent, but skips a listing
      // while another of the same folder is under way, for up to a second if that one failed.
      if (watcher._watched.has(absPath)) watcher.rewatch(absPath);
      else watcher.add(absPath);
    }
  });
  watcher.on('error', (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
  const readyPromise = new Promise<void>((resolveReady) =>
    watcher.once('ready', () => {
      ready = true;
      resolveReady();
    }),
  );
  watcher.add(root);
  let closing: Promise<void> | null = null;
  return {
    ready: readyPromise,
    close: () => (closing ??= watcher.close()),
  };
}
