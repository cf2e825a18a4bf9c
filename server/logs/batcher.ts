// Batches a stream's lines into `logs/lines` notifications with a bounded buffer: sources that can
// be slowed wait for room, sources that cannot have their overflow counted as dropped, never silently.
import type { LogLine, LogLinesParams } from '../../protocol/logs.js';

export interface BatcherOptions {
  streamId: string;
  /** Sends one batch; resolves when it was written, which frees its room. */
  send(params: LogLinesParams): Promise<void> | void;
  /** Lines buffered at most (queued plus in flight). Default 20,000. */
  maxLines?: number;
  /** Lines per notification at most. Default 2,000. */
  maxBatch?: number;
  /** Quiet time before a partial batch goes out, in ms. Default 50. */
  intervalMs?: number;
}

export class LogBatcher {
  private queue: LogLine[] = [];
  private inFlight = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private ended = false;
  private readonly maxLines: number;
  private readonly maxBatch: number;
  private readonly intervalMs: number;

  constructor(private readonly options: BatcherOptions) {
    this.maxLines = options.maxLines ?? 20_000;
    this.maxBatch = options.maxBatch ?? 2_000;
    this.intervalMs = options.intervalMs ?? 50;
  }

  /** Lines dropped so far over the whole stream. */
  droppedTotal = 0;

  private hasRoom(): boolean {
    return this.queue.length + this.inFlight < this.maxLines;
  }

  /** Adds a line, waiting for room (for sources that honour backpressure). */
  async push(line: LogLine): Promise<void> {
    while (!this.hasRoom() && !this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.add(line);
  }

  /** Whether a line can be added now without waiting. */
  get full(): boolean {
    return !this.hasRoom();
  }

  /** Resolves once there is room again. */
  room(): Promise<void> {
    if (this.hasRoom() || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Adds a line now, or counts it as dropped when the buffer is full. */
  offer(line: LogLine): boolean {
    if (!this.hasRoom()) {
      this.dropped += 1;
      this.droppedTotal += 1;
      this.schedule();
      return false;
    }
    this.add(line);
    return true;
  }

  private add(line: LogLine): void {
    if (this.ended) return;
    this.queue.push(line);
    if (this.queue.length >= this.maxBatch) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  /** Sends what is queued now; at most two batches in flight, so a slow client bounds memory. */
  private flush(end = false): void {
    while (this.queue.length > 0 || this.dropped > 0) {
      if (!end && this.inFlight >= this.maxBatch * 2) return;
      const lines = this.queue.splice(0, this.maxBatch);
      const last = end && this.queue.length === 0;
      this.send(lines, last);
      if (last) return;
    }
    if (end) this.send([], true);
  }

  private send(lines: LogLine[], last: boolean): void {
    const params: LogLinesParams = {
      streamId: this.options.streamId,
      lines,
      ...(last ? { end: true } : {}),
      ...(this.dropped > 0 ? { dropped: this.dropped } : {}),
    };
    this.dropped = 0;
    this.inFlight += lines.length;
    const done = (): void => {
      this.inFlight -= lines.length;
      this.wake();
      if (this.queue.length > 0 && !this.ended) this.schedule();
    };
    try {
      void Promise.resolve(this.options.send(params)).then(done, done);
    } catch {
      done();
    }
  }

  private wake(): void {
    while (this.hasRoom() && this.waiters.length > 0) this.waiters.shift()?.();
  }

  /** Sends the rest with `end: true`; idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush(true);
    for (const wake of this.waiters.splice(0)) wake();
  }
}
