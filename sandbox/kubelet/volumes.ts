// A pod's volumes as host folders: emptyDir under the pod's folder, configMap/secret projected as
// files, persistentVolumeClaim as a folder that outlives pods, hostPath as given.

import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import type { KeyProjection, VolumeSpec } from './spec.js';

export interface PreparedVolume {
  source: string;
  /** configMap and secret volumes are always read-only, as in Kubernetes. */
  forceReadOnly: boolean;
}

export interface VolumeLookups {
  configMap(name: string): { data: Record<string, string>; binaryData: Record<string, string> } | undefined;
  secret(name: string): Record<string, string> | undefined;
}

/** Keys → relative file paths, honouring `items` (pure). */
export function projectKeys(
  keys: Record<string, Buffer>,
  projection: KeyProjection,
): { path: string; content: Buffer; mode: number }[] {
  const defaultMode = projection.defaultMode ?? 0o644;
  const items = projection.items?.length
    ? projection.items
        .filter((i) => keys[i.key] !== undefined)
        .map((i) => ({ key: i.key, path: i.path, mode: i.mode ?? defaultMode }))
    : Object.keys(keys).map((key) => ({ key, path: key, mode: defaultMode }));
  return items
    .filter((i) => !normalize(i.path).startsWith('..') && !i.path.startsWith('/'))
    .map((i) => ({ path: i.path, content: keys[i.key]!, mode: i.mode }));
}

/** Writes each file whole (temp + rename, so readers never see half a file) and drops stale entries. */
async function writeProjection(dir: string, files: { path: string; content: Buffer; mode: number }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${basename(target)}.tmp`);
    await writeFile(temp, file.content);
    await chmod(temp, file.mode & 0o777);
    await rename(temp, target);
  }
  const wanted = new Set(files.map((f) => normalize(f.path).split('/')[0]));
  for (const entry of await readdir(dir)) {
    if (!wanted.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

/** The configMap or secret a volume projects, if any. */
export function volumeSource(volume: VolumeSpec): { kind: 'configmaps' | 'secrets'; name: string } | undefined {
  if (volume.configMap) return { kind: 'configmaps', name: volume.configMap.name ?? '' };
  if (volume.secret) return { kind: 'secrets', name: volume.secret.secretName ?? volume.secret.name ?? '' };
  return undefined;
}

/**
 * Creates every volume's folder. Returns the folders by volume name and the problems worth a
 * FailedMount event (a missing configMap or secret that is not optional).
 */
export async function prepareVolumes(
  podDir: string,
  stateDir: string,
  namespace: string,
  volumes: VolumeSpec[],
  lookups: VolumeLookups,
): Promise<{ volumes: Map<string, PreparedVolume>; problems: string[] }> {
  const prepared = new Map<string, PreparedVolume>();
  const problems: string[] = [];
  for (const volume of volumes) {
    const dir = join(podDir, 'volumes', volume.name);
    if (volume.configMap) {
      const name = volume.configMap.name ?? '';
      const found = lookups.configMap(name);
      if (!found && !volume.configMap.optional)
        problems.push(`MountVolume.SetUp failed for volume "${volume.name}" : configmap "${name}" not found`);
      const keys: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(found?.data ?? {})) keys[k] = Buffer.from(v);
      for (const [k, v] of Object.entries(found?.binaryData ?? {})) keys[k] = Buffer.from(v, 'base64');
      await writeProjection(dir, projectKeys(keys, volume.configMap));
      prepared.set(volume.name, { source: dir, forceReadOnly: true });
    } else if (volume.secret) {
      const name = volume.secret.secretName ?? volume.secret.name ?? '';
      const found = lookups.secret(name);
      if (!found && !volume.secret.optional)
        problems.push(`MountVolume.SetUp failed for volume "${volume.name}" : secret "${name}" not found`);
      const keys: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(found ?? {})) keys[k] = Buffer.from(v, 'base64');
      await writeProjection(dir, projectKeys(keys, volume.secret));
      prepared.set(volume.name, { source: dir, forceReadOnly: true });
    } else if (volume.persistentVolumeClaim?.claimName) {
      const claim = volume.persistentVolumeClaim.claimName;
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(claim)) continue;
      const source = join(stateDir, 'pvcs', namespace, claim);
      await mkdir(source, { recursive: true });
      prepared.set(volume.name, { source, forceReadOnly: volume.persistentVolumeClaim.readOnly ?? false });
    } else if (volume.hostPath?.path) {
      await mkdir(volume.hostPath.path, { recursive: true }).catch(() => undefined);
      prepared.set(volume.name, { source: volume.hostPath.path, forceReadOnly: false });
    } else {
      // emptyDir, and any volume type the sandbox does not model, is an empty folder of the pod.
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      prepared.set(volume.name, { source: dir, forceReadOnly: false });
    }
  }
  return { volumes: prepared, problems };
}
