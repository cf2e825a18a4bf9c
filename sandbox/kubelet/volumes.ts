// A pod's volumes as host folders: emptyDir under the pod's folder, configMap/secret projected as
// files, persistentVolumeClaim as a folder that outlives pods, hostPath as given.

import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import type { DownwardAPIProjection, KeyProjection, VolumeSpec } from './spec.js';

export interface PreparedVolume {
  source: string;
  /** configMap and secret volumes are always read-only, as in Kubernetes. */
  forceReadOnly: boolean;
}

export interface VolumeLookups {
  configMap(name: string): { data: Record<string, string>; binaryData: Record<string, string> } | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** A downward API field as its file holds it (labels and annotations as `k="v"` lines). */
  field?(path: string): string | undefined;
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

/** The configMaps and secrets a volume projects. */
export function volumeSources(volume: VolumeSpec): { kind: 'configmaps' | 'secrets'; name: string }[] {
  if (volume.configMap) return [{ kind: 'configmaps', name: volume.configMap.name ?? '' }];
  if (volume.secret) return [{ kind: 'secrets', name: volume.secret.secretName ?? volume.secret.name ?? '' }];
  const out: { kind: 'configmaps' | 'secrets'; name: string }[] = [];
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap) out.push({ kind: 'configmaps', name: source.configMap.name ?? '' });
    if (source.secret) out.push({ kind: 'secrets', name: source.secret.name ?? '' });
  }
  return out;
}

type ProjectedFile = { path: string; content: Buffer; mode: number };

function configMapFiles(
  source: KeyProjection,
  volumeName: string,
  lookups: VolumeLookups,
  problems: string[],
): ProjectedFile[] {
  const name = source.name ?? '';
  const found = lookups.configMap(name);
  if (!found && !source.optional) {
    problems.push(`MountVolume.SetUp failed for volume "${volumeName}" : configmap "${name}" not found`);
  }
  const keys: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(found?.data ?? {})) keys[k] = Buffer.from(v);
  for (const [k, v] of Object.entries(found?.binaryData ?? {})) keys[k] = Buffer.from(v, 'base64');
  return projectKeys(keys, source);
}

function secretFiles(
  source: KeyProjection & { secretName?: string },
  volumeName: string,
  lookups: VolumeLookups,
  problems: string[],
): ProjectedFile[] {
  const name = source.secretName ?? source.name ?? '';
  const found = lookups.secret(name);
  if (!found && !source.optional) {
    problems.push(`MountVolume.SetUp failed for volume "${volumeName}" : secret "${name}" not found`);
  }
  const keys: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(found ?? {})) keys[k] = Buffer.from(v, 'base64');
  return projectKeys(keys, source);
}

function downwardFiles(source: DownwardAPIProjection, defaultMode: number, lookups: VolumeLookups): ProjectedFile[] {
  return (source.items ?? [])
    .filter((item) => item.fieldRef?.fieldPath && !normalize(item.path).startsWith('..') && !item.path.startsWith('/'))
    .map((item) => ({
      path: item.path,
      content: Buffer.from(lookups.field?.(item.fieldRef!.fieldPath!) ?? ''),
      mode: item.mode ?? source.defaultMode ?? defaultMode,
    }));
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
    let files: ProjectedFile[] | undefined;
    if (volume.configMap) files = configMapFiles(volume.configMap, volume.name, lookups, problems);
    else if (volume.secret) files = secretFiles(volume.secret, volume.name, lookups, problems);
    else if (volume.downwardAPI) files = downwardFiles(volume.downwardAPI, 0o644, lookups);
    else if (volume.projected) {
      const mode = volume.projected.defaultMode ?? 0o644;
      files = (volume.projected.sources ?? []).flatMap((source) => {
        if (source.configMap)
          return configMapFiles({ defaultMode: mode, ...source.configMap }, volume.name, lookups, problems);
        if (source.secret) return secretFiles({ defaultMode: mode, ...source.secret }, volume.name, lookups, problems);
        if (source.downwardAPI) return downwardFiles(source.downwardAPI, mode, lookups);
        // Service account tokens: the sandbox issues none (pods cannot reach its API server anyway).
        return [];
      });
    }
    if (files) {
      await writeProjection(dir, files);
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
