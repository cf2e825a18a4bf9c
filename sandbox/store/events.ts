// Records core/v1 Events about objects, as controllers and the kubelet of a real cluster do, so
// `kubectl describe` and podloop's failure reports can show what happened. Repeats are counted.

import type { KubeObject } from './objects.js';
import { resourceByPlural } from './resources.js';
import type { ObjectStore } from './store.js';

export type EventType = 'Normal' | 'Warning';

const EVENTS = resourceByPlural('events');

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function recordEvent(
  store: ObjectStore,
  involved: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  component = 'sandbox',
): void {
  const namespace = involved.metadata.namespace ?? 'default';
  const existing = store
    .list(EVENTS, { namespace })
    .items.find((e) => {
      const io = e.involvedObject as { uid?: string } | undefined;
      return io?.uid === involved.metadata.uid && e.reason === reason && e.message === message;
    });
  try {
    if (existing) {
      existing.count = Number(existing.count ?? 1) + 1;
      existing.lastTimestamp = now();
      store.update(EVENTS, existing);
      return;
    }
    store.create(EVENTS, {
      metadata: { generateName: `${involved.metadata.name}.`, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      source: { component },
      reportingComponent: component,
      reportingInstance: '',
    });
  } catch {
    // Events are best effort: a terminating namespace refuses them, which must not fail the caller.
  }
}
