// RFC 6902 patches between two versions of an object, guarded by tests of the content they were planned
// from, so a patch computed from a stale read fails instead of overwriting someone else's change.
import jsonpatch from 'fast-json-patch';
import type { Workload } from './types.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

/**
 * Operations turning `current` into `desired`, preceded by tests that `spec` and the annotations are still
 * as read. Unlike a resourceVersion test, these survive the status updates controllers keep writing. An
 * object without annotations falls back to its resourceVersion: a test cannot assert that a key is absent.
 */
export function diffWorkload(current: Workload, desired: Workload): JsonPatchOperation[] {
  const operations = jsonpatch.compare(current, desired) as JsonPatchOperation[];
  if (operations.length === 0) return operations;
  const guards: JsonPatchOperation[] = [];
  if (current.spec !== undefined) guards.push({ op: 'test', path: '/spec', value: current.spec });
  if (current.metadata.annotations !== undefined) {
    guards.push({ op: 'test', path: '/metadata/annotations', value: current.metadata.annotations });
  } else if (typeof current.metadata.resourceVersion === 'string') {
    guards.push({ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion });
  }
  return [...guards, ...operations];
}

/** Applies a patch to a copy; for tests and for previewing what the API server will store. */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  return jsonpatch.applyPatch(structuredClone(document), operations as jsonpatch.Operation[], true, true).newDocument;
}
