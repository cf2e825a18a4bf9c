// Chooses the configuration for one workload container: the local project's .podloop/config.yaml first,
// else the podloop.dev/config annotation the workload ships with.
import { configAnnotation, parseConfigText } from './load.js';
import { findContainerConfig, findWorkloadConfig } from './select.js';
import type { ContainerConfig, ProjectConfig } from './types.js';

export interface WorkloadIdentity {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

export interface ResolvedContainerConfig {
  config: ContainerConfig | undefined;
  source: 'project' | 'annotation' | 'none';
}

/** "annotation podloop.dev/config on Deployment shop/web": how errors in annotation config name their source. */
export function annotationSourceName(workload: WorkloadIdentity): string {
  const { name, namespace } = workload.metadata;
  return `annotation ${configAnnotation} on ${workload.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Throws ConfigError when the annotation is present but invalid; a project entry for the workload wins over it. */
export function containerConfigFor(
  project: ProjectConfig | undefined,
  workload: WorkloadIdentity,
  container: string | undefined,
): ResolvedContainerConfig {
  const ref = { kind: workload.kind, name: workload.metadata.name, ...optionalNamespace(workload) };
  const fromProject = project ? findWorkloadConfig(project, ref) : undefined;
  if (fromProject) return { config: findContainerConfig(fromProject, container), source: 'project' };
  const text = workload.metadata.annotations?.[configAnnotation];
  if (text === undefined) return { config: undefined, source: 'none' };
  const fromAnnotation = findWorkloadConfig(parseConfigText(text, annotationSourceName(workload)), ref);
  return fromAnnotation
    ? { config: findContainerConfig(fromAnnotation, container), source: 'annotation' }
    : { config: undefined, source: 'none' };
}

function optionalNamespace(workload: WorkloadIdentity): { namespace?: string } {
  return workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {};
}
