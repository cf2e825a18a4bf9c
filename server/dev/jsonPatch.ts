// RFC 6902 patches between two versions of an object, guarded by a test of the resourceVersion so a patch
// planned from a stale read fails instead of overwriting someone else's change.
import jsonpatch from 'fast-json-patch';
import type { Workload } from './types.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

/** Operations turning `current` into `desired`, preceded by a resourceVersion test when `current` has one. */
export function diffWorkload(current: Workload, desired: Workload): JsonPatchOperation[] {
  const operations = jsonpatch.compare(current, desired) as JsonPatchOperation[];
  const resourceVersion = current.metadata.resourceVersion;
  if (operations.length === 0 || typeof resourceVersion !== 'string') return operations;
  return [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }, ...operations];
}

/** Applies a patch to a copy; for tests and for previewing what the API server will store. */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  return jsonpatch.applyPatch(structuredClone(document), operations as jsonpatch.Operation[], true, true).newDocument;
}
