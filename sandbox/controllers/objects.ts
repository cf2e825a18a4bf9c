// Typed views of the workload objects the controllers read, and the small helpers they share
// (owner references, pod readiness, timestamps, template hashing). No store access here.

import type { JsonValue, KubeObject, OwnerReference } from '../store/objects.js';

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { [key: string]: JsonValue };
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

export interface PodStatus {
  phase?: string;
  conditions?: Condition[];
  podIP?: string;
  containerStatuses?: { name?: string; restartCount?: number; ready?: boolean }[];
}

export interface PodSpec {
  nodeName?: string;
  restartPolicy?: string;
  hostname?: string;
  subdomain?: string;
  volumes?: { name: string; [key: string]: JsonValue }[];
  containers?: { name?: string; ports?: { name?: string; containerPort?: number; protocol?: string }[] }[];
}

export function specOf<T>(object: KubeObject): T {
  return (object.spec ?? {}) as unknown as T;
}

export function statusOf<T>(object: KubeObject): T {
  return (object.status ?? {}) as unknown as T;
}

export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** RFC 3339 with whole seconds, the way the API server writes times. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return controllerOf(object)?.uid === owner.metadata.uid;
}

/** The key a work queue uses for a namespaced object. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function isTerminating(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

export function podPhase(pod: KubeObject): string {
  return statusOf<PodStatus>(pod).phase ?? 'Pending';
}

export function isPodFinished(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Neither finished nor being deleted: what a workload counts as one of its replicas. */
export function isPodActive(pod: KubeObject): boolean {
  return !isTerminating(pod) && !isPodFinished(pod);
}

export function podCondition(pod: KubeObject, type: string): Condition | undefined {
  return (statusOf<PodStatus>(pod).conditions ?? []).find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

export function isPodRunningAndReady(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

/** Ready for at least minReadySeconds; returns also when that will be the case. */
export function podAvailability(
  pod: KubeObject,
  minReadySeconds: number,
  now: Date,
): { available: boolean; inMs?: number } {
  if (!isPodReady(pod)) return { available: false };
  if (minReadySeconds <= 0) return { available: true };
  const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '');
  if (!Number.isFinite(since)) return { available: true };
  const at = since + minReadySeconds * 1000;
  return at <= now.getTime() ? { available: true } : { available: false, inMs: at - now.getTime() };
}

export function restartCount(pod: KubeObject): number {
  return (statusOf<PodStatus>(pod).containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}

/**
 * JSON with sorted keys and without null-valued fields, so templates that decode to the same object
 * (`creationTimestamp: null` as kubectl sends it, or absent) serialise equally.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A stable short hash of a template (FNV-1a over its canonical JSON), spelled with the
 * consonants-and-digits alphabet Kubernetes uses so it never forms words; up to 10 characters.
 */
export function templateHash(template: unknown, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  const text = canonicalJson(template) + (collisionCount > 0 ? String(collisionCount) : '');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash >>> 0)].map((digit) => SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/**
 * Resolves an int-or-percent (maxSurge, maxUnavailable) against a total; percentages round up
 * or down as the caller says.
 */
export function intOrPercent(value: JsonValue | undefined, total: number, fallback: string, roundUp: boolean): number {
  const raw = value === undefined || value === null ? fallback : value;
  if (typeof raw === 'number') return raw;
  const text = String(raw);
  const match = /^(\d+)%$/.exec(text);
  if (!match) return Number.parseInt(text, 10) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Sets a condition the way Kubernetes controllers do: same status and reason leaves it alone;
 * same status keeps its lastTransitionTime. Returns the new list.
 */
export function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current && current.status === next.status && current.reason === next.reason) return conditions;
  const merged = { ...next };
  if (current && current.status === next.status && current.lastTransitionTime)
    merged.lastTransitionTime = current.lastTransitionTime;
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

export function podTemplateOf(object: KubeObject): PodTemplate {
  return (specOf<{ template?: PodTemplate }>(object).template ?? {}) as PodTemplate;
}

/** The pod object a workload creates from its template. */
export function podFromTemplate(
  template: PodTemplate,
  owner: KubeObject,
  naming: { name?: string; generateName?: string },
  extraLabels: Record<string, string> = {},
): { [key: string]: JsonValue | object } {
  const labels = { ...(template.metadata?.labels ?? {}), ...extraLabels };
  const annotations = template.metadata?.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...naming,
      namespace: owner.metadata.namespace,
      labels,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec: toJson(template.spec ?? {}),
  };
}
