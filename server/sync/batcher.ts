// Coalesces file events into batches: a batch is ready after a quiet window or when a cap on
// waiting time or size is hit. Time comes from an injectable clock so tests need no sleeps.

export interface Clock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BatcherOptions {
  /** A batch is ready once no event arrived for this long. Default 20 ms. */
  quietMs?: number;
  /** A batch is ready at the latest this long after its first event. Default 200 ms. */
  maxWaitMs?: number;
  /** A batch is ready as soon as it holds this many paths. Default 2000. */
  maxPaths?: number;
  clock?: Clock;
  /** Called once each time the pending batch becomes ready; then call take(). */
  onReady: () => void;
}

export interface TakenBatch {
  paths: string[];
  /** Clock time of the oldest event in the batch: the start of its save-to-landed latency. */
  firstEventAt: number;
}

export class ChangeBatcher {
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly maxPaths: number;
  private readonly clock: Clock;
  private readonly onReady: () => void;
  private pending = new Set<string>();
  private firstEventAt = 0;
  private timer: unknown = null;
  private ready = false;
  private disposed = false;

  constructor(options: BatcherOptions) {
    this.quietMs = options.quietMs ?? 20;
    this.maxWaitMs = options.maxWaitMs ?? 200;
    this.maxPaths = options.maxPaths ?? 2000;
    this.clock = options.clock ?? systemClock;
    this.onReady = options.onReady;
  }

  get size(): number {
    return this.pending.size;
  }

  isReady(): boolean {
    return this.ready && this.pending.size > 0;
  }

  add(path: string): void {
    if (this.disposed) return;
    const now = this.clock.now();
    if (this.pending.size === 0) this.firstEventAt = now;
    this.pending.add(path);
    if (this.ready) return;
    const waited = now - this.firstEventAt;
    if (this.pending.size >= this.maxPaths || waited >= this.maxWaitMs) {
      this.markReady();
      return;
    }
    this.cancelTimer();
    this.timer = this.clock.setTimer(() => this.onTimer(), Math.min(this.quietMs, this.maxWaitMs - waited));
  }

  /** Hands over everything pending (ready or not) and starts a new batch. */
  take(): TakenBatch | null {
    this.cancelTimer();
    this.ready = false;
    if (this.pending.size === 0) return null;
    const batch = { paths: [...this.pending], firstEventAt: this.firstEventAt };
    this.pending = new Set();
    return batch;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
    this.pending.clear();
  }

  private onTimer(): void {
    this.timer = null;
    if (this.disposed || this.pending.size === 0) return;
    this.markReady();
  }

  private markReady(): void {
    this.cancelTimer();
    this.ready = true;
    this.onReady();
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimer(this.timer);
      this.timer = null;
    }
  }
}
