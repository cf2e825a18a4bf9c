// Container logs in the CRI file format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>` per line), one
// file per container instance: the writer that captures a process's output and the reader behind pods/log.

import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

const startWallNs = BigInt(Date.now()) * 1_000_000n;
const startMonoNs = process.hrtime.bigint();

/** RFC3339Nano with a fixed 9-digit fraction, monotonic within this process. */
export function nanoTimestamp(): string {
  const ns = startWallNs + (process.hrtime.bigint() - startMonoNs);
  const ms = Number(ns / 1_000_000n);
  const fraction = String(ns % 1_000_000_000n).padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  /** The text without its newline; `partial` when the line had none (P tag). */
  text: string;
  partial: boolean;
}

export function formatLogLine(
  stream: 'stdout' | 'stderr',
  text: string,
  partial: boolean,
  time = nanoTimestamp(),
): string {
  return `${time} ${stream} ${partial ? 'P' : 'F'} ${text}\n`;
}

export function parseLogLine(line: string): LogLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([PF]) ?(.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4]! };
}

/** Appends a process's two output streams to one log file, line by line, in arrival order. */
export class LogWriter {
  private readonly out: WriteStream;
  private readonly pending = { stdout: '', stderr: '' };
  private closed = false;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'a' });
    this.out.on('error', () => {
      // A vanished pod folder (deleted pod) must not crash the kubelet.
    });
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    if (this.closed) return;
    const text = this.pending[stream] + chunk.toString();
    const lines = text.split('\n');
    this.pending[stream] = lines.pop() ?? '';
    let out = '';
    for (const line of lines) out += formatLogLine(stream, line, false);
    // Very long unterminated output is flushed as partial lines, as the CRI runtimes do.
    if (this.pending[stream].length > 16 * 1024) {
      out += formatLogLine(stream, this.pending[stream], true);
      this.pending[stream] = '';
    }
    if (out) this.out.write(out);
  }

  /** Flushes unterminated text and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let out = '';
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream]) out += formatLogLine(stream, this.pending[stream], true);
      this.pending[stream] = '';
    }
    await new Promise<void>((resolve) => this.out.end(out, () => resolve()));
  }
}

export interface LogReadOptions {
  follow?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

/** Renders one stored line as the log endpoint sends it. */
function render(line: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${line.time} ` : ''}${line.text}${line.partial ? '' : '\n'}`;
}

/** The earliest time a line may carry to be shown (the later of sinceSeconds and sinceTime). */
function sinceBound(options: LogReadOptions, now = Date.now()): number | undefined {
  const bounds: number[] = [];
  if (options.sinceSeconds !== undefined) bounds.push(now - options.sinceSeconds * 1000);
  if (options.sinceTime) {
    const t = Date.parse(options.sinceTime);
    if (!Number.isNaN(t)) bounds.push(t);
  }
  return bounds.length ? Math.max(...bounds) : undefined;
}

/** Picks the lines to show from a whole file's text (pure; the tail and since filters). */
export function selectLines(text: string, options: LogReadOptions, now = Date.now()): LogLine[] {
  const since = sinceBound(options, now);
  let lines = text
    .split('\n')
    .filter((l) => l.length > 0)
    .map(parseLogLine)
    .filter((l): l is LogLine => l !== undefined);
  if (since !== undefined) lines = lines.filter((l) => Date.parse(l.time) >= since);
  if (options.tailLines !== undefined && options.tailLines >= 0) {
    lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
  }
  return lines;
}

/**
 * A log file as the pods/log body. With `follow` it keeps reading new lines until `isRunning()`
 * turns false and the file is drained.
 */
export function readLogFile(path: string, options: LogReadOptions, isRunning: () => boolean): Readable {
  const timestamps = options.timestamps ?? false;
  let budget = options.limitBytes !== undefined && options.limitBytes > 0 ? options.limitBytes : Infinity;

  async function* generate(): AsyncGenerator<Buffer> {
    const text = await readFile(path, 'utf8').catch(() => '');
    const consumed = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    for (const line of selectLines(text, options)) {
      const chunk = Buffer.from(render(line, timestamps));
      if (chunk.length >= budget) {
        yield chunk.subarray(0, budget);
        return;
      }
      budget -= chunk.length;
      yield chunk;
    }
    if (!options.follow) return;
    let offset = consumed;
    let rest = '';
    const since = sinceBound(options);
    for (;;) {
      const running = isRunning();
      const handle = await open(path, 'r').catch(() => undefined);
      if (handle) {
        try {
          const buffer = Buffer.alloc(64 * 1024);
          for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
            const lines = (rest + buffer.subarray(0, bytesRead).toString()).split('\n');
            rest = lines.pop() ?? '';
            for (const raw of lines) {
              const line = parseLogLine(raw);
              if (!line || (since !== undefined && Date.parse(line.time) < since)) continue;
              const chunk = Buffer.from(render(line, timestamps));
              if (chunk.length >= budget) {
                yield chunk.subarray(0, budget);
                return;
              }
              budget -= chunk.length;
              yield chunk;
            }
          }
        } finally {
          await handle.close();
        }
      }
      // Checked before the read: a container that ended has written its last line already.
      if (!running) return;
      await delay(100);
    }
  }

  return Readable.from(generate(), { objectMode: false });
}
