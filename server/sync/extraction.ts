// A `tar -x` running in the container on a channel of its own, fed entry by entry and read to the
// end of its stdin, as `tar c | kubectl exec -i -- tar x` is: no framing, no copy of each byte by
// the receiver. Used for large batches and for the entries an initial sync can send at once.

import type { Entry } from './manifest.js';
import { ChannelLostError } from './receiverProtocol.js';
import { BatchRejectedError, type ApplyOptions } from './remoteTree.js';
import { tarWriter, type BatchWriteResult } from './tarBatch.js';
import type { SyncChannel, SyncTransport } from './transport.js';

export interface Extraction {
  /** Sends one entry; rejects when tar ended early or the channel failed. */
  add(entry: Entry): Promise<void>;
  /** Ends the archive and resolves once tar exited successfully. */
  finish(): Promise<BatchWriteResult>;
  /** Stops tar without finishing; idempotent. */
  abort(): void;
}

/** tar reading an archive from stdin into `workDir`, with GNU or busybox flags. */
export function extractCommand(tarKind: string, workDir: string): string[] {
  const keep = tarKind === 'gnu' ? ['-p', '--no-same-owner'] : ['-o'];
  return ['tar', '-x', ...keep, '-f', '-', '-C', workDir];
}

function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ').slice(0, 400);
}

/** Opens the channel; entries written go to `workDir` as batch `batchId`. */
export async function openExtraction(
  transport: SyncTransport,
  command: string[],
  root: string,
  batchId: number,
  options: ApplyOptions = {},
): Promise<Extraction> {
  let channel: SyncChannel;
  try {
    channel = await transport.openChannel(command, options.signal);
  } catch (error) {
    throw new ChannelLostError(`could not start tar in the container: ${(error as Error).message}`);
  }
  let stderr = '';
  channel.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  channel.stdout.resume();
  const writer = tarWriter(root, channel.stdin, options);
  // tar failing before the archive ended (a full disk, a path it refused) must stop the writer at
  // once instead of leaving it waiting on backpressure. Success can only follow the end blocks, and
  // may be seen before the last write settled: the writer then finishes on its own.
  const endedEarly = channel.exited.then((code) => {
    if (code === 0) return new Promise<never>(() => undefined);
    throw failure(code, 'tar ended before the archive did');
  });
  endedEarly.catch(() => undefined);
  let finished = false;

  function failure(code: number, fallback: string): Error {
    if (options.signal?.aborted)
      return options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted');
    if (code > 0) return new BatchRejectedError(batchId, `tar: ${oneLine(stderr) || `exit code ${code}`}`);
    return new ChannelLostError(`sync batch ${batchId}: ${fallback}`);
  }

  async function guarded<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    try {
      return await Promise.race([work, endedEarly]);
    } catch (error) {
      channel.close();
      if (error instanceof BatchRejectedError || error instanceof ChannelLostError) throw error;
      throw failure(await channel.exited, `the channel failed: ${(error as Error).message}`);
    }
  }

  return {
    add: (entry) => guarded(writer.add(entry)),
    async finish() {
      const written = await guarded(writer.finish());
      finished = true;
      channel.stdin.end();
      const code = await channel.exited;
      if (code !== 0) throw failure(code, 'tar ended without an exit code');
      return written;
    },
    abort() {
      if (!finished) channel.close();
    },
  };
}
