// Finds the workloads of one namespace that are in dev mode, by their podloop.dev annotations, whoever
// holds them: what dev/status adds to the sessions this engine knows from memory.
import type { DevSessionInfo } from '../../protocol/dev.js';
import type { KubeObjects, ObjectKind } from '../kube/objects.js';
import { readDevMode } from './devModeInfo.js';
import { isWorkload } from './types.js';

const kinds: ObjectKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob'];

export async function findDevSessions(
  objects: KubeObjects,
  namespace: string,
  engineId: string,
  signal: AbortSignal,
): Promise<DevSessionInfo[]> {
  const lists = await Promise.all(kinds.map((kind) => objects.list(kind, namespace, signal)));
  const now = new Date();
  return kinds.flatMap((kind, i) =>
    (lists[i] ?? []).flatMap((item): DevSessionInfo[] => {
      // Items of a list carry no kind of their own.
      const workload: unknown = typeof item === 'object' && item !== null ? { ...item, kind } : undefined;
      const mode = isWorkload(workload) ? readDevMode(workload, engineId, now) : undefined;
      if (!mode) return [];
      return [
        {
          workload: mode.workload,
          container: mode.container ?? '',
          phase: mode.state === 'ending' ? 'ending' : mode.state === 'running' ? 'running' : 'starting',
          holder: mode.lease?.holder ?? '',
          ownedByThisEngine: mode.leaseState === 'ours',
          ...(mode.leaseState === 'stale'
            ? { message: 'the lease is stale: its engine is gone; dev end or dev reset restores it' }
            : {}),
        },
      ];
    }),
  );
}
