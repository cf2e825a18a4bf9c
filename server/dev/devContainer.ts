// Picks the container to develop and rewrites it into a dev container: dev image, blocking PID 1, no probes,
// workDir, merged env, config resources and persistent-dir mounts. Pure; the original is never mutated.
import { ContainerSelectionError } from './errors.js';
import type { Container, PodSpec, Workload } from './types.js';

/**
 * PID 1 of the dev container. In a PID namespace, signals without a handler do not reach PID 1, so the
 * trap makes the container stop at once on TERM; sleeping in the background keeps the shell able to react.
 */
export const blockingCommand: readonly string[] = [
  'sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];

export interface SelectedContainer {
  index: number;
  container: Container;
}

/** The named container, or the first one when no name is given. */
export function selectContainer(spec: PodSpec, workload: Workload, requested: string | undefined): SelectedContainer {
  const names = spec.containers.map((c) => c.name);
  if (names.length === 0) throw new ContainerSelectionError(workload, requested, 'noContainers', names);
  if (requested === undefined) return { index: 0, container: spec.containers[0]! };
  const matches = names.flatMap((name, index) => (name === requested ? [index] : []));
  if (matches.length > 1) throw new ContainerSelectionError(workload, requested, 'ambiguous', names);
  const index = matches[0];
  if (index !== undefined) return { index, container: spec.containers[index]! };
  const isInit = (spec.initContainers ?? []).some((c) => c.name === requested);
  throw new ContainerSelectionError(workload, requested, isInit ? 'initContainer' : 'notFound', names);
}

export interface DevContainerSettings {
  image: string;
  workDir: string;
  env: ReadonlyArray<{ name: string; value: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  mounts: ReadonlyArray<{ volumeName: string; path: string }>;
}

export interface DevContainerResult {
  container: Container;
  warnings: string[];
}

export function devContainerFrom(original: Container, settings: DevContainerSettings): DevContainerResult {
  const warnings: string[] = [];
  const dev = structuredClone(original);
  dev.image = settings.image;
  dev.command = [...blockingCommand];
  delete dev.args;
  delete dev.livenessProbe;
  delete dev.readinessProbe;
  delete dev.startupProbe;
  dev.workingDir = settings.workDir;
  if (settings.env.length > 0) dev.env = mergeEnv(dev.env ?? [], settings.env);
  if (settings.resources) dev.resources = structuredClone(settings.resources);
  if (settings.mounts.length > 0) {
    const paths = new Set(settings.mounts.map((m) => m.path));
    const kept = (dev.volumeMounts ?? []).filter((mount) => {
      if (!paths.has(String(mount.mountPath))) return true;
      warnings.push(
        `the persistent dir ${String(mount.mountPath)} replaces the volume ${String(mount.name)} mounted there during dev mode`,
      );
      return false;
    });
    dev.volumeMounts = [...kept, ...settings.mounts.map((m) => ({ name: m.volumeName, mountPath: m.path }))];
  }
  return { container: dev, warnings };
}

/** Config env wins by name and keeps the variable's position; new names are appended in config order. */
function mergeEnv(
  current: NonNullable<Container['env']>,
  extra: ReadonlyArray<{ name: string; value: string }>,
): NonNullable<Container['env']> {
  const merged = current.map((entry) => {
    const override = extra.find((e) => e.name === entry.name);
    return override ? { name: entry.name, value: override.value } : entry;
  });
  for (const entry of extra) {
    if (!current.some((e) => e.name === entry.name)) merged.push({ name: entry.name, value: entry.value });
  }
  return merged;
}
