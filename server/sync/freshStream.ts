// The first part of a full sync: while the local scan still runs, entries the container has
// nothing at go straight into a tar extraction. A fresh container thus receives its files while
// the tree is still being read; the diff that follows the scan finds them already there.

import type { Extraction } from './extraction.js';
import type { Entry, Manifest } from './manifest.js';
import type { BatchWriteResult } from './tarBatch.js';

/** Entries a running scan has found so far, and a way to wait for more. */
export class ScanFeed {
  readonly entries: Entry[] = [];
  private ended = false;
  private waiter: (() => void) | null = null;

  push(entry: Entry): void {
    this.entries.push(entry);
    this.wake();
  }

  /** The scan finished or failed: nothing more will come. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  get done(): boolean {
    return this.ended;
  }

  /** Resolves when more entries came or the scan ended. */
  more(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

/**
 * Nothing is at the path in the container and only real folders are above it: tar can write it
 * without anything being removed or checked first.
 */
export function isFresh(path: string, remote: Manifest): boolean {
  if (remote.has(path)) return false;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    const above = remote.get(path.slice(0, slash));
    if (above && above.type !== 'dir') return false;
  }
  return true;
}

export interface FreshResult {
  /** Entries written, in the order sent. */
  sent: Entry[];
  written: BatchWriteResult;
}

export interface FreshProgress {
  filesDone: number;
  bytesDone: number;
  /** Fresh entries found so far: final once the scan ended, which is usually long before the stream. */
  filesFound: number;
  bytesFound: number;
}

/**
 * Streams the fresh entries of `feed` until the scan ends. The extraction is opened only when the
 * first fresh entry turns up, so an unchanged tree costs no exec; null when none did.
 */
export async function streamFresh(
  feed: ScanFeed,
  remote: Manifest,
  open: () => Promise<Extraction>,
  onProgress?: (progress: FreshProgress) => void,
): Promise<FreshResult | null> {
  const fresh: Entry[] = [];
  const progress: FreshProgress = { filesDone: 0, bytesDone: 0, filesFound: 0, bytesFound: 0 };
  let classified = 0;
  const classify = (): void => {
    for (; classified < feed.entries.length; classified++) {
      const entry = feed.entries[classified]!;
      if (!isFresh(entry.path, remote)) continue;
      fresh.push(entry);
      progress.filesFound++;
      progress.bytesFound += entry.size;
    }
  };
  let extraction: Extraction | null = null;
  try {
    for (;;) {
      classify();
      while (progress.filesDone < fresh.length) {
        const entry = fresh[progress.filesDone]!;
        extraction ??= await open();
        await extraction.add(entry);
        progress.filesDone++;
        progress.bytesDone += entry.size;
        classify();
        onProgress?.(progress);
      }
      if (feed.done && classified === feed.entries.length) break;
      await feed.more();
    }
    if (!extraction) return null;
    return { sent: fresh, written: await extraction.finish() };
  } catch (error) {
    extraction?.abort();
    throw error;
  }
}
