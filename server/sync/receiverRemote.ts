// Talks to the receiver script over one long-lived channel: starts it, waits for READY, then
// sends one request at a time and reads its answer. Owns the channel and closes it.

import { receiverCommand } from './receiver/receiverScript.js';
import { ChannelLostError, readHashes, readManifest, RecordReader } from './receiverProtocol.js';
import { extractCommand, openExtraction, type Extraction } from './extraction.js';
import { BatchRejectedError, type ApplyOptions, type HashAlgorithm, type RemoteTree } from './remoteTree.js';
import { tarStreamSize, writeBatchFrame, type BatchWriteResult, type SyncBatch } from './tarBatch.js';
import type { SyncChannel, SyncTransport } from './transport.js';
import type { Manifest } from './manifest.js';

/** The receiver could not be started (no sh, read-only image...): use the tar fallback. */
export class ReceiverUnavailableError extends Error {
  constructor(reason: string) {
    super(`the sync receiver could not start in the container: ${reason}`);
    this.name = 'ReceiverUnavailableError';
  }
}

export interface ReceiverInfo {
  hashAlgorithm: HashAlgorithm;
  tar: string;
  find: string;
}

export function parseReady(record: string): ReceiverInfo | null {
  const match = /^READY podloop-receiver 1 hash=(\w+) tar=(\w+) find=(\w+)$/.exec(record);
  if (!match) return null;
  const hash = match[1] === 'sha1' || match[1] === 'md5' ? match[1] : 'none';
  return { hashAlgorithm: hash, tar: match[2]!, find: match[3]! };
}

// From this much tar on, a batch's tar goes to a `tar -x` of its own instead of through the
// receiver, which cuts it out of its request stream with one more copy of every byte. Below it, a
// second exec costs more than the copy saves.
const OWN_EXTRACTION_BYTES = 8 * 1024 * 1024;

export class ReceiverRemote implements RemoteTree {
  readonly mode = 'receiver' as const;
  readonly lost: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly extractions = new Set<Extraction>();

  private constructor(
    private readonly channel: SyncChannel,
    private readonly reader: RecordReader,
    readonly info: ReceiverInfo,
    private readonly transport: SyncTransport,
    private readonly workDir: string,
  ) {
    this.lost = channel.exited.then(() => {
      reader.fail(new ChannelLostError('the sync receiver exited'));
    });
  }

  get hashAlgorithm(): HashAlgorithm {
    return this.info.hashAlgorithm;
  }

