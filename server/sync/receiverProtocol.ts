// Reads the receiver's answers: NUL-terminated records on a byte stream, and the manifest and
// hash listings built from them. Parsing only; sending requests is receiverRemote's job.

import type { Readable } from 'node:stream';
import type { Entry, Manifest } from './manifest.js';
import { safeRelativePath } from './pathSafety.js';

/** The channel to the container ended; the session reconnects. */
export class ChannelLostError extends Error {
  constructor(message = 'sync channel to the container closed') {
    super(message);
    this.name = 'ChannelLostError';
  }
}

export class RecordReader {
  private buffered: Buffer[] = [];
  private records: string[] = [];
  private waiters: { resolve: (record: string) => void; reject: (error: Error) => void }[] = [];
  private ended: Error | null = null;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => this.push(chunk));
    const end = (): void => this.fail(new ChannelLostError());
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', (error: Error) => this.fail(new ChannelLostError(`sync channel failed: ${error.message}`)));
  }

  next(): Promise<string> {
    const record = this.records.shift();
    if (record !== undefined) return Promise.resolve(record);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Ends the reader from outside, e.g. when the command exited. */
  fail(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private push(chunk: Buffer): void {
    let start = 0;
    for (let nul = chunk.indexOf(0, start); nul !== -1; nul = chunk.indexOf(0, start)) {
      this.buffered.push(chunk.subarray(start, nul));
      this.deliver(Buffer.concat(this.buffered).toString('utf8'));
      this.buffered = [];
      start = nul + 1;
    }
    if (start < chunk.length) this.buffered.push(chunk.subarray(start));
  }

  private deliver(record: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(record);
    else this.records.push(record);
  }
}

const TYPES: Record<string, Entry['type'] | undefined> = { f: 'file', d: 'dir', l: 'symlink' };

/** One manifest record "<type> <mode> <size> <mtime> <path>" plus its link-target record. */
export function parseManifestRecord(record: string, linkTarget: string): Entry | null {
  const fields: string[] = [];
  let rest = record;
  for (let i = 0; i < 4; i++) {
    const space = rest.indexOf(' ');
    if (space === -1) return null;
    fields.push(rest.slice(0, space));
    rest = rest.slice(space + 1);
  }
  const type = TYPES[fields[0]!];
  const path = safeRelativePath(rest);
  const mode = parseInt(fields[1]!, 8);
  const size = Number(fields[2]);
  const mtimeMs = Number(fields[3]) * 1000;
  if (!type || path === null || !Number.isFinite(mode) || !Number.isFinite(size) || !Number.isFinite(mtimeMs))
    return null;
  if (type === 'symlink') return { path, type, size: 0, mode: 0o777, mtimeMs, linkTarget };
  return { path, type, size: type === 'dir' ? 0 : size, mode, mtimeMs };
}

/** Reads manifest record pairs until `endRecord` (or the end of the stream when it is null). */
export async function readManifest(reader: RecordReader, endRecord: string | null): Promise<Manifest> {
  const entries: Manifest = new Map();
  for (;;) {
    let record: string;
    try {
      record = await reader.next();
    } catch (error) {
      if (endRecord === null && error instanceof ChannelLostError) break;
      throw error;
    }
    if (record === endRecord) break;
    const target = await reader.next();
    const entry = parseManifestRecord(record, target);
    if (entry) entries.set(entry.path, entry);
  }
  return entries;
}

/** Parses "<hash>  <path>" records (sha1sum -z style, path maybe prefixed with "./"). */
export function parseHashRecord(record: string): { path: string; hash: string | null } | null {
  const split = record.indexOf('  ');
  if (split === -1) return null;
  const hash = record.slice(0, split);
  const raw = record.slice(split + 2);
  const path = safeRelativePath(raw.startsWith('./') ? raw.slice(2) : raw);
  if (path === null) return null;
  return { path, hash: /^[0-9a-f]+$/.test(hash) ? hash : null };
}

export async function readHashes(reader: RecordReader, endRecord: string | null): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (;;) {
    let record: string;
    try {
      record = await reader.next();
    } catch (error) {
      if (endRecord === null && error instanceof ChannelLostError) break;
      throw error;
    }
    if (record === endRecord) break;
    const parsed = parseHashRecord(record);
    if (parsed?.hash) hashes.set(parsed.path, parsed.hash);
  }
  return hashes;
}
