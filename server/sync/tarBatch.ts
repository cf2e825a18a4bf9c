// Writes one sync batch as a framed, uncompressed tar stream: removals first, then entries,
// file contents streamed from disk with the size fixed in advance so the frame length is exact.

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Entry } from './manifest.js';

export interface SyncBatch {
  id: number;
  /** Relative paths removed (recursively) before the entries are written. */
  remove: string[];
  /** Entries written in order; their sizes are what the tar promises. */
  entries: Entry[];
}

export interface BatchWriteResult {
  /** Bytes of tar written (the frame length). */
  tarBytes: number;
  /** Files whose content did not match their recorded size while sent: send them again. */
  changedWhileSending: string[];
}

const BLOCK = 512;
const CHUNK = 256 * 1024;
// Files up to this size are read in one go; larger ones are streamed in CHUNK pieces.
const SMALL_FILE = 256 * 1024;

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function tarName(entry: Entry): string {
  return entry.type === 'dir' ? entry.path + '/' : entry.path;
}

// Mirrors the ustar fitting rule of tar-stream's header encoder: ASCII name split into a
// 100-byte name and a 155-byte prefix at a slash, link target of at most 100 bytes.
function fitsUstar(entry: Entry): boolean {
  let name = tarName(entry);
  if (Buffer.byteLength(name) !== name.length) return false;
  let prefix = '';
  while (Buffer.byteLength(name) > 100) {
    const slash = name.indexOf('/');
    if (slash === -1) return false;
    prefix += prefix ? '/' + name.slice(0, slash) : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) return false;
  return !(entry.linkTarget && Buffer.byteLength(entry.linkTarget) > 100);
}

function paxRecordLength(record: string): number {
  const length = Buffer.byteLength(record);
  let digits = Math.floor(Math.log(length) / Math.log(10)) + 1;
  if (length + digits >= Math.pow(10, digits)) digits++;
  return length + digits;
}

/** Bytes that one entry occupies in the tar stream (headers plus padded content). */
export function tarEntrySize(entry: Entry): number {
  const content = entry.type === 'file' ? padded(entry.size) : 0;
  if (fitsUstar(entry)) return BLOCK + content;
  let pax = paxRecordLength(` path=${tarName(entry)}\n`);
  if (entry.linkTarget) pax += paxRecordLength(` linkpath=${entry.linkTarget}\n`);
  return BLOCK + padded(pax) + BLOCK + content;
}

/** Exact length of the tar stream for these entries, end-of-archive blocks included. */
export function tarStreamSize(entries: readonly Entry[]): number {
  let total = 2 * BLOCK;
  for (const entry of entries) total += tarEntrySize(entry);
  return total;
}

function headerFor(entry: Entry): Partial<tarStream.Header> & { name: string } {
  const common = {
    name: tarName(entry),
    mode: entry.mode,
    mtime: new Date(entry.mtimeMs),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  };
  if (entry.type === 'dir') return { ...common, type: 'directory' };
  if (entry.type === 'symlink') return { ...common, type: 'symlink', linkname: entry.linkTarget ?? '' };
  return { ...common, type: 'file', size: entry.size };
}

function fitToSize(data: Buffer | null, size: number, onMismatch: () => void): Buffer {
  if (data && data.length === size) return data;
  onMismatch();
  const fitted = Buffer.alloc(size);
  data?.copy(fitted, 0, 0, Math.min(size, data.length));
  return fitted;
}

// Yields exactly `size` bytes: a file that shrank is padded with zeros, one that grew is cut,
// and the caller is told so it can send the file again.
async function* fixedSizeContent(absPath: string, size: number, onMismatch: () => void): AsyncGenerator<Buffer> {
  let remaining = size;
  let handle;
  try {
    handle = await open(absPath, 'r');
  } catch {
    handle = null;
  }
  try {
    while (handle && remaining > 0) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, remaining));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, size - remaining);
      if (bytesRead === 0) break;
      remaining -= bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
    if (handle && remaining === 0) {
      const after = await handle.stat();
      if (after.size !== size) onMismatch();
    }
  } finally {
    await handle?.close();
  }
  if (remaining > 0) {
    onMismatch();
    while (remaining > 0) {
      const zeros = Buffer.alloc(Math.min(CHUNK, remaining));
      remaining -= zeros.length;
      yield zeros;
    }
  }
}

