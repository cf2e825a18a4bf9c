// Per workload kind: where its pod template lives, how its replicas are read and set, and which dev-mode
// strategy applies. Pure lookups over plain objects; the only place that knows the shape of each kind.
import type { PodTemplate, Workload } from './types.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'Job' | 'CronJob';

/**
 * patchInPlace: the workload's pod template is patched and its controller rolls the pod.
 * recreatePod: a bare Pod's spec is immutable, so it is deleted and created again with the dev spec.
 * separateDevPod: a Job or CronJob runs to completion, so a long-running pod is built from its template.
 */
export type DevStrategy = 'patchInPlace' | 'recreatePod' | 'separateDevPod';

export interface WorkloadKindInfo {
  kind: WorkloadKind;
  apiVersion: string;
  strategy: DevStrategy;
  /** Path of the pod template from the object root; empty for a Pod, whose own metadata and spec play that role. */
  templatePath: readonly string[];
  hasReplicas: boolean;
}

export const workloadKinds: Readonly<Record<WorkloadKind, WorkloadKindInfo>> = {
  Deployment: {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    strategy: 'patchInPlace',
    templatePath: ['spec', 'template'],
    hasReplicas: true,
  },
  StatefulSet: {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    strategy: 'patchInPlace',
    templatePath: ['spec', 'template'],
    hasReplicas: true,
  },
  DaemonSet: {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    strategy: 'patchInPlace',
    templatePath: ['spec', 'template'],
    hasReplicas: false,
  },
  Pod: { kind: 'Pod', apiVersion: 'v1', strategy: 'recreatePod', templatePath: [], hasReplicas: false },
  Job: {
    kind: 'Job',
    apiVersion: 'batch/v1',
    strategy: 'separateDevPod',
    templatePath: ['spec', 'template'],
    hasReplicas: false,
  },
  CronJob: {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    strategy: 'separateDevPod',
    templatePath: ['spec', 'jobTemplate', 'spec', 'template'],
    hasReplicas: false,
  },
};

// prettier-ignore
const aliases: Record<string, WorkloadKind> = {
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  pod: 'Pod', pods: 'Pod', po: 'Pod',
  job: 'Job', jobs: 'Job',
  cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
};

/** Resolves a kind as a user types it (Deployment, deploy, deployments.apps, sts, ...); undefined if unsupported. */
export function resolveWorkloadKind(kind: string): WorkloadKindInfo | undefined {
  const resolved = aliases[kind.toLowerCase().replace(/\.(apps|batch)(\/v1)?$/, '')];
  return resolved ? workloadKinds[resolved] : undefined;
}

/**
 * The pod template of a workload, as live references into the object so callers can edit it in place.
 * Missing template metadata is not created here; undefined if the object has no pod spec.
 */
export function podTemplateOf(workload: Workload, info: WorkloadKindInfo): PodTemplate | undefined {
  if (info.templatePath.length === 0) {
    return isPodSpec(workload.spec) ? { metadata: workload.metadata, spec: workload.spec } : undefined;
  }
  let node: unknown = workload;
  for (const segment of info.templatePath) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const template = node as { metadata?: unknown; spec?: unknown };
  return isPodSpec(template.spec) ? (template as PodTemplate) : undefined;
}

/** The template's metadata, created on the object when absent (a CronJob template often has none). */
export function ensureTemplateMetadata(
  workload: Workload,
  info: WorkloadKindInfo,
): NonNullable<PodTemplate['metadata']> {
  if (info.templatePath.length === 0) return workload.metadata;
  const template = podTemplateOf(workload, info);
  if (!template) throw new Error(`${workload.kind} ${workload.metadata.name} has no pod template`);
  template.metadata ??= {};
  return template.metadata;
}

/** The replica count; undefined when the field is absent or the kind has none. */
export function readReplicas(workload: Workload, info: WorkloadKindInfo): number | undefined {
  const replicas = info.hasReplicas ? workload.spec?.replicas : undefined;
  return typeof replicas === 'number' ? replicas : undefined;
}

/** Sets the replica count, or removes the field when `replicas` is undefined. */
export function setReplicas(workload: Workload, info: WorkloadKindInfo, replicas: number | undefined): void {
  if (!info.hasReplicas || !workload.spec) return;
  if (replicas === undefined) delete workload.spec.replicas;
  else workload.spec.replicas = replicas;
}

/** The long-running dev pod for a Job or CronJob. */
export function devPodName(workload: Workload): string {
  return `${workload.metadata.name}-podloop-dev`;
}

function isPodSpec(value: unknown): value is PodTemplate['spec'] {
  return typeof value === 'object' && value !== null && Array.isArray((value as { containers?: unknown }).containers);
}
