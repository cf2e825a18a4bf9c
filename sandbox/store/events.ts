// Records core/v1 Events about objects, as controllers and the kubelet of a real cluster do, so
// `kubectl describe` and podloop's failure reports can show what happened. A recorder remembers
// which Event holds each (object, reason, message), so a repeat bumps its count without a scan.

import type { KubeObject } from './objects.js';
import { resourceByPlural } from './resources.js';
import type { ObjectStore } from './store.js';

export type EventType = 'Normal' | 'Warning';
export type RecordEvent = (
  involved: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  component: string,
) => void;

const EVENTS = resourceByPlural('events');
/** Forget everything past this many remembered events; a miss only costs a new Event. */
const MEMORY_LIMIT = 5000;

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function eventRecorder(store: ObjectStore, now: () => Date = () => new Date()): RecordEvent {
  const remembered = new Map<string, { namespace: string; name: string }>();
  return (involved, type, reason, message, component) => {
    const namespace = involved.metadata.namespace ?? 'default';
    const key = `${involved.metadata.uid}\n${reason}\n${message}`;
    const stamp = timestamp(now());
    try {
      const known = remembered.get(key);
      const existing = known ? store.tryGet(EVENTS, known.namespace, known.name) : undefined;
      if (existing) {
        store.update(EVENTS, { ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: stamp });
        return;
      }
      const created = store.create(EVENTS, {
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
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component },
        reportingComponent: component,
        reportingInstance: '',
      });
      if (remembered.size >= MEMORY_LIMIT) remembered.clear();
      remembered.set(key, { namespace, name: created.metadata.name });
    } catch {
      // Events are best effort: a terminating namespace refuses them, which must not fail the caller.
    }
  };
}
