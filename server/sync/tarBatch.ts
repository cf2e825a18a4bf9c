// Writes one sync batch as a framed, uncompressed tar stream: removals first, then entries,
// file contents read from disk into large buffers with the size fixed in advance so the frame
// length is exact.

import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Entry } from './manifest.js';
import { BLOCK, headerSize, padded, writeHeader } from './tarHeader.js';

export interface SyncBatch {
  id: number;
  /** Relative paths removed (recursively, unless listedOnly) before the entries are written. */
  remove: string[];
  /**
   * Two-way sync: remove only the listed paths, folders only when empty, so that what the container
   * wrote into a removed folder since the last scan stays (an edit beats a deletion).
   */
  listedOnly?: boolean;
  /** Entries written in order; their sizes are what the tar promises. */
  entries: Entry[];
}

export interface BatchWriteResult {
  /** Bytes of tar written (the frame length). */
  tarBytes: number;
  /** Files whose content did not match their recorded size while sent: send them again. */
  changedWhileSending: string[];
}

// Tar is handed to the channel in buffers of this size: few large frames cost far less than one
// per header and per file.
const FRAME = 256 * 1024;
// Files up to this size are read in one synchronous call straight into the frame; larger ones
// are read asynchronously, a frame at a time, so the event loop is never held for long.
const SMALL_FILE = 64 * 1024;
// Frames the channel is done with, reused: a fresh buffer per frame would leave megabytes of
// garbage outside the JS heap after each large batch, there until a full collection.
const spareFrames: Buffer[] = [];
const MAX_SPARE_FRAMES = 4;

function takeFrame(): Buffer {
  return spareFrames.pop() ?? Buffer.allocUnsafe(FRAME);
}

function returnFrame(frame: Buffer): void {
  if (spareFrames.length < MAX_SPARE_FRAMES) spareFrames.push(frame);
}

/** Bytes that one entry occupies in the tar stream (headers plus padded content). */
export function tarEntrySize(entry: Entry): number {
  return headerSize(entry) + (entry.type === 'file' ? padded(entry.size) : 0);
}

