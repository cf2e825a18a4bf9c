// Pure planning of dev end: rebuilds the workload exactly as it was from the podloop.dev/original record
// it carries, so any engine can restore a workload another engine left in dev mode.
import { isDeepStrictEqual } from 'node:util';
import { CorruptSavedOriginalError, DevModeHeldError, NotInDevModeError, UnsupportedWorkloadError } from './errors.js';
import { diffWorkload, type JsonPatchOperation } from './jsonPatch.js';
import { leaseState, parseLease } from './lease.js';
import { podBackupName } from './podBackup.js';
import { stripServerFields } from './serverFields.js';
import { annotationOf, devAnnotations, parseSaved, type SavedOriginal, type SavedValues } from './saved.js';
import type { Workload } from './types.js';
import { podTemplateOf, resolveWorkloadKind, setReplicas, type DevStrategy } from './workloadKinds.js';

export { stripServerFields } from './serverFields.js';

export interface DevEndOptions {
  engineId: string;
  now: Date;
  /** End a session whose lease another engine still renews (`podloop dev reset`). */
  force?: boolean;
}

export interface DevEndPlan {
  strategy: DevStrategy;
  /** Apply to the workload as read (guarded by the spec and annotations as read); empty for a bare Pod. */
  patch: JsonPatchOperation[];
  /** The workload as restored. */
  workload: Workload;
  /** recreatePod: delete the dev pod, then create this one. */
  recreatedPod?: Workload;
  /** Pods to delete: the separate dev pod of a Job or CronJob, or the bare dev Pod before re-creating it. */
  deletePods: string[];
  /** ConfigMaps to delete once the workload is restored: the backup of a bare Pod. */
  deleteConfigMaps: string[];
  /** Claims of persistent dirs; kept on purpose for the next dev session. */
  keptClaims: string[];
  saved: SavedOriginal;
}

/**
 * Plans the restore of a workload in dev mode. With `options`, a lease another engine still renews is
 * refused unless `force`; without, the caller has already decided to restore.
 */
export function planDevEnd(workload: Workload, options?: DevEndOptions): DevEndPlan {
  if (!resolveWorkloadKind(workload.kind)) throw new UnsupportedWorkloadError(workload.kind);
  const text = annotationOf(workload, devAnnotations.original);
  if (text === undefined) throw new NotInDevModeError(workload);
  let saved: SavedOriginal;
  try {
    saved = parseSaved(text);
  } catch (error) {
    throw new CorruptSavedOriginalError(workload, error instanceof Error ? error.message : String(error));
  }
  if (options && !options.force) {
    const leaseText = annotationOf(workload, devAnnotations.lease);
    if (leaseState(leaseText, options.now, options.engineId) === 'held') {
      const lease = parseLease(leaseText);
      throw new DevModeHeldError(workload, lease?.holder, lease?.renewTime, false);
    }
  }
  const restored = restoreWorkload(workload, saved);
  const keptClaims = [...saved.persistentVolumeClaims];
  const deleteConfigMaps = saved.strategy === 'recreatePod' ? [podBackupName(workload.metadata.name)] : [];
  // A bare Pod whose spec never changed (the engine stopped between annotating and replacing it) only loses
  // its annotations; deleting it would be a needless restart.
  if (saved.strategy === 'recreatePod' && !isDeepStrictEqual(restored.spec, workload.spec)) {
    return {
      strategy: saved.strategy,
      patch: [],
      workload: restored,
      recreatedPod: stripServerFields(restored),
      deletePods: [workload.metadata.name],
      deleteConfigMaps,
      keptClaims,
      saved,
    };
  }
  return {
    strategy: saved.strategy,
    patch: diffWorkload(workload, restored),
    workload: restored,
    deletePods: saved.devPodName ? [saved.devPodName] : [],
    deleteConfigMaps,
    keptClaims,
    saved,
  };
}

/** The workload with every dev-mode change undone and the podloop.dev annotations removed. Pure. */
export function restoreWorkload(workload: Workload, saved: SavedOriginal): Workload {
  const info = resolveWorkloadKind(workload.kind);
  if (!info) throw new UnsupportedWorkloadError(workload.kind);
  const restored = structuredClone(workload);
  const annotations = restored.metadata.annotations;
  if (annotations) {
    delete annotations[devAnnotations.original];
    delete annotations[devAnnotations.lease];
    delete annotations[devAnnotations.state];
  }
  if (saved.strategy !== 'separateDevPod') {
    const template = podTemplateOf(restored, info);
    if (template) {
      const containers = template.spec.containers;
      const index = containers.findIndex((c) => c.name === saved.container);
      if (index >= 0) containers[index] = structuredClone(saved.originalContainer);
      else
        containers.splice(
          Math.min(saved.containerIndex, containers.length),
          0,
          structuredClone(saved.originalContainer),
        );

      if (template.spec.volumes) {
        template.spec.volumes = template.spec.volumes.filter((v) => !saved.volumes.added.includes(String(v.name)));
        if (!saved.volumes.hadVolumes && template.spec.volumes.length === 0) delete template.spec.volumes;
      }
      const metadata = template.metadata;
      if (metadata) {
        restoreValues(metadata, 'labels', saved.template.labels, saved.template.hadLabels);
        restoreValues(metadata, 'annotations', saved.template.annotations, saved.template.hadAnnotations);
        if (!saved.template.hadMetadata && Object.keys(metadata).length === 0) {
          delete (podTemplateParent(restored, info.templatePath) as { metadata?: unknown }).metadata;
        }
      }
    }
    if (info.hasReplicas && saved.replicas) setReplicas(restored, info, saved.replicas.value);
  }
  if (
    !saved.hadWorkloadAnnotations &&
    restored.metadata.annotations &&
    Object.keys(restored.metadata.annotations).length === 0
  ) {
    delete restored.metadata.annotations;
  }
  return restored;
}

function restoreValues(
  metadata: Record<string, unknown>,
  key: 'labels' | 'annotations',
  values: SavedValues,
  hadMap: boolean,
): void {
  const map = (metadata[key] ?? {}) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) {
    if (value === null) delete map[name];
    else map[name] = value;
  }
  if (!hadMap && Object.keys(map).length === 0) delete metadata[key];
  else if (metadata[key] === undefined && Object.keys(map).length > 0) metadata[key] = map;
}

function podTemplateParent(workload: Workload, path: readonly string[]): unknown {
  let node: unknown = workload;
  for (const segment of path) node = (node as Record<string, unknown>)[segment];
  return node;
}
