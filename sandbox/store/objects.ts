// The shape of a stored Kubernetes object as the sandbox sees it: plain JSON with typed metadata.
// Everything else about an object (spec, status, data, ...) stays untyped JSON until a controller reads it.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: JsonValue[];
}

/** A stored object. `spec`, `status` and the rest are kept as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: JsonValue | ObjectMeta | undefined;
}

/** What a client sends: metadata fields the server owns may be missing. */
export interface KubeObjectInput {
  apiVersion?: string;
  kind?: string;
  metadata?: Partial<ObjectMeta>;
  [field: string]: JsonValue | Partial<ObjectMeta> | undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy; stored objects are never handed out by reference. */
export function cloneObject<T>(value: T): T {
  return structuredClone(value);
}
