// Test doubles for controller tests: a store with a namespace and the default StorageClass, a kubelet that plays pods through
// their lifecycle (Running+Ready, Succeeded, Failed or stuck Pending), and condition polling.

import { ensureStorageClass } from '../../sandbox/store/seed.js';
import { ObjectStore } from '../../sandbox/store/store.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { KubeObject } from '../../sandbox/store/objects.js';

export const PODS = resourceByPlural('pods');

export type PodOutcome = 'run' | 'succeed' | 'fail' | 'pending';

export function storeWithNamespace(namespace = 'default'): ObjectStore {
  const store = new ObjectStore();
  store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } });
  ensureStorageClass(store);
  return store;
}

/**
 * Plays the kubelet: scheduled pods get the status `outcome` picks, pods being deleted are
 * removed. Work happens on the next tick, as a real kubelet reacts to a watch.
 */
export function fakeKubelet(
  store: ObjectStore,
  outcome: (pod: KubeObject) => PodOutcome = () => 'run',
): { stop(): void } {
  const pending = new Set<string>();
  let scheduled = false;
  let ip = 1;
  let stopped = false;
  const process = (): void => {
    scheduled = false;
    if (stopped) return;
    const keys = [...pending];
    pending.clear();
    for (const key of keys) {
      const [namespace, name] = key.split('/') as [string, string];
      const pod = store.tryGet(PODS, namespace, name);
      if (!pod) continue;
      if (pod.metadata.deletionTimestamp) {
        store.remove(PODS, namespace, name);
        continue;
      }
      const spec = pod.spec as { nodeName?: string };
      const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string }[] };
      if (!spec.nodeName || (status.phase && status.phase !== 'Pending')) continue;
      const result = outcome(pod);
      if (result === 'pending') continue;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const ready = result === 'run' ? 'True' : 'False';
      const conditions = [
        ...(status.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
        { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: now },
        { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: now },
      ];
      const phase = result === 'run' ? 'Running' : result === 'succeed' ? 'Succeeded' : 'Failed';
      store.update(
        PODS,
        {
          ...pod,
          status: {
            ...status,
            phase,
            conditions,
            podIP: `10.244.0.${ip++}`,
            containerStatuses: [{ name: 'app', ready: result === 'run', restartCount: 0 }],
          },
        },
        { subresource: 'status' },
      );
    }
  };
  const unsubscribe = store.watch(PODS, (event) => {
    if (event.type === 'DELETED') return;
    pending.add(`${event.object.metadata.namespace}/${event.object.metadata.name}`);
    if (!scheduled) {
      scheduled = true;
      setImmediate(process);
    }
  });
  return {
    stop: () => {
      stopped = true;
      unsubscribe();
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