interface DrainableStream extends NodeJS.EventEmitter {
  destroyed?: boolean;
  closed?: boolean;
}

// Also settles when the stream is or becomes closed, so a dropped channel cannot hang a batch.
function waitDrain(stream: DrainableStream): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = (): void => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });
}

async function packEntries(
  pack: tarStream.Pack,
  root: string,
  entries: readonly Entry[],
  changed: string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const entry of entries) {
    signal?.throwIfAborted();
    const header = headerFor(entry);
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (entry.type !== 'file') {
        pack.entry(header, done);
        return;
      }
      if (entry.size <= SMALL_FILE) {
        void readFile(join(root, entry.path)).then(
          (data) =>
            pack.entry(
              header,
              fitToSize(data, entry.size, () => changed.push(entry.path)),
              done,
            ),
          () =>
            pack.entry(
              header,
              fitToSize(null, entry.size, () => changed.push(entry.path)),
              done,
            ),
        );
        return;
      }
      const sink = pack.entry(header, done);
      void (async () => {
        try {
          for await (const chunk of fixedSizeContent(join(root, entry.path), entry.size, () =>
            changed.push(entry.path),
          )) {
            signal?.throwIfAborted();
            if (!sink.write(chunk)) await waitDrain(sink);
          }
          sink.end(undefined);
        } catch (error) {
          sink.destroy(error as Error);
          reject(error as Error);
        }
      })();
    });
  }
  pack.finalize();
}

/** Directories that must be real directories for the batch to land where it should. */
export function batchDirectories(entries: readonly Entry[]): string[] {
  const dirs = new Set<string>();
  for (const entry of entries) {
    const slash = entry.path.lastIndexOf('/');
    if (entry.type === 'dir') dirs.add(entry.path);
    else if (slash !== -1) dirs.add(entry.path.slice(0, slash));
  }
  // A deeper directory's check walks every directory above it, so only the deepest are needed.
  const sorted = [...dirs].sort();
  return sorted.filter((dir, i) => !(sorted[i + 1] ?? '').startsWith(dir + '/'));
}

/**
 * Writes the receiver's frame: `BATCH <id> <tarBytes> <removals> <checks>`, one removal and one
 * directory per line, then the tar (absent when there are no entries). Honours backpressure.
 */
export async function writeBatchFrame(
  root: string,
  batch: SyncBatch,
  out: Writable,
  signal?: AbortSignal,
): Promise<BatchWriteResult> {
  const tarBytes = batch.entries.length > 0 ? tarStreamSize(batch.entries) : 0;
  const checks = batchDirectories(batch.entries);
  const lines = [...batch.remove, ...checks].map((path) => path + '\n').join('');
  const head = `BATCH ${batch.id} ${tarBytes} ${batch.remove.length} ${checks.length}\n` + lines;
  if (out.destroyed) throw new Error('sync channel closed');
  if (!out.write(head)) await waitDrain(out);
  if (tarBytes === 0) return { tarBytes: 0, changedWhileSending: [] };
  const written = await writeTar(root, batch.entries, out, signal);
  if (written.tarBytes !== tarBytes)
    throw new Error(`tar stream for batch ${batch.id} is ${written.tarBytes} bytes, ${tarBytes} were announced`);
  return written;
}

/** Streams a tar of `entries` (read from `root`) into `out` without ending it. */
export async function writeTar(
  root: string,
  entries: readonly Entry[],
  out: Writable,
  signal?: AbortSignal,
): Promise<BatchWriteResult> {
  const pack = tarStream.pack();
  const changed: string[] = [];
  const producing = packEntries(pack, root, entries, changed, signal);
  let tarBytes = 0;
  const consuming = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) {
      tarBytes += chunk.length;
      if (out.destroyed) throw new Error('sync channel closed while sending a batch');
      if (!out.write(chunk)) await waitDrain(out);
    }
  })();
  try {
    await Promise.all([producing, consuming]);
  } catch (error) {
    pack.destroy(error as Error);
    throw error;
  }
  return { tarBytes, changedWhileSending: changed };
}
