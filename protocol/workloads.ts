// Listing the workloads podloop can turn into dev containers.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkDoneProgressParams } from './progress.js';

/** The workload kinds podloop knows. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'Job' | 'CronJob';

/** Every WorkloadKind, in display order. */
export const workloadKinds: readonly WorkloadKind[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Pod',
  'Job',
  'CronJob',
];

/** Params of `workloads/list`. */
export interface WorkloadsListParams extends WorkDoneProgressParams {
  /** Namespace to list. Default: the session's namespace. Ignored when `allNamespaces` is true. */
  namespace?: string;
  /** List every namespace. Default false. */
  allNamespaces?: boolean;
  /** Restrict to these kinds. Default: all six. */
  kinds?: WorkloadKind[];
}

/** One workload. */
export interface WorkloadInfo {
  /** Kind. */
  kind: WorkloadKind;
  /** Name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Desired pods (1 for a Pod; for a CronJob the number of active jobs). */
  replicas: number;
  /** Ready pods (a Pod: 1 when Ready). */
  readyReplicas: number;
  /** Container names of the pod template, in order. */
  containers: string[];
  /** Images of those containers, in the same order. */
  images: string[];
  /** Creation time, ISO-8601. */
  createdAt?: string;
  /** Whether podloop currently has this workload in dev mode (its annotation is present). */
  devMode: boolean;
}

/** Result of `workloads/list`. */
export interface WorkloadsListResult {
  /** Workloads sorted by namespace, kind (display order) and name. */
  items: WorkloadInfo[];
}

/**
 * `workloads/list` (client → engine): the workloads of the six kinds in a namespace or all of
 * them. Bare Pods owned by a controller are left out. Errors: ClusterUnreachable, Unauthorized,
 * InvalidConfig, Cancelled.
 */
export namespace WorkloadsList {
  export const method = 'workloads/list' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<WorkloadsListParams, WorkloadsListResult, void>(
    method,
    ParameterStructures.byName,
  );
}
