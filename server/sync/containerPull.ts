// Brings container files into the local folder for two-way sync: one `tar -c` exec per group of
// paths, each entry written to a temp file and renamed into place. Never writes through a link,
// outside the local root, or over a local version that changed since it was planned.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, open, readlink, rename, rmdir, symlink, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { entryFromStats, type Entry } from './manifest.js';
import { checkLinkTarget, safeRelativePath } from './pathSafety.js';
import type { SyncTransport } from './transport.js';

/** A local path that pulling refused to touch, and why. */
export interface RefusedPull {
  path: string;
  reason: string;
}

export interface FetchItem {
  /** The container entry, as its manifest listed it. */
  entry: Entry;
  /** Local destination (relative): its own path, or a conflict copy name. */
  to: string;
  /** The local entry the plan saw at `to`; anything else found there now is left alone. */
  expect: Entry | null;
}

export interface FetchResult {
  /** Local entries written, by destination. */
  written: Map<string, Entry>;
  /** Items never written: gone in the container, or changed locally meanwhile; tried again later. */
  missed: FetchItem[];
  /** Items refused for safety: never tried again until they change in the container. */
  refused: (FetchItem & { reason: string })[];
}

// Keeps each exec's argv well under the kernel's limit.
const MAX_ARG_BYTES = 64 * 1024;
const MAX_PATHS = 500;

class RefusedError extends Error {
  /**
   * A local file or folder in the way rather than a link or an unsafe target: a swap in progress
   * that the next scan settles as a conflict, so the path is tried again rather than refused.
   */
  constructor(
    message: string,
    readonly inTheWay = false,
  ) {
    super(message);
  }
}

/** One tar entry's content as tar-stream hands it over. */
type TarContent = AsyncIterable<unknown> & { resume(): unknown };

/** Makes the folders above `rel` in `root`, refusing any existing one that is a link or not a folder. */
export async function prepareParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const stats = await lstat(current).catch(() => null);
    if (stats === null) await mkdir(current, { mode: 0o755 }).catch(ignoreExists);
    else if (!stats.isDirectory())
      throw new RefusedError(`${rel}: ${current.slice(root.length + 1)} is not a folder here`, !stats.isSymbolicLink());
  }
}

function ignoreExists(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}

/**
 * The local entry at `rel`, or null when there is none or a folder on its way is a link or not a
 * folder: what lies behind a link is never the project's to read, move or delete.
 */
export async function localEntry(root: string, rel: string): Promise<Entry | null> {
  let parent = root;
  for (const part of rel.split('/').slice(0, -1)) {
    parent = join(parent, part);
    if (!(await lstat(parent).catch(() => null))?.isDirectory()) return null;
  }
  const stats = await lstat(join(root, rel)).catch(() => null);
  if (stats === null) return null;
  const linkTarget = stats.isSymbolicLink() ? await readlink(join(root, rel)).catch(() => '') : undefined;
  return entryFromStats(rel, stats, linkTarget);
}

/** Whether what is at a local path now is still what the plan saw: same type, size and exact mtime. */
export function unchangedSince(now: Entry | null, expect: Entry | null): boolean {
  if (now === null || expect === null) return now === expect;
  if (now.type !== expect.type) return false;
  if (now.type === 'dir') return true;
  if (now.type === 'symlink') return now.linkTarget === expect.linkTarget;
  return now.size === expect.size && now.mtimeMs === expect.mtimeMs && now.mode === expect.mode;
}

