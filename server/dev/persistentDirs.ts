// Names and manifests for persistent dev directories: one PersistentVolumeClaim per workload and directory,
// named predictably so later dev sessions find and reuse it.
import { createHash } from 'node:crypto';
import type { Workload } from './types.js';
import { devAnnotations, devLabels } from './saved.js';

export interface PersistentDirPlan {
  path: string;
  claimName: string;
  volumeName: string;
  /** The claim to create when none of that name exists yet; an existing claim is reused as it is. */
  claim: Workload;
}

const maxVolumeName = 63;
const maxClaimName = 253;

/** A DNS-label-safe rendering of a path: /home/app/.cache → home-app-cache. */
export function dirSlug(path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'root';
}

export function planPersistentDirs(
  workload: Workload,
  dirs: ReadonlyArray<{ path: string; size: string; storageClass?: string }>,
  takenVolumeNames: ReadonlySet<string>,
): PersistentDirPlan[] {
  const usedSlugs = new Set<string>();
  const taken = new Set(takenVolumeNames);
  return dirs.map((dir) => {
    let slug = dirSlug(dir.path);
    // Two paths can share a slug (/a_b, /a-b); the hash keeps their claims apart.
    if (usedSlugs.has(slug)) slug = `${slug}-${shortHash(dir.path)}`;
    usedSlugs.add(slug);
    const claimName = fit(`${workload.metadata.name}-${slug}`, '-podloop', maxClaimName, dir.path);
    let volumeName = fit(`podloop-${slug}`, '', maxVolumeName, dir.path);
    if (taken.has(volumeName))
      volumeName = fit(`podloop-${slug}`, `-${shortHash(workload.metadata.name + dir.path)}`, maxVolumeName, dir.path);
    taken.add(volumeName);
    return { path: dir.path, claimName, volumeName, claim: claimManifest(workload, claimName, dir) };
  });
}

function claimManifest(
  workload: Workload,
  name: string,
  { path, size, storageClass }: { path: string; size: string; storageClass?: string },
): Workload {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      ...(workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {}),
      labels: { [devLabels.managedBy]: 'podloop' },
      annotations: {
        [devAnnotations.workload]: `${workload.kind}/${workload.metadata.name}`,
        [devAnnotations.dir]: path,
      },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
    },
  };
}

/** `base + suffix`, cutting `base` and adding a hash of `seed` when the whole would exceed `max`. */
function fit(base: string, suffix: string, max: number, seed: string): string {
  if (base.length + suffix.length <= max) return base + suffix;
  const hash = `-${shortHash(seed)}`;
  return base.slice(0, max - suffix.length - hash.length).replace(/-+$/, '') + hash + suffix;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
