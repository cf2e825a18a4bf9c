// Server-side apply: merges an applied configuration into the live object, records the manager's
// fields (FieldsV1) in managedFields, drops fields it no longer applies, reports conflicts unless forced.

import { ApiError } from '../../store/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../store/objects.js';
import type { Schema } from '../schema/index.js';
import { fieldSchema, sameJson, strategicMerge } from './strategic.js';

/** Identity fields never count as applied fields (the real server leaves them out of fieldsV1). */
const IDENTITY = new Set(['apiVersion', 'kind']);
const META_IDENTITY = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'managedFields',
  'creationTimestamp',
  'generation',
]);

export interface ApplyRequest {
  current: JsonObject;
  applied: JsonObject;
  schema: Schema;
  manager: string;
  force: boolean;
  apiVersion: string;
  now: string;
}

export function serverSideApply(request: ApplyRequest): JsonObject {
  const { current, schema, manager } = request;
  const applied = structuredClone(request.applied);
  if (isJsonObject(applied.metadata)) delete applied.metadata.managedFields;
  const entries = managedEntries(current);
  const mine = entries.find((entry) => entry.manager === manager && entry.operation === 'Apply');
  const others = entries.filter((entry) => entry !== mine);
  const previous = mine && isJsonObject(mine.fieldsV1) ? mine.fieldsV1 : {};
  const owned = fieldSet(applied, schema, true);

  const conflicts: { manager: string; path: string[] }[] = [];
  for (const other of others) {
    if (other.operation !== 'Apply' || !isJsonObject(other.fieldsV1)) continue;
    for (const path of conflictingPaths(owned, other.fieldsV1, current, applied)) {
      conflicts.push({ manager: String(other.manager), path });
    }
  }
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const { manager: owner, path } of conflicts) {
    const entry = others.find((other) => other.manager === owner && other.operation === 'Apply');
    if (entry && isJsonObject(entry.fieldsV1)) dropPath(entry.fieldsV1, path);
  }

  const merged = strategicMerge(current, applied, schema);
  const otherSets = others.map((entry) => entry.fieldsV1).filter(isJsonObject);
  prune(merged, previous, owned, otherSets);
  if (manager === 'kubectl') syncLastApplied(merged, applied);

  const entry: JsonObject = {
    manager,
    operation: 'Apply',
    apiVersion: request.apiVersion,
    time: request.now,
    fieldsType: 'FieldsV1',
    fieldsV1: owned,
  };
  // A manager whose every field was taken over by force owns nothing any more and is dropped.
  const kept = others.filter((other) => !isJsonObject(other.fieldsV1) || Object.keys(other.fieldsV1).length > 0);
  const metadata = isJsonObject(merged.metadata) ? merged.metadata : {};
  metadata.managedFields = [...kept, entry];
  merged.metadata = metadata;
  return merged;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * kubectl's server-side apply keeps an existing client-side apply annotation in step with what it
 * applied, so a later client-side `kubectl apply` computes its three-way patch from the right base.
 */
function syncLastApplied(object: JsonObject, applied: JsonObject): void {
  const annotations = isJsonObject(object.metadata) ? object.metadata.annotations : undefined;
  if (!isJsonObject(annotations) || typeof annotations[LAST_APPLIED] !== 'string') return;
  const recorded = structuredClone(applied);
  if (isJsonObject(recorded.metadata) && isJsonObject(recorded.metadata.annotations)) {
    delete recorded.metadata.annotations[LAST_APPLIED];
    if (Object.keys(recorded.metadata.annotations).length === 0) delete recorded.metadata.annotations;
  }
  annotations[LAST_APPLIED] = `${JSON.stringify(recorded)}\n`;
}

function managedEntries(object: JsonObject): JsonObject[] {
  const metadata = object.metadata;
  if (!isJsonObject(metadata) || !Array.isArray(metadata.managedFields)) return [];
  return structuredClone(metadata.managedFields).filter(isJsonObject);
}

/** The FieldsV1 set of a value: `f:` struct/map fields, `k:` keyed list elements, `v:` set members. */
export function fieldSet(value: JsonValue, schema: Schema | undefined, root = false): JsonObject {
  if (isJsonObject(value)) {
    const set: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === null || key.startsWith('$')) continue;
      if (root && IDENTITY.has(key)) continue;
      if (root && key === 'metadata' && isJsonObject(child)) {
        const meta = fieldSet(child, fieldSchema(schema, key));
        for (const name of META_IDENTITY) delete meta[`f:${name}`];
        if (Object.keys(meta).length > 0) set['f:metadata'] = meta;
        continue;
      }
      set[`f:${key}`] = fieldSet(child, fieldSchema(schema, key));
    }
    return set;
  }
  if (Array.isArray(value) && schema?.kind === 'list' && schema.strategy) {
    const set: JsonObject = {};
    for (const item of value) {
      if (schema.mergeKey && isJsonObject(item)) {
        set[`k:${JSON.stringify({ [schema.mergeKey]: item[schema.mergeKey] ?? null })}`] = {
          '.': {},
          ...fieldSet(item, schema.items),
        };
      } else if (!schema.mergeKey) {
        set[`v:${JSON.stringify(item)}`] = {};
      }
    }
    return set;
  }
  return {};
}