/** Exact length of the tar stream for these entries, end-of-archive blocks included. */
export function tarStreamSize(entries: readonly Entry[]): number {
  let total = 2 * BLOCK;
  for (const entry of entries) total += tarEntrySize(entry);
  return total;
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

/** Fills frame buffers with tar and hands each full one to `out`, honouring its backpressure. */
class FrameWriter {
  buffer = takeFrame();
  used = 0;
  written = 0;

  constructor(
    private readonly out: Writable,
    private readonly onSent?: (bytes: number) => void,
  ) {}

  /** Makes room for `bytes` contiguous bytes (at most FRAME), flushing first if needed. */
  async reserve(bytes: number): Promise<void> {
    if (this.used + bytes > this.buffer.length) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    if (this.out.destroyed) throw new Error('sync channel closed while sending a batch');
    const full = this.buffer;
    const written = this.out.write(full.subarray(0, this.used), () => returnFrame(full));
    this.written += this.used;
    this.buffer = takeFrame();
    this.used = 0;
    this.onSent?.(this.written);
    // Yields to the event loop even without backpressure, so requests are answered meanwhile.
    if (!written) await waitDrain(this.out);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }

  zeros(count: number): void {
    this.buffer.fill(0, this.used, this.used + count);
    this.used += count;
  }
}

// Reads a small file into the frame with one call; one byte more than expected is asked for, so
// a file that grew is noticed as well as one that shrank.
function readSmallFile(absPath: string, size: number, frame: FrameWriter): boolean {
  let got = 0;
  let fd: number | null = null;
  try {
    fd = openSync(absPath, 'r');
    for (;;) {
      const read = readSync(fd, frame.buffer, frame.used + got, size + 1 - got, got);
      if (read === 0) break;
      got += read;
      if (got > size) break;
    }
  } catch {
    // Gone or unreadable: sent as zeros and reported.
  } finally {
    if (fd !== null) closeSync(fd);
  }
  const same = got === size;
  if (got < size) frame.buffer.fill(0, frame.used + got, frame.used + size);
  frame.used += size;
  return same;
}

// Streams a large file through frames, exactly `size` bytes: cut when it grew, zero-padded when
// it shrank; false when either happened.
async function readLargeFile(
  absPath: string,
  size: number,
  frame: FrameWriter,
  signal?: AbortSignal,
): Promise<boolean> {
  let handle;
  try {
    handle = await open(absPath, 'r');
  } catch {
    handle = null;
  }
  let done = 0;
  try {
    while (handle && done < size) {
      signal?.throwIfAborted();
      if (frame.used === frame.buffer.length) await frame.flush();
      const room = Math.min(frame.buffer.length - frame.used, size - done);
      const { bytesRead } = await handle.read(frame.buffer, frame.used, room, done);
      if (bytesRead === 0) break;
      frame.used += bytesRead;
      done += bytesRead;
    }
    const same = handle !== null && done === size && (await handle.stat()).size === size;
    while (done < size) {
      if (frame.used === frame.buffer.length) await frame.flush();
      const room = Math.min(frame.buffer.length - frame.used, size - done);
      frame.zeros(room);
      done += room;
    }
    return same;
  } finally {
    await handle?.close();
  }
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

export interface WriteOptions {
  signal?: AbortSignal | undefined;
  /** Called as tar leaves for the channel, with the bytes written so far. */
  onSent?: ((bytes: number) => void) | undefined;
  /**
   * The tar goes through another channel: the frame carries the removals and directory checks
   * only (a tar length of 0), and nothing is written after it.
   */
  tarElsewhere?: boolean;
}

/**
 * Writes the receiver's frame: `BATCH <id> <tarBytes> <removals> <checks> [listed]`, one removal and one
 * directory per line, then the tar (absent when there are no entries). Honours backpressure; `out`
 * is held to writeTar's rule.
 */
export async function writeBatchFrame(
  root: string,
  batch: SyncBatch,
  out: Writable,
  options: WriteOptions = {},
): Promise<BatchWriteResult> {
  const tarBytes = batch.entries.length > 0 && options.tarElsewhere !== true ? tarStreamSize(batch.entries) : 0;
  const checks = batchDirectories(batch.entries);
  const lines = [...batch.remove, ...checks].map((path) => path + '\n').join('');
  const how = batch.listedOnly === true ? ' listed' : '';
  const head = `BATCH ${batch.id} ${tarBytes} ${batch.remove.length} ${checks.length}${how}\n` + lines;
  if (out.destroyed) throw new Error('sync channel closed');
  if (!out.write(head)) await waitDrain(out);
  if (tarBytes === 0) return { tarBytes: 0, changedWhileSending: [] };
  const written = await writeTar(root, batch.entries, out, options);
  if (written.tarBytes !== tarBytes)
    throw new Error(`tar stream for batch ${batch.id} is ${written.tarBytes} bytes, ${tarBytes} were announced`);
  return written;
}

/** A tar stream written entry by entry into one channel. */
export interface TarWriter {
  /** Writes one entry (its content read from disk now), honouring the channel's backpressure. */
  add(entry: Entry): Promise<void>;
  /** Writes the end-of-archive blocks and flushes; the channel stays open. */
  finish(): Promise<BatchWriteResult>;
}

/**
 * Starts a tar stream into `out` without ending it. `out` must be done with a chunk when its write
 * callback runs (sockets, pipes and exec channels are): the buffer is then reused.
 */
export function tarWriter(
  root: string,
  out: Writable,
  { signal, onSent }: Pick<WriteOptions, 'signal' | 'onSent'> = {},
): TarWriter {
  const frame = new FrameWriter(out, onSent);
  const changed: string[] = [];
  return {
    async add(entry) {
      signal?.throwIfAborted();
      const header = headerSize(entry);
      const size = entry.type === 'file' ? entry.size : 0;
      const small = size <= SMALL_FILE;
      // A small file goes whole into one frame with its header (and room for the growth check).
      await frame.reserve(header + (small ? padded(size) + 1 : 0));
      frame.used = writeHeader(entry, frame.buffer, frame.used);
      if (entry.type !== 'file') return;
      const same = small
        ? readSmallFile(join(root, entry.path), size, frame)
        : await readLargeFile(join(root, entry.path), size, frame, signal);
      if (!same) changed.push(entry.path);
      const padding = padded(size) - size;
      await frame.reserve(padding);
      frame.zeros(padding);
    },
    async finish() {
      await frame.reserve(2 * BLOCK);
      frame.zeros(2 * BLOCK);
      await frame.flush();
      returnFrame(frame.buffer);
      return { tarBytes: frame.written, changedWhileSending: changed };
    },
  };
}

/** Streams a tar of `entries` (read from `root`) into `out` without ending it; see tarWriter. */
export async function writeTar(
  root: string,
  entries: readonly Entry[],
  out: Writable,
  options: Pick<WriteOptions, 'signal' | 'onSent'> = {},
): Promise<BatchWriteResult> {
  const writer = tarWriter(root, out, options);
  for (const entry of entries) await writer.add(entry);
  return writer.finish();
}
