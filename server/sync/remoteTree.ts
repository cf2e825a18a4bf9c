// The container side of a sync, as the session sees it: read its manifest and hashes, apply a
// batch. Implemented by the long-lived receiver and by the one-exec-per-batch tar fallback.

import type { Extraction } from './extraction.js';
import type { Manifest } from './manifest.js';
import type { BatchWriteResult, SyncBatch, WriteOptions } from './tarBatch.js';

export type SyncMode = 'receiver' | 'tar-fallback';
export type HashAlgorithm = 'sha1' | 'md5' | 'none';
export type ApplyOptions = Pick<WriteOptions, 'signal' | 'onSent'>;

export interface RemoteTree {
  readonly mode: SyncMode;
  readonly hashAlgorithm: HashAlgorithm;
  manifest(signal?: AbortSignal): Promise<Manifest>;
  /** The manifest without the subtrees of `prune` (relative folder paths without glob characters). */
  scan(prune: readonly string[], signal?: AbortSignal): Promise<Manifest>;
  /** Manifest entries of the given paths; missing ones are left out. */
  stat(paths: readonly string[], signal?: AbortSignal): Promise<Manifest>;
  /** Hashes of the given files; files that are missing or not regular are left out. */
  hash(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string>>;
  /** Hashes of every file in the workDir. */
  hashAll(signal?: AbortSignal): Promise<Map<string, string>>;
  /** Resolves once the container acknowledged the batch; rejects with BatchRejectedError or ChannelLostError. */
  applyBatch(root: string, batch: SyncBatch, options?: ApplyOptions): Promise<BatchWriteResult>;
  /**
   * Where supported: a tar extraction of its own for entries that need nothing cleared first
   * (nothing at their path, only folders above them in the container).
   */
  openExtraction?(root: string, batchId: number, options?: ApplyOptions): Promise<Extraction>;
  /** Resolves when the underlying channel is gone (never, for per-request channels). */
  readonly lost: Promise<void>;
  close(): void;
}

/** The container refused or failed to apply a batch; the channel is still usable. */
export class BatchRejectedError extends Error {
  constructor(
    readonly batchId: number,
    readonly reason: string,
  ) {
    super(`the container could not apply sync batch ${batchId}: ${reason}`);
    this.name = 'BatchRejectedError';
  }
}