/** The child of an object or list that a FieldsV1 key names. */
function locate(value: JsonValue | undefined, key: string): JsonValue | undefined {
  if (key.startsWith('f:')) return isJsonObject(value) ? value[key.slice(2)] : undefined;
  if (!Array.isArray(value)) return undefined;
  const index = indexOf(value, key);
  return index >= 0 ? value[index] : undefined;
}

function indexOf(list: JsonValue[], key: string): number {
  const identity = JSON.parse(key.slice(2)) as JsonValue;
  if (key.startsWith('v:')) return list.findIndex((item) => sameJson(item, identity));
  if (!isJsonObject(identity)) return -1;
  return list.findIndex(
    (item) => isJsonObject(item) && Object.entries(identity).every(([k, v]) => sameJson(item[k] ?? null, v)),
  );
}

function remove(container: JsonValue, key: string): void {
  if (key.startsWith('f:')) {
    if (isJsonObject(container)) delete container[key.slice(2)];
    return;
  }
  if (!Array.isArray(container)) return;
  const index = indexOf(container, key);
  if (index >= 0) container.splice(index, 1);
}

/** Removes what the manager applied before but applies no more, unless another manager owns it too. */
function prune(value: JsonValue, previous: JsonObject, next: JsonObject | undefined, others: JsonObject[]): void {
  for (const [key, before] of Object.entries(previous)) {
    if (key === '.') continue;
    const after = next?.[key];
    const otherChildren = others.map((set) => set[key]).filter(isJsonObject);
    if (after === undefined) {
      if (otherChildren.length === 0) remove(value, key);
      continue;
    }
    const child = locate(value, key);
    if (isJsonObject(before) && child !== undefined && child !== null && typeof child === 'object') {
      prune(child, before, isJsonObject(after) ? after : undefined, otherChildren);
    }
  }
}

function conflictingPaths(
  mine: JsonObject,
  theirs: JsonObject,
  current: JsonValue | undefined,
  applied: JsonValue | undefined,
  path: string[] = [],
): string[][] {
  const found: string[][] = [];
  for (const [key, child] of Object.entries(mine)) {
    const other = theirs[key];
    if (key === '.' || !isJsonObject(other) || !isJsonObject(child)) continue;
    const live = locate(current, key);
    const wanted = locate(applied, key);
    const leaf = Object.keys(child).length === 0 || Object.keys(other).length === 0;
    if (leaf) {
      if (live !== undefined && !sameJson(live, wanted)) found.push([...path, key]);
    } else {
      found.push(...conflictingPaths(child, other, live, wanted, [...path, key]));
    }
  }
  return found;
}

function dropPath(set: JsonObject, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete set[head];
    return;
  }
  const child = set[head];
  if (isJsonObject(child)) {
    dropPath(child, rest);
    if (Object.keys(child).length === 0) delete set[head];
  }
}

/** `.spec.template.spec.containers[name="app"].image`, the notation of the real conflict message. */
function renderPath(path: string[]): string {
  return path
    .map((key) => {
      if (key.startsWith('f:')) return `.${key.slice(2)}`;
      const identity = JSON.parse(key.slice(2)) as JsonValue;
      if (key.startsWith('v:')) return `[=${JSON.stringify(identity)}]`;
      return `[${Object.entries(isJsonObject(identity) ? identity : {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** The real server's wording: one conflict inline, several grouped by manager in sorted order. */
function conflictError(conflicts: { manager: string; path: string[] }[]): ApiError {
  let message: string;
  if (conflicts.length === 1) {
    const [only] = conflicts as [{ manager: string; path: string[] }];
    message = `Apply failed with 1 conflict: conflict with ${JSON.stringify(only.manager)}: ${renderPath(only.path)}`;
  } else {
    const managers = [...new Set(conflicts.map((c) => c.manager))].sort();
    const lines = managers.flatMap((manager) => [
      `conflicts with ${JSON.stringify(manager)}:`,
      ...conflicts.filter((c) => c.manager === manager).map((c) => `- ${renderPath(c.path)}`),
    ]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${JSON.stringify(c.manager)}`,
      field: renderPath(c.path),
    })),
  });
}
