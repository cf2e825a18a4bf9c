// The shapes of the Kubernetes objects dev mode plans over: plain JSON with just enough typing to read
// the fields podloop touches. Never imports a Kubernetes client; objects arrive as parsed JSON.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A workload as read from the API server; fields podloop does not know stay untyped JSON. */
export interface Workload {
  apiVersion?: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The part of a pod template podloop reads: metadata plus the pod spec. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec: PodSpec;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: JsonObject[];
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  volumeMounts?: JsonObject[];
  resources?: JsonObject;
  [field: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Accepts any parsed object that has a kind, a metadata.name and (optionally) a spec object. */
export function isWorkload(value: unknown): value is Workload {
  if (!isJsonObject(value)) return false;
  const metadata = value.metadata;
  return (
    typeof value.kind === 'string' &&
    isJsonObject(metadata) &&
    typeof metadata.name === 'string' &&
    (value.spec === undefined || isJsonObject(value.spec))
  );
}

/** "Deployment web in namespace shop": how messages name a workload. */
export function describeWorkload(workload: Workload): string {
  const namespace = workload.metadata.namespace;
  return namespace
    ? `${workload.kind} ${workload.metadata.name} in namespace ${namespace}`
    : `${workload.kind} ${workload.metadata.name}`;
}
