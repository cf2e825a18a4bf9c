// The container side when the receiver cannot run: one plain exec per request (`tar -x` per
// batch, `rm -rf` for removals, `find -printf` for the manifest). Slower, same results.

import { posix } from 'node:path';
import { fetchGroups } from './containerPull.js';
import type { Manifest } from './manifest.js';
import { ChannelLostError, readHashes, readManifest, RecordReader } from './receiverProtocol.js';
import { BatchRejectedError, type ApplyOptions, type RemoteTree } from './remoteTree.js';
import { writeTar, type BatchWriteResult, type SyncBatch } from './tarBatch.js';
import type { SyncChannel, SyncTransport } from './transport.js';

// Fixed scripts; paths travel as separate argv entries, never inside the script text.
const HASH_SCRIPT = 'cd -- "$1" && shift && exec sha1sum -z -- "$@"';
const HASH_ALL_SCRIPT = 'cd -- "$1" && find . -type f -print0 | xargs -0 -r sha1sum -z';
const STAT_SCRIPT = `cd -- "$1" && shift && exec find "$@" -maxdepth 0 -printf '%y %m %s %T@ %p\\0%l\\0'`;
// Two-way removals: the listed paths only, a folder only when empty (one refilled meanwhile stays).
const REMOVE_LISTED_SCRIPT = `cd -- "$1" && shift && failed=0 && for path do
if [ -d "$path" ] && [ ! -h "$path" ]; then
rmdir -- "$path" 2>/dev/null || [ -n "$(find "$path" -mindepth 1 -maxdepth 1 | head -n 1)" ] || { echo "cannot remove $path" >&2; failed=1; }
else rm -f -- "$path" || failed=1; fi
done; exit $failed`;

interface Finished {
  code: number;
  stderr: string;
}

export class TarFallbackRemote implements RemoteTree {
  readonly mode = 'tar-fallback' as const;
  readonly hashAlgorithm = 'sha1' as const;
  readonly lost = new Promise<void>(() => undefined);
  private readonly open = new Set<SyncChannel>();
  private closed = false;
  private workDirMade = false;

  constructor(
    private readonly transport: SyncTransport,
    private readonly workDir: string,
  ) {}

  async manifest(signal?: AbortSignal): Promise<Manifest> {
    return this.scan([], signal);
  }

  async scan(prune: readonly string[], signal?: AbortSignal): Promise<Manifest> {
    const format = '%y %m %s %T@ %P\\0%l\\0';
    // find reads -path as a pattern: a workDir with glob characters is scanned whole.
    const paths = /[*?[\]\\]/.test(this.workDir) ? [] : prune.map((path) => posix.join(this.workDir, path));
    const skip =
      paths.length === 0
        ? []
        : ['(', ...paths.flatMap((path, i) => [...(i > 0 ? ['-o'] : []), '-path', path]), ')', '-prune', '-o'];
    return this.run(['find', this.workDir, '-mindepth', '1', ...skip, '-printf', format], signal, (reader) =>
      readManifest(reader, null),
    );
  }

  async stat(paths: readonly string[], signal?: AbortSignal): Promise<Manifest> {
    if (paths.length === 0) return new Map();
    const command = ['sh', '-c', STAT_SCRIPT, 'podloop', this.workDir, ...paths.map((path) => `./${path}`)];
    return this.run(command, signal, (reader) => readManifest(reader, null));
  }

  async hash(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    if (paths.length === 0) return new Map();
    return this.run(['sh', '-c', HASH_SCRIPT, 'podloop', this.workDir, ...paths], signal, (reader) =>
      readHashes(reader, null),
    );
  }

  async hashAll(signal?: AbortSignal): Promise<Map<string, string>> {
    const channel = await this.openChannel(['sh', '-c', HASH_ALL_SCRIPT, 'podloop', this.workDir], signal);
    channel.stdin.end();
    channel.stderr.resume();
    const hashes = await readHashes(new RecordReader(channel.stdout), null);
    // Without these tools every file would look different; say so instead.
    if ((await channel.exited) !== 0) throw new Error('verify needs sh, find, xargs and sha1sum -z in the container');
    return hashes;
  }

  async applyBatch(root: string, batch: SyncBatch, options: ApplyOptions = {}): Promise<BatchWriteResult> {
    const signal = options.signal;
    // A listed removal names every path below a removed folder: several execs keep each argv small.
    const groups = batch.listedOnly ? fetchGroups(batch.remove) : batch.remove.length > 0 ? [batch.remove] : [];
    for (const group of groups) {
      const command = batch.listedOnly
        ? ['sh', '-c', REMOVE_LISTED_SCRIPT, 'podloop', this.workDir, ...group.map((path) => `./${path}`)]
        : ['rm', '-rf', '--', ...group.map((path) => posix.join(this.workDir, path))];
      const removed = await this.exec(command, signal);
      if (removed.code !== 0) throw new BatchRejectedError(batch.id, `rm: ${removed.stderr.trim()}`);
    }
    if (batch.entries.length === 0) return { tarBytes: 0, changedWhileSending: [] };
    if (!this.workDirMade) {
      const made = await this.exec(['mkdir', '-p', '--', this.workDir], signal);
      if (made.code !== 0) throw new BatchRejectedError(batch.id, `mkdir ${this.workDir}: ${made.stderr.trim()}`);
      this.workDirMade = true;
    }
    let written: BatchWriteResult = { tarBytes: 0, changedWhileSending: [] };
    const result = await this.exec(
      ['tar', '-x', '-p', '--no-same-owner', '-f', '-', '-C', this.workDir],
      signal,
      async (channel) => {
        written = await writeTar(root, batch.entries, channel.stdin, options);
        channel.stdin.end();
      },
    );
    if (result.code !== 0) throw new BatchRejectedError(batch.id, `tar: ${result.stderr.trim()}`);
    return written;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.open) channel.close();
  }

  private async openChannel(command: string[], signal?: AbortSignal): Promise<SyncChannel> {
    if (this.closed) throw new ChannelLostError('the sync channel was closed');
    try {
      const channel = await this.transport.openChannel(command, signal);
      this.open.add(channel);
      void channel.exited.finally(() => this.open.delete(channel));
      return channel;
    } catch (error) {
      throw new ChannelLostError(`could not run ${command[0]} in the container: ${(error as Error).message}`);
    }
  }

  private async run<T>(
    command: string[],
    signal: AbortSignal | undefined,
    read: (reader: RecordReader) => Promise<T>,
  ): Promise<T> {
    const channel = await this.openChannel(command, signal);
    channel.stdin.end();
    channel.stderr.resume();
    const result = await read(new RecordReader(channel.stdout));
    await channel.exited;
    return result;
  }

  private async exec(
    command: string[],
    signal?: AbortSignal,
    feed?: (channel: SyncChannel) => Promise<void>,
  ): Promise<Finished> {
    const channel = await this.openChannel(command, signal);
    let stderr = '';
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    channel.stdout.resume();
    if (feed) await feed(channel);
    else channel.stdin.end();
    return { code: await channel.exited, stderr };
  }
}
