// Expires Events an hour after they last happened, as the API server's event TTL does, so the
// event list (which every new event is compared against) stays small in a long-lived sandbox.

import type { KubeObject } from '../store/objects.js';
import { resourceByPlural } from '../store/resources.js';
import type { ControllerContext } from './context.js';
import type { Controller } from './queue.js';

const EVENTS = resourceByPlural('events');
const TTL_MS = 3600_000;
const SWEEP_EVERY_MS = 300_000;

function lastSeen(event: KubeObject): number {
  const candidates = [event.lastTimestamp, event.eventTime, event.firstTimestamp, event.metadata.creationTimestamp];
  for (const value of candidates) {
    const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(parsed)) return parsed;
  }
  return 0;
}

export function eventTtlController(ctx: ControllerContext): Controller {
  return {
    name: 'event-ttl',
    watches: [],
    initialKeys: () => ['sweep'],
    reconcile() {
      const cutoff = ctx.now().getTime() - TTL_MS;
      for (const event of ctx.store.list(EVENTS).items) {
        if (lastSeen(event) >= cutoff) continue;
        try {
          ctx.store.remove(EVENTS, event.metadata.namespace, event.metadata.name);
        } catch {
          // Already gone.
        }
      }
      return { requeueAfterMs: SWEEP_EVERY_MS };
    },
  };
}
