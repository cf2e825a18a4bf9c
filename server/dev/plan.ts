// Pure planning of dev start: from a workload as read and the project config, decides the exact change
// (a guarded JSON patch and/or pods to create), the record of what it changes, the lease and the warnings.
import { isDeepStrictEqual } from 'node:util';
import { defaultDevImage } from '../config/starter.js';
import { configDefaults, type ContainerConfig, type Language } from '../config/types.js';
import { devContainerFrom, selectContainer } from './devContainer.js';
import {
  DevModeHeldError,
  DevPlanError,
  NoDevImageError,
  UnsupportedWorkloadError,
  CorruptSavedOriginalError,
} from './errors.js';
import { findHorizontalPodAutoscaler, hpaWarning } from './hpa.js';
import { diffWorkload, type JsonPatchOperation } from './jsonPatch.js';
import { leaseState, parseLease, renewLease, serializeLease, takeLease, type Lease } from './lease.js';
import { podBackup } from './podBackup.js';
import { planPersistentDirs, type PersistentDirPlan } from './persistentDirs.js';
import { restoreWorkload } from './restore.js';
import { buildDevPod } from './separateDevPod.js';
import { stripServerFields } from './serverFields.js';
import {
  annotationOf,
  devAnnotations,
  devLabels,
  parseSaved,
  serializeSaved,
  type DevState,
  type SavedOriginal,
  type SavedValues,
} from './saved.js';
import { describeWorkload, type Container, type PodSpec, type Workload } from './types.js';
import {
  devPodName,
  ensureTemplateMetadata,
  podTemplateOf,
  readReplicas,
  resolveWorkloadKind,
  setReplicas,
  type DevStrategy,
  type WorkloadKindInfo,
} from './workloadKinds.js';

export { planDevEnd, type DevEndPlan, type DevEndOptions } from './restore.js';
export { devStatePatch, leaseRenewPatch } from './sessionPatches.js';

export interface DevStartOptions {
  /** Identity of this engine; the lease holder. */
  engineId: string;
  now: Date;
  /** The container to develop; default: the config's container name, else the first container. */
  container?: string;
  /** The config entry for this workload's container, already selected. */
  config?: ContainerConfig;
  /** Language detected in the local project; picks the dev image when the config names none. */
  language?: Language;
  /** Overrides the config's image (dev/start `image`). */
  image?: string;
  /** Overrides the config's workDir (dev/start `remoteDir`). */
  workDir?: string;
  /** Take over a workload whose lease is stale. */
  force?: boolean;
  /** The lease's holder is known to be gone (its process died on this machine): take over without force. */
  holderGone?: boolean;
  leaseDurationSeconds?: number;
  /** HorizontalPodAutoscalers in the namespace, as read; one targeting the workload becomes a warning. */
  hpas?: readonly unknown[];
}

/**
 * How to apply a plan, after creating each claim in `persistentDirs` that does not exist yet:
 * controller: apply `patch` (application/json-patch+json); the workload's controller replaces the pod.
 * deletePods: apply `patch`, then delete the old pods (updateStrategy OnDelete updates pods only on delete).
 * recreate: write `podBackup`, apply `patch`, delete the bare Pod, then create `recreatedPod`.
 * createDevPod: apply `patch`, then create `devPod` (deleting a leftover of the same name first).
 * A failed `test` op (HTTP 422) means the workload changed since it was read: read it again and plan again.
 */
export type Rollout = 'controller' | 'deletePods' | 'recreate' | 'createDevPod';

export interface DevStartPlan {
  /** start: a fresh dev session; takeOver: a stale session replaced; alreadyInDevMode: ours already, only the lease renewed. */
  outcome: 'start' | 'takeOver' | 'alreadyInDevMode';
  strategy: DevStrategy;
  rollout: Rollout;
  container: string;
  image: string;
  workDir: string;
  /** Apply to the workload as read (guarded by the spec and annotations as read). For a bare Pod it only records `saved` before the delete. */
  patch: JsonPatchOperation[];
  /** The workload as it is once `patch` is applied. */
  workload: Workload;
  /** recreatePod: the dev Pod to create after deleting the original. */
  recreatedPod?: Workload;
  /** recreatePod: a ConfigMap holding the original Pod; write it before the delete, dev end removes it. */
  podBackup?: Workload;
  /** separateDevPod: the long-running dev pod to create. */
  devPod?: Workload;
  /** The pod spec the dev container runs in. */
  devPodSpec: PodSpec;
  /** Labels that select the dev pod (a superset of the workload's selector). */
  devPodLabels: Record<string, string>;
  /** Claims to create if missing (reused when they exist). */
  persistentDirs: PersistentDirPlan[];
  saved: SavedOriginal;
  lease: Lease;
  warnings: string[];
}

