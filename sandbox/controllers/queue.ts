// The control loop every controller runs in: store changes become keys in a coalescing work queue,
// drained on the next turn of the event loop; failed or time-based work is retried by timer.

import { ApiError } from '../store/errors.js';
import type { ObjectStore, WatchEvent, WatchListener } from '../store/store.js';
import type { ResourceType } from '../store/resources.js';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (time-based conditions). */
  requeueAfterMs?: number;
}

export interface Controller {
  name: string;
  /** The changes that concern this controller, mapped to the keys to reconcile. */
  watches: { resource: ResourceType; keysFor(event: WatchEvent): string[] }[];
  /** Every key that exists now (start-up and resync). */
  initialKeys(): string[];
  reconcile(key: string): ReconcileResult | void;
}

const MAX_BACKOFF_MS = 30_000;

export type Subscribe = (resource: ResourceType, listener: WatchListener) => () => void;

/**
 * One store subscription per resource shared by every controller: the store copies each event
 * per listener, and the controllers only read events, so one copy serves them all.
 */
export function sharedWatches(store: ObjectStore): Subscribe {
  const hubs = new Map<string, { listeners: Set<WatchListener>; unsubscribe: () => void }>();
  return (resource, listener) => {
    let hub = hubs.get(resource.plural);
    if (!hub) {
      const listeners = new Set<WatchListener>();
      const unsubscribe = store.watch(resource, (event) => {
        for (const each of [...listeners]) {
          try {
            each(event);
          } catch {
            // One controller's failing key mapping must not hide the event from the others.
          }
        }
      });
      hub = { listeners, unsubscribe };
      hubs.set(resource.plural, hub);
    }
    const current = hub;
    current.listeners.add(listener);
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        current.unsubscribe();
        hubs.delete(resource.plural);
      }
    };
  };
}

/** Runs one controller: one queue, one timer per delayed key, no work while nothing changes. */
export class ControllerLoop {
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly unsubscribes: (() => void)[] = [];
  private drainScheduled = false;
  private stopped = false;

  constructor(
    private readonly subscribe: Subscribe,
    private readonly controller: Controller,
    private readonly onError: (controller: string, key: string, error: unknown) => void,
  ) {}

  start(): void {
    for (const watch of this.controller.watches) {
      this.unsubscribes.push(
        this.subscribe(watch.resource, (event) => {
          for (const key of watch.keysFor(event)) this.add(key);
        }),
      );
    }
    this.resync();
  }

  resync(): void {
    for (const key of this.controller.initialKeys()) this.add(key);
  }

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.dirty.clear();
  }

  private drain(): void {
    this.drainScheduled = false;
    if (this.stopped) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      if (this.stopped) return;
      this.run(key);
    }
  }

  private run(key: string): void {
    try {
      const result = this.controller.reconcile(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const attempts = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempts);
      // A stale read (409) or a vanished object (404) is normal concurrency: retry at once a few
      // times; anything else backs off so a persistent failure never spins.
      const benign = error instanceof ApiError && (error.code === 409 || error.code === 404);
      if (benign && attempts <= 3) {
        this.add(key);
        return;
      }
      // 403 is a namespace being terminated: expected until the namespace is gone.
      const quiet = benign || (error instanceof ApiError && error.code === 403);
      if (!quiet) this.onError(this.controller.name, key, error);
      this.addAfter(key, Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempts, 10)));
    }
  }
}
