// Finds a HorizontalPodAutoscaler that scales a workload, so dev mode can warn that it may fight replicas: 1.
// Reports only; podloop never modifies an HPA.
import type { Workload } from './types.js';
import { describeWorkload } from './types.js';

export interface HorizontalPodAutoscalerRef {
  name: string;
  minReplicas?: number;
  maxReplicas?: number;
}

/** The first HPA (autoscaling/v1 or v2, as plain objects) whose scaleTargetRef names the workload. */
export function findHorizontalPodAutoscaler(
  hpas: readonly unknown[],
  workload: Workload,
): HorizontalPodAutoscalerRef | undefined {
  const namespace = workload.metadata.namespace;
  const workloadGroup = apiGroup(workload.apiVersion);
  for (const hpa of hpas) {
    if (typeof hpa !== 'object' || hpa === null) continue;
    const { metadata, spec } = hpa as {
      metadata?: { name?: unknown; namespace?: unknown };
      spec?: Record<string, unknown>;
    };
    if (typeof metadata?.name !== 'string' || !spec) continue;
    if (namespace !== undefined && metadata.namespace !== undefined && metadata.namespace !== namespace) continue;
    const target = spec.scaleTargetRef as { kind?: unknown; name?: unknown; apiVersion?: unknown } | undefined;
    if (target?.kind !== workload.kind || target.name !== workload.metadata.name) continue;
    if (typeof target.apiVersion === 'string' && workload.apiVersion && apiGroup(target.apiVersion) !== workloadGroup)
      continue;
    return {
      name: metadata.name,
      ...(typeof spec.minReplicas === 'number' ? { minReplicas: spec.minReplicas } : {}),
      ...(typeof spec.maxReplicas === 'number' ? { maxReplicas: spec.maxReplicas } : {}),
    };
  }
  return undefined;
}

export function hpaWarning(hpa: HorizontalPodAutoscalerRef, workload: Workload): string {
  const range =
    hpa.minReplicas !== undefined || hpa.maxReplicas !== undefined
      ? ` (${hpa.minReplicas ?? 1}-${hpa.maxReplicas ?? '?'} replicas)`
      : '';
  return `HorizontalPodAutoscaler ${hpa.name}${range} scales ${describeWorkload(workload)}; it may scale the dev workload beyond 1 replica. podloop leaves it unchanged.`;
}

function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