export function planDevStart(input: Workload, options: DevStartOptions): DevStartPlan {
  const info = resolveWorkloadKind(input.kind);
  if (!info) throw new UnsupportedWorkloadError(input.kind);
  const originalText = annotationOf(input, devAnnotations.original);
  const leaseText = annotationOf(input, devAnnotations.lease);
  const state = leaseState(leaseText, options.now, options.engineId);
  const lease = state === 'held' && options.holderGone === true ? 'stale' : state;
  const heldBy = parseLease(leaseText);

  if (lease === 'held') throw new DevModeHeldError(input, heldBy?.holder, heldBy?.renewTime, false);
  if (originalText === undefined) return planFresh(input, input, info, options, 'start', undefined);

  const saved = readSaved(originalText, input);
  if (lease === 'ours') return planAlready(input, info, saved, options);
  if (!options.force && options.holderGone !== true) {
    throw new DevModeHeldError(input, heldBy?.holder, heldBy?.renewTime, true);
  }
  return planFresh(input, restoreWorkload(input, saved), info, options, 'takeOver', saved);
}

/** Plans dev mode from `base` (the workload without dev mode) and diffs against `current` (as read). */
function planFresh(
  current: Workload,
  base: Workload,
  info: WorkloadKindInfo,
  options: DevStartOptions,
  outcome: 'start' | 'takeOver',
  keptSaved: SavedOriginal | undefined,
): DevStartPlan {
  const label = describeWorkload(base);
  const config = options.config;
  const warnings: string[] = [];
  const baseTemplate = podTemplateOf(base, info);
  if (!baseTemplate) throw new UnsupportedWorkloadError(base.kind, `${label} has no pod template`);
  const selected = selectContainer(baseTemplate.spec, base, options.container ?? config?.name);
  const containerName = selected.container.name;

  const language = options.language ?? config?.debug?.language;
  const image = options.image ?? config?.image ?? (language ? defaultDevImage(language) : undefined);
  if (!image) throw new NoDevImageError(base);
  const workDir = options.workDir ?? config?.workDir ?? selected.container.workingDir ?? configDefaults.workDir;

  // The pod spec dev mode edits: the workload's own template, or a copy for a separate dev pod.
  const desired = structuredClone(base);
  const separate = info.strategy === 'separateDevPod';
  const podHolder: Workload = separate ? structuredClone(base) : desired;
  const template = podTemplateOf(podHolder, info)!;
  const metadata = ensureTemplateMetadata(podHolder, info);
  const baseMetadata = baseTemplate.metadata;

  const volumeNames = new Set((template.spec.volumes ?? []).map((v) => String(v.name)));
  const persistentDirs = planPersistentDirs(base, config?.persistentDirs ?? [], volumeNames);
  const workDirVolume = writableWorkDirVolume(selected.container, workDir, persistentDirs, volumeNames);
  if (workDirVolume) {
    warnings.push(
      `container ${containerName} has a read-only root filesystem; podloop mounts an empty volume at ${workDir} so files can sync there`,
    );
  }
  const dev = devContainerFrom(selected.container, {
    image,
    workDir,
    env: config?.env ?? [],
    ...(config?.resources ? { resources: config.resources } : {}),
    mounts: [
      ...persistentDirs.map((dir) => ({ volumeName: dir.volumeName, path: dir.path })),
      ...(workDirVolume ? [{ volumeName: workDirVolume, path: workDir }] : []),
    ],
  });
  warnings.push(...dev.warnings);
  template.spec.containers[selected.index] = dev.container;
  const addedVolumes = [
    ...persistentDirs.map((dir) => ({ name: dir.volumeName, persistentVolumeClaim: { claimName: dir.claimName } })),
    ...(workDirVolume ? [{ name: workDirVolume, emptyDir: {} }] : []),
  ];
  if (addedVolumes.length > 0) template.spec.volumes = [...(template.spec.volumes ?? []), ...addedVolumes];

  const templateLabels: SavedValues = {};
  const templateAnnotations: SavedValues = {};
  setRecorded((metadata.labels ??= {}), templateLabels, devLabels.devMode, 'true');
  setRecorded((metadata.annotations ??= {}), templateAnnotations, devAnnotations.container, containerName);
  setRecorded(metadata.annotations, templateAnnotations, devAnnotations.defaultContainer, containerName);

  const originalReplicas = readReplicas(base, info);
  if (info.hasReplicas) setReplicas(desired, info, 1);

  const recorded: SavedOriginal = {
    version: 1,
    kind: base.kind,
    name: base.metadata.name,
    ...(base.metadata.namespace ? { namespace: base.metadata.namespace } : {}),
    strategy: info.strategy,
    container: containerName,
    containerIndex: selected.index,
    originalContainer: structuredClone(selected.container),
    ...(info.hasReplicas ? { replicas: originalReplicas === undefined ? {} : { value: originalReplicas } } : {}),
    template: separate
      ? { hadMetadata: true, hadLabels: true, hadAnnotations: true, labels: {}, annotations: {} }
      : {
          hadMetadata: info.templatePath.length === 0 || baseMetadata !== undefined,
          hadLabels: baseMetadata?.labels !== undefined,
          hadAnnotations: baseMetadata?.annotations !== undefined,
          labels: templateLabels,
          annotations: templateAnnotations,
        },
    volumes: separate
      ? { hadVolumes: true, added: [] }
      : { hadVolumes: baseTemplate.spec.volumes !== undefined, added: addedVolumes.map((volume) => volume.name) },
    hadWorkloadAnnotations: base.metadata.annotations !== undefined,
    ...(separate ? { devPodName: devPodName(base) } : {}),
    persistentVolumeClaims: persistentDirs.map((dir) => dir.claimName),
    savedAt: options.now.toISOString(),
  };
  // A takeover keeps the record already on the workload unless this plan changes different things.
  const saved =
    keptSaved && isDeepStrictEqual({ ...keptSaved, savedAt: '' }, { ...recorded, savedAt: '' }) ? keptSaved : recorded;
  const newLease = takeLease(options.engineId, options.now, options.leaseDurationSeconds);
  markDevMode(desired, saved, newLease, 'starting');

  const hpa = info.hasReplicas ? findHorizontalPodAutoscaler(options.hpas ?? [], base) : undefined;
  if (hpa) warnings.push(hpaWarning(hpa, base));
  if (info.kind === 'Deployment' && base.spec?.paused === true) {
    warnings.push(`${label} is paused; its dev pod will not roll out until it is resumed`);
  }
  if (info.kind === 'DaemonSet' && persistentDirs.length > 0) {
    warnings.push(`${label} runs a pod per node; a ReadWriteOnce claim for persistent dirs binds to one node only`);
  }

  const plan = {
    outcome,
    strategy: info.strategy,
    container: containerName,
    image,
    workDir,
    devPodSpec: template.spec,
    devPodLabels: { ...(metadata.labels ?? {}) },
    persistentDirs,
    saved,
    lease: newLease,
    warnings,
  };
  if (info.strategy === 'recreatePod') {
    // Record the original on the old pod first, so a crash before the delete still leaves it restorable.
    const annotated = structuredClone(current);
    markDevMode(annotated, saved, newLease, 'starting');
    return {
      ...plan,
      rollout: 'recreate',
      patch: diffWorkload(current, annotated),
      workload: annotated,
      recreatedPod: stripServerFields(desired),
      podBackup: podBackup(base),
    };
  }
  if (separate) {
    const devPod = buildDevPod(base, template.spec, metadata, containerName);
    return {
      ...plan,
      rollout: 'createDevPod',
      devPodLabels: { ...(devPod.metadata.labels ?? {}) },
      patch: diffWorkload(current, desired),
      workload: desired,
      devPod,
    };
  }
  return { ...plan, rollout: rolloutOf(base), patch: diffWorkload(current, desired), workload: desired };
}