  static async start(
    transport: SyncTransport,
    workDir: string,
    options: { readyTimeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ReceiverRemote> {
    let channel: SyncChannel;
    try {
      channel = await transport.openChannel(receiverCommand(workDir), options.signal);
    } catch (error) {
      throw new ChannelLostError(`could not open the sync channel: ${(error as Error).message}`);
    }
    const reader = new RecordReader(channel.stdout);
    let stderr = '';
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    void channel.exited.then((code) => reader.fail(new ChannelLostError(`the sync receiver exited with code ${code}`)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const first = await Promise.race([
        reader.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in time')), options.readyTimeoutMs ?? 10_000);
        }),
      ]);
      const info = parseReady(first);
      if (!info) throw new Error(`unexpected greeting ${JSON.stringify(first.slice(0, 80))}`);
      return new ReceiverRemote(channel, reader, info, transport, workDir);
    } catch (error) {
      // Killed or cut off (no exit code) is a dropped channel, worth retrying; a command that
      // ran and failed means the receiver cannot work in this container.
      const code = await Promise.race([
        channel.exited,
        new Promise<number>((resolve) => setTimeout(() => resolve(0), 2000).unref()),
      ]);
      channel.close();
      if (code === -1)
        throw new ChannelLostError(
          `the sync channel dropped while the receiver was starting: ${(error as Error).message}`,
        );
      const detail = stderr.trim()
        ? `${(error as Error).message} (${stderr.trim().slice(0, 300)})`
        : (error as Error).message;
      throw new ReceiverUnavailableError(detail);
    } finally {
      clearTimeout(timer);
    }
  }

  manifest(): Promise<Manifest> {
    return this.exclusive(async () => {
      this.send('MANIFEST\n');
      return readManifest(this.reader, 'DONE MANIFEST');
    });
  }

  scan(prune: readonly string[]): Promise<Manifest> {
    return this.exclusive(async () => {
      this.send(`SCAN ${prune.length}\n` + prune.map((path) => path + '\n').join(''));
      return readManifest(this.reader, 'DONE SCAN');
    });
  }

  stat(paths: readonly string[]): Promise<Manifest> {
    if (paths.length === 0) return Promise.resolve(new Map());
    return this.exclusive(async () => {
      this.send(`STAT ${paths.length}\n` + paths.map((path) => path + '\n').join(''));
      return readManifest(this.reader, 'DONE STAT');
    });
  }

  hash(paths: readonly string[]): Promise<Map<string, string>> {
    return this.exclusive(async () => {
      this.send(`HASH ${paths.length}\n` + paths.map((path) => path + '\n').join(''));
      return readHashes(this.reader, 'DONE HASH');
    });
  }

  hashAll(): Promise<Map<string, string>> {
    return this.exclusive(async () => {
      this.send('VERIFY\n');
      return readHashes(this.reader, 'DONE VERIFY');
    });
  }

  applyBatch(root: string, batch: SyncBatch, options: ApplyOptions = {}): Promise<BatchWriteResult> {
    return this.exclusive(async () => {
      if (batch.entries.length === 0 || tarStreamSize(batch.entries) < OWN_EXTRACTION_BYTES)
        return this.sendFrame(root, batch, options, false);
      // Opened while the receiver clears the way; tar writes nothing before it is fed.
      const opening = this.openExtraction(root, batch.id, options);
      opening.catch(() => undefined);
      try {
        await this.sendFrame(root, batch, options, true);
      } catch (error) {
        void opening.then(
          (extraction) => extraction.abort(),
          () => undefined,
        );
        throw error;
      }
      const extraction = await opening;
      for (const entry of batch.entries) await extraction.add(entry);
      return extraction.finish();
    });
  }

  async openExtraction(root: string, batchId: number, options: ApplyOptions = {}): Promise<Extraction> {
    if (this.closed) throw new ChannelLostError('the sync channel was closed');
    const command = extractCommand(this.info.tar, this.workDir);
    const extraction = await openExtraction(this.transport, command, root, batchId, options);
    // Closing the remote stops its extractions too: nothing may land after a session let go.
    this.extractions.add(extraction);
    const forget = (): boolean => this.extractions.delete(extraction);
    return {
      add: (entry) =>
        extraction.add(entry).catch((error: unknown) => {
          forget();
          throw error;
        }),
      finish: () => extraction.finish().finally(forget),
      abort: () => {
        forget();
        extraction.abort();
      },
    };
  }

  /** The batch's removals and directory checks, and its tar too unless an extraction of its own takes it. */
  private async sendFrame(
    root: string,
    batch: SyncBatch,
    options: ApplyOptions,
    tarElsewhere: boolean,
  ): Promise<BatchWriteResult> {
    const acknowledged = this.reader.next();
    // If writing fails the ack can never come; keep that rejection from going unobserved.
    acknowledged.catch(() => undefined);
    let written: BatchWriteResult;
    try {
      const writing = writeBatchFrame(root, batch, this.channel.stdin, { ...options, tarElsewhere });
      writing.catch(() => undefined);
      // A channel that dies mid-write ends the wait at once instead of leaving it to backpressure.
      const lost = acknowledged.then(() => new Promise<never>(() => undefined));
      written = await Promise.race([writing, lost]);
    } catch (error) {
      // A half-written frame leaves the receiver mid-batch: the channel is unusable.
      this.close();
      if (options.signal?.aborted) throw error;
      throw new ChannelLostError(`sync channel failed while sending batch ${batch.id}: ${(error as Error).message}`);
    }
    const ack = await acknowledged;
    const match = /^ACK (\d+) (ok|err)(?: (.*))?$/s.exec(ack);
    if (!match || Number(match[1]) !== batch.id) {
      this.close();
      throw new ChannelLostError(`unexpected answer to sync batch ${batch.id}: ${JSON.stringify(ack.slice(0, 120))}`);
    }
    if (match[2] === 'err') throw new BatchRejectedError(batch.id, match[3] ?? 'unknown error');
    return written;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const extraction of this.extractions) extraction.abort();
    this.extractions.clear();
    this.reader.fail(new ChannelLostError('the sync channel was closed'));
    this.channel.stdin.end();
    this.channel.close();
  }

  private send(text: string): void {
    if (this.closed || this.channel.stdin.destroyed) throw new ChannelLostError();
    this.channel.stdin.write(text);
  }

  // One request at a time: answers are matched to requests by order alone.
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new ChannelLostError('the sync channel was closed');
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
