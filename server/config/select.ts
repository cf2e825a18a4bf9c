// Finds the configuration that applies to one workload container in a project configuration.
import type { ContainerConfig, ProjectConfig, WorkloadConfig } from './types.js';

export interface WorkloadRef {
  kind: string;
  name: string;
  namespace?: string;
}

/** The entry for a workload: kind compared case-insensitively; an entry without namespace matches any. */
export function findWorkloadConfig(config: ProjectConfig, ref: WorkloadRef): WorkloadConfig | undefined {
  return config.workloads.find(
    (w) =>
      w.kind.toLowerCase() === ref.kind.toLowerCase() &&
      w.name === ref.name &&
      (w.namespace === undefined || ref.namespace === undefined || w.namespace === ref.namespace),
  );
}

/**
 * The container entry: by name when a container is requested, else the first entry (which then also names
 * the container to develop, if it has a name). An unnamed entry applies to whichever container is chosen.
 */
export function findContainerConfig(
  workload: WorkloadConfig,
  container: string | undefined,
): ContainerConfig | undefined {
  if (container === undefined) return workload.containers[0];
  return workload.containers.find((c) => c.name === container) ?? workload.containers.find((c) => c.name === undefined);
}
