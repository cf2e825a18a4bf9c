// Pure readings of a pod spec for the kubelet: the container's argv and environment under the
// Kubernetes rules, restart decisions, back-off delays, QoS class. No I/O here.

import type { ImageManifest } from './images.js';

export interface EnvVarSource {
  configMapKeyRef?: { name?: string; key?: string; optional?: boolean };
  secretKeyRef?: { name?: string; key?: string; optional?: boolean };
  fieldRef?: { fieldPath?: string };
}

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: EnvVarSource }[];
  envFrom?: {
    prefix?: string;
    configMapRef?: { name?: string; optional?: boolean };
    secretRef?: { name?: string; optional?: boolean };
  }[];
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Only on init containers: `Always` makes it a sidecar. */
  restartPolicy?: 'Always';
  terminationMessagePath?: string;
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  lifecycle?: { postStart?: LifecycleHandler; preStop?: LifecycleHandler };
  securityContext?: SecurityContext;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port?: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port?: number | string; host?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: ProbeSpec['httpGet'];
  tcpSocket?: ProbeSpec['tcpSocket'];
  sleep?: { seconds?: number };
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
}

export interface VolumeSpec {
  name: string;
  emptyDir?: Record<string, unknown>;
  configMap?: KeyProjection;
  secret?: KeyProjection & { secretName?: string };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  downwardAPI?: DownwardAPIProjection;
  projected?: {
    defaultMode?: number;
    sources?: {
      configMap?: KeyProjection;
      secret?: KeyProjection;
      downwardAPI?: DownwardAPIProjection;
      serviceAccountToken?: { path?: string };
    }[];
  };
  hostPath?: { path?: string };
}

export interface DownwardAPIProjection {
  items?: { path: string; fieldRef?: { fieldPath?: string }; mode?: number }[];
  defaultMode?: number;
}

export interface KeyProjection {
  name?: string;
  items?: { key: string; path: string; mode?: number }[];
  defaultMode?: number;
  optional?: boolean;
}

export interface PodSpec {
  nodeName?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: VolumeSpec[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  hostname?: string;
  hostNetwork?: boolean;
  hostAliases?: { ip: string; hostnames: string[] }[];
  securityContext?: SecurityContext;
}

export function podSpecOf(value: unknown): PodSpec {
  const spec = (typeof value === 'object' && value !== null ? value : {}) as Partial<PodSpec>;
  return { ...spec, containers: Array.isArray(spec.containers) ? spec.containers : [] } as PodSpec;
}

/** Kubernetes rules: `command` replaces the entrypoint (and drops cmd); `args` replaces cmd. */
export function containerArgv(container: ContainerSpec, image: ImageManifest): string[] {
  if (container.command?.length) return [...container.command, ...(container.args ?? [])];
  return [...image.entrypoint, ...(container.args?.length ? container.args : image.cmd)];
}

/** `$(VAR)` references expand against earlier variables; `$$` escapes. */
export function expandReferences(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : match;
  });
}

/** Lookups the environment needs from the cluster; undefined means missing. */
export interface EnvLookups {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  field(path: string): string | undefined;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The container's environment: PATH and HOSTNAME, the image's env, envFrom, then env (later wins).
 * A missing non-optional reference is an error message (CreateContainerConfigError).
 */
export function containerEnv(
  container: ContainerSpec,
  image: ImageManifest,
  podName: string,
  lookups: EnvLookups,
): { env: Map<string, string> } | { error: string } {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['HOSTNAME', podName],
    ['HOME', '/root'],
  ]);
  for (const [k, v] of image.env) env.set(k, v);
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef?.name) {
      const data = lookups.configMap(source.configMapRef.name);
      if (!data && !source.configMapRef.optional) return { error: `configmap "${source.configMapRef.name}" not found` };
      for (const [k, v] of Object.entries(data ?? {})) env.set(prefix + k, v);
    }
    if (source.secretRef?.name) {
      const data = lookups.secret(source.secretRef.name);
      if (!data && !source.secretRef.optional) return { error: `secret "${source.secretRef.name}" not found` };
      for (const [k, v] of Object.entries(data ?? {})) env.set(prefix + k, v);
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const from = variable.valueFrom;
      let value: string | undefined;
      let missing: string | undefined;
      if (from.configMapKeyRef?.name) {
        const ref = from.configMapKeyRef;
        const data = lookups.configMap(ref.name!);
        value = data?.[ref.key ?? ''];
        if (value === undefined && !ref.optional) {
          missing = data
            ? `couldn't find key ${ref.key} in ConfigMap ${ref.name}`
            : `configmap "${ref.name}" not found`;
        }
      } else if (from.secretKeyRef?.name) {
        const ref = from.secretKeyRef;
        const data = lookups.secret(ref.name!);
        value = data?.[ref.key ?? ''];
        if (value === undefined && !ref.optional) {
          missing = data ? `couldn't find key ${ref.key} in Secret ${ref.name}` : `secret "${ref.name}" not found`;
        }
      } else if (from.fieldRef?.fieldPath) {
        value = lookups.field(from.fieldRef.fieldPath) ?? '';
      }
      if (missing) return { error: missing };
      if (value !== undefined) env.set(variable.name, value);
      continue;
    }
    env.set(variable.name, expandReferences(variable.value ?? '', env));
  }
  return { env };
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

/** The kubelet's crash back-off: base doubling per consecutive restart, capped. */
export function backoffDelay(consecutiveFailures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 30));
}

/** Restarts after a crash: the first is immediate, then the back-off applies (10 s, 20 s, 40 s…). */
export function restartDelay(consecutiveFailures: number, baseMs: number, maxMs: number): number {
  return consecutiveFailures <= 1 ? 0 : backoffDelay(consecutiveFailures - 1, baseMs, maxMs);
}

export function qosClass(containers: ContainerSpec[]): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = { ...limits, ...(c.resources?.requests ?? {}) };
    if (Object.keys(limits).length || Object.keys(requests).length) any = true;
    for (const resource of ['cpu', 'memory']) {
      if (limits[resource] === undefined || requests[resource] !== limits[resource]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** A probe's port, numbers as they are and names looked up among the container's ports. */
export function resolvePort(port: number | string | undefined, container: ContainerSpec): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The user a container runs as: the container's securityContext over the pod's; root otherwise. */
export function containerUser(container: ContainerSpec, pod: PodSpec): { uid: number; gid: number } | undefined {
  const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup;
  if (uid === undefined && gid === undefined) return undefined;
  return { uid: uid ?? 0, gid: gid ?? 0 };
}