/** Already in dev mode under our lease: describe the session, renew the lease, change nothing else. */
function planAlready(
  current: Workload,
  info: WorkloadKindInfo,
  saved: SavedOriginal,
  options: DevStartOptions,
): DevStartPlan {
  const desired = structuredClone(current);
  const previous = parseLease(annotationOf(current, devAnnotations.lease));
  const lease = previous
    ? renewLease(previous, options.now)
    : takeLease(options.engineId, options.now, options.leaseDurationSeconds);
  desired.metadata.annotations = { ...desired.metadata.annotations, [devAnnotations.lease]: serializeLease(lease) };
  const warnings: string[] = [];
  const requested = options.container ?? options.config?.name;
  if (requested !== undefined && requested !== saved.container) {
    warnings.push(
      `${describeWorkload(current)} is already in dev mode on container ${saved.container}; end dev mode to develop ${requested}`,
    );
  }
  if (info.strategy === 'separateDevPod') {
    // The dev pod is a separate object: describe it as planned, so a dev pod deleted meanwhile can be created again.
    const fresh = planFreshOrUndefined(current, saved, info, options);
    if (fresh)
      return {
        ...fresh,
        outcome: 'alreadyInDevMode',
        container: saved.container,
        patch: diffWorkload(current, desired),
        workload: desired,
        persistentDirs: [],
        lease,
        warnings,
      };
  }
  const template = podTemplateOf(current, info);
  const container = template?.spec.containers.find((c) => c.name === saved.container);
  const spec = template?.spec ?? { containers: [] };
  return {
    outcome: 'alreadyInDevMode',
    strategy: info.strategy,
    rollout: info.strategy === 'recreatePod' ? 'recreate' : rolloutOf(current),
    container: saved.container,
    image: container?.image ?? '',
    workDir: container?.workingDir ?? configDefaults.workDir,
    patch: diffWorkload(current, desired),
    workload: desired,
    devPodSpec: structuredClone(spec),
    devPodLabels: { ...(template?.metadata?.labels ?? {}), [devLabels.devMode]: 'true' },
    persistentDirs: [],
    saved,
    lease,
    warnings,
  };
}

