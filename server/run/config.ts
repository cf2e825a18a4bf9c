// The project configuration of one workload container, for run and debug defaults (run command,
// debug command and language, hot reload). Reads only the local project's config file.
import { loadProjectConfig } from '../config/load.js';
import { findContainerConfig, findWorkloadConfig } from '../config/select.js';
import type { ContainerConfig } from '../config/types.js';
import type { WorkloadTarget } from '../kube/pods.js';

export async function projectContainerConfig(
  workspaceFolder: string | undefined,
  workload: WorkloadTarget,
  container: string | undefined,
): Promise<ContainerConfig | undefined> {
  if (workspaceFolder === undefined) return undefined;
  const project = await loadProjectConfig(workspaceFolder);
  if (project === undefined) return undefined;
  const found = findWorkloadConfig(project, workload);
  return found === undefined ? undefined : findContainerConfig(found, container);
}