/** Groups container paths so that one `tar -c` argv stays small. */
export function fetchGroups(paths: readonly string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const size = Buffer.byteLength(path) + 3;
    if (current.length > 0 && (current.length >= MAX_PATHS || bytes + size > MAX_ARG_BYTES)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(path);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Fetches container files and links with `tar -c` and writes them to their local destinations. */
export async function fetchFromContainer(
  transport: SyncTransport,
  workDir: string,
  root: string,
  items: readonly FetchItem[],
  signal?: AbortSignal,
): Promise<FetchResult> {
  const result: FetchResult = { written: new Map(), missed: [], refused: [] };
  const byPath = new Map(items.map((item) => [item.entry.path, item]));
  const done = new Set<string>();
  for (const group of fetchGroups([...byPath.keys()])) {
    signal?.throwIfAborted();
    // "./" keeps a name from being read as an option; tar archives links as links unless -h.
    const command = ['tar', '-c', '-f', '-', '-C', workDir, ...group.map((path) => `./${path}`)];
    const channel = await transport.openChannel(command, signal);
    channel.stdin.end();
    channel.stderr.resume();
    const extract = tarStream.extract();
    const parsing = (async () => {
      for await (const tarEntry of extract) {
        const name = safeRelativePath(tarEntry.header.name.replace(/^\.\//, '').replace(/\/$/, ''));
        const item = name === null ? undefined : byPath.get(name);
        if (item === undefined || done.has(item.entry.path)) {
          tarEntry.resume();
          continue;
        }
        done.add(item.entry.path);
        const hardLinked =
          tarEntry.header.type === 'link' ? linkSource(tarEntry.header.linkname, byPath, result) : null;
        if (tarEntry.header.type === 'link') tarEntry.resume();
        try {
          // tar sends a second name of one file as a hard link to the first: its content is already here.
          const written = hardLinked
            ? await writeItem(
                root,
                item,
                { ...tarEntry.header, type: 'file' },
                createReadStream(join(root, hardLinked)),
              )
            : await writeItem(root, item, tarEntry.header, tarEntry);
          if (written === null) result.missed.push(item);
          else result.written.set(item.to, written);
        } catch (error) {
          tarEntry.resume();
          if (error instanceof RefusedError && !error.inTheWay) result.refused.push({ ...item, reason: error.message });
          else result.missed.push(item);
        }
      }
    })();
    const feeding = (async () => {
      for await (const chunk of channel.stdout as AsyncIterable<Buffer>) {
        if (!extract.write(chunk)) await once(extract, 'drain');
      }
      extract.end(null);
    })();
    try {
      await Promise.all([feeding, parsing]);
    } catch (error) {
      extract.destroy(error as Error);
      throw error;
    } finally {
      channel.close();
    }
    // Paths tar did not send (removed in the container meanwhile) are looked at again next scan.
    for (const path of group) if (!done.has(path)) result.missed.push(byPath.get(path)!);
  }
  return result;
}

/** The local copy of a hard link's source, when this fetch wrote it. */
function linkSource(linkname: string, byPath: ReadonlyMap<string, FetchItem>, result: FetchResult): string | null {
  const source = safeRelativePath(linkname.replace(/^\.\//, ''));
  const item = source === null ? undefined : byPath.get(source);
  return item !== undefined && result.written.has(item.to) ? item.to : null;
}

async function writeItem(
  root: string,
  item: FetchItem,
  header: tarStream.Header,
  content: TarContent,
): Promise<Entry | null> {
  const isFile = header.type === 'file' || header.type === 'contiguous-file';
  if (isFile ? item.entry.type !== 'file' : header.type !== 'symlink' || item.entry.type !== 'symlink') {
    content.resume();
    return null;
  }
  const target = join(root, item.to);
  await prepareParents(root, item.to);
  const temp = join(dirname(target), `.${basename(target)}.podloop-pull-${randomBytes(4).toString('hex')}`);
  try {
    if (isFile) {
      await pipeline(content as AsyncIterable<Uint8Array>, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      await chmod(temp, (header.mode ?? item.entry.mode) & 0o7777);
      // The manifest's mtime is finer than tar's whole seconds; it applies when the content is that version.
      const headerSeconds = Math.floor((header.mtime?.getTime() ?? item.entry.mtimeMs) / 1000);
      const mtimeMs =
        headerSeconds === Math.floor(item.entry.mtimeMs / 1000) ? item.entry.mtimeMs : headerSeconds * 1000;
      await utimes(temp, new Date(), mtimeMs / 1000);
    } else {
      content.resume();
      const linkTarget = header.linkname ?? '';
      const checked = checkLinkTarget(item.to, linkTarget);
      if (!checked.ok) throw new RefusedError(`${item.entry.path}: a link to ${linkTarget} leads outside the folder`);
      await symlink(linkTarget, temp);
    }
    // Recorded before the rename (which keeps it): a local write right after must not pass for this pull.
    const pulled = entryFromStats(item.to, await lstat(temp), isFile ? undefined : (header.linkname ?? ''));
    // A local write made since the plan wins over this pull: the next scan sees a conflict instead.
    if (pulled === null || !unchangedSince(await localEntry(root, item.to), item.expect)) {
      await unlink(temp);
      return null;
    }
    await rename(temp, target);
    return pulled;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR' || (error as NodeJS.ErrnoException).code === 'ENOTEMPTY')
      throw new RefusedError(`${item.to}: a folder is in the way`, true);
    throw error;
  }
}

/** Copies a local file or link to a free name (a conflict's losing version); false when it changed since planned. */
export async function copyLocal(root: string, from: string, to: string, expect: Entry): Promise<boolean> {
  if (expect.type === 'dir' || !unchangedSince(await localEntry(root, from), expect)) return false;
  const target = join(root, to);
  let created = false;
  try {
    await prepareParents(root, to);
    if (expect.type === 'symlink') {
      await symlink(expect.linkTarget ?? '', target);
      created = true;
    } else {
      // Streamed, not fs.copyFile: libuv's copy spins forever on a source truncated while it copies.
      const copy = await open(target, 'wx', 0o600);
      created = true;
      await pipeline(createReadStream(join(root, from)), copy.createWriteStream());
      await chmod(target, expect.mode);
      await utimes(target, new Date(), expect.mtimeMs / 1000);
    }
  } catch {
    // Only a copy this call made is removed: anything found at the name is someone else's.
    if (created) await unlink(target).catch(() => undefined);
    return false;
  }
  // Written again while copied: the copy may hold neither version; the next scan plans again.
  if (!unchangedSince(await localEntry(root, from), expect)) {
    await unlink(target).catch(() => undefined);
    return false;
  }
  return true;
}

/** Moves a local entry aside (a conflict's losing version); false when it changed since planned. */
export async function moveLocal(root: string, from: string, to: string, expect: Entry): Promise<boolean> {
  if (!unchangedSince(await localEntry(root, from), expect)) return false;
  if ((await lstat(join(root, to)).catch(() => null)) !== null) return false;
  await prepareParents(root, to);
  await rename(join(root, from), join(root, to));
  return true;
}

/** Deletes a local file, link or empty folder; false when it changed since planned or a folder is not empty. */
export async function removeLocal(root: string, expect: Entry): Promise<boolean> {
  if (!unchangedSince(await localEntry(root, expect.path), expect)) return false;
  const abs = join(root, expect.path);
  try {
    if (expect.type === 'dir') await rmdir(abs);
    else await unlink(abs);
    return true;
  } catch {
    return false;
  }
}

/** Creates a local folder for a container one; the local entry, or null when something else is there. */
export async function makeLocalDir(root: string, entry: Entry): Promise<Entry | null> {
  try {
    await prepareParents(root, entry.path);
  } catch (error) {
    if (error instanceof RefusedError) return null;
    throw error;
  }
  const abs = join(root, entry.path);
  await mkdir(abs, { mode: entry.mode & 0o7777 }).catch(ignoreExists);
  const made = await localEntry(root, entry.path);
  if (made?.type !== 'dir') return null;
  if (made.mode !== (entry.mode & 0o7777)) await chmod(abs, entry.mode & 0o7777).catch(() => undefined);
  return localEntry(root, entry.path);
}
