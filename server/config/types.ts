// The typed, defaults-applied form of a podloop project configuration (.podloop/config.yaml or the
// podloop.dev/config annotation). Produced only by load.ts after schema validation.

export type Language = 'node' | 'python' | 'java' | 'go';
export const languages: readonly Language[] = ['node', 'python', 'java', 'go'];

export type SyncMode = 'one-way' | 'two-way';

export type ConfigWorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'Job' | 'CronJob';

export interface ProjectConfig {
  version: 1;
  workloads: WorkloadConfig[];
}

export interface WorkloadConfig {
  kind: ConfigWorkloadKind;
  name: string;
  /** Absent: the workload matches in any namespace. */
  namespace?: string;
  containers: ContainerConfig[];
}

export interface ContainerConfig {
  /** Absent: applies to the container dev mode picks by default (the first one). */
  name?: string;
  /** Absent: the default dev image for the detected language. */
  image?: string;
  /** Absent: the container's own workingDir, else /app. */
  workDir?: string;
  shell: string;
  command: { run: string[]; debug: string[] };
  debug?: { language?: Language; remotePort?: number };
  hotReload: boolean;
  sync: { include: string[]; exclude: string[]; mode: SyncMode };
  env: Array<{ name: string; value: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** `storageClass` absent: the cluster's default StorageClass. */
  persistentDirs: Array<{ path: string; size: string; storageClass?: string }>;
  portForward: Array<{ local: number; remote: number }>;
}

export const configDefaults = {
  shell: '/bin/sh',
  workDir: '/app',
  syncMode: 'one-way' as SyncMode,
  persistentDirSize: '1Gi',
};