/** The dev pod as planned now; undefined when it cannot be planned (no image known), so the caller falls back. */
function planFreshOrUndefined(
  current: Workload,
  saved: SavedOriginal,
  info: WorkloadKindInfo,
  options: DevStartOptions,
): DevStartPlan | undefined {
  try {
    return planFresh(
      current,
      restoreWorkload(current, saved),
      info,
      { ...options, container: saved.container },
      'start',
      saved,
    );
  } catch (error) {
    if (error instanceof DevPlanError) return undefined;
    throw error;
  }
}

/**
 * Sync writes into workDir, which a read-only root filesystem forbids; an emptyDir there makes it writable.
 * Not needed when something is already mounted at or above workDir.
 */
function writableWorkDirVolume(
  container: Container,
  workDir: string,
  persistentDirs: readonly PersistentDirPlan[],
  volumeNames: ReadonlySet<string>,
): string | undefined {
  const securityContext = container.securityContext as { readOnlyRootFilesystem?: unknown } | undefined;
  if (securityContext?.readOnlyRootFilesystem !== true) return undefined;
  const mounted = [
    ...(container.volumeMounts ?? []).map((mount) => String(mount.mountPath)),
    ...persistentDirs.map((dir) => dir.path),
  ];
  if (mounted.some((path) => workDir === path || workDir.startsWith(path.endsWith('/') ? path : `${path}/`)))
    return undefined;
  const taken = new Set([...volumeNames, ...persistentDirs.map((dir) => dir.volumeName)]);
  let name = 'podloop-workdir';
  for (let i = 2; taken.has(name); i++) name = `podloop-workdir-${i}`;
  return name;
}

function markDevMode(workload: Workload, saved: SavedOriginal, lease: Lease, state: DevState): void {
  workload.metadata.annotations = {
    ...workload.metadata.annotations,
    [devAnnotations.original]: serializeSaved(saved),
    [devAnnotations.lease]: serializeLease(lease),
    [devAnnotations.state]: state,
  };
}

/** Sets `key` in `map`, remembering its previous value (null when absent) the first time it is touched. */
function setRecorded(map: Record<string, string>, record: SavedValues, key: string, value: string): void {
  if (!(key in record)) record[key] = Object.hasOwn(map, key) ? map[key]! : null;
  map[key] = value;
}

function rolloutOf(workload: Workload): Rollout {
  const strategy = (workload.spec?.updateStrategy as { type?: unknown } | undefined)?.type;
  return strategy === 'OnDelete' ? 'deletePods' : 'controller';
}

function readSaved(text: string, workload: Workload): SavedOriginal {
  try {
    return parseSaved(text);
  } catch (error) {
    throw new CorruptSavedOriginalError(workload, error instanceof Error ? error.message : String(error));
  }
}
