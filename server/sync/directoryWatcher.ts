// Watches a folder tree with one fs.watch per directory (inotify reports changes to the files
// inside a directory), adding and dropping watches as directories come and go. Reports paths only.

import { watch, lstatSync, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeWatcher, TreeWatcherOptions } from './watcher.js';

// A folder's late event can name a path whose parent is a file by now (ENOTDIR): not a folder either.
export function isFolder(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

export function watchDirectories(root: string, options: TreeWatcherOptions): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let crawled = false;

  function unwatchBelow(relDir: string): void {
    for (const [dir, watcher] of watchers) {
      if (dir === relDir || dir.startsWith(relDir + '/')) {
        watcher.close();
        watchers.delete(dir);
      }
    }
  }

  function onEvent(relDir: string, event: string, name: string | null): void {
    if (closed) return;
    if (!name) {
      // No name means the kernel could not say what changed: have the whole directory re-read.
      if (relDir !== '') options.onPath(relDir);
      return;
    }
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    options.onPath(rel);
    if (!isFolder(join(root, rel))) {
      unwatchBelow(rel);
    } else if (event === 'rename' || !watchers.has(rel)) {
      // Created, moved in, or deleted and made again (maybe with the same inode number): watch it
      // afresh at once, before more files land in it. The session reads it whole.
      unwatchBelow(rel);
      void addTree(rel);
    }
  }

  function addOne(relDir: string): boolean {
    if (closed || watchers.has(relDir)) return false;
    if (relDir !== '' && options.isIgnored(relDir, true)) return false;
    try {
      const watcher = watch(join(root, relDir), { persistent: true }, (event, name) =>
        onEvent(relDir, event, name === null ? null : String(name)),
      );
      watcher.on('error', () => {
        // The directory went away; its parent reports that.
        watcher.close();
        if (watchers.get(relDir) === watcher) watchers.delete(relDir);
      });
      watchers.set(relDir, watcher);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') options.onError(error as Error);
      return false;
    }
  }

  async function addTree(relDir: string): Promise<void> {
    if (!addOne(relDir)) return;
    // A new directory is read by the session when first reported, perhaps before its watch was in
    // place (a subfolder's comes after its parent's listing): reporting it again covers that.
    if (crawled) options.onPath(relDir);
    let dirents;
    try {
      dirents = await readdir(join(root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const dirent of dirents) {
      if (dirent.isDirectory()) await addTree(relDir === '' ? dirent.name : `${relDir}/${dirent.name}`);
    }
  }

  const ready = addTree('').then(() => {
    crawled = true;
  });
  return {
    ready,
    async close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await ready.catch(() => undefined);
    },
  };
}
