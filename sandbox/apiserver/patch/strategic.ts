// Strategic merge patch over the sandbox's field schemas: lists merged by their patch merge keys and
// the directives kubectl sends ($patch, $setElementOrder, $retainKeys, $deleteFromPrimitiveList).

import { isJsonObject, type JsonObject, type JsonValue } from '../../store/objects.js';
import { structOf, type Schema } from '../schema/index.js';

const DELETE = Symbol('delete');
type Merged = JsonValue | typeof DELETE;

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** The schema of one field of a struct or map; undefined when the container is free JSON. */
export function fieldSchema(schema: Schema | undefined, field: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.kind === 'map') return schema.values;
  return structOf(schema)?.fields[field];
}

/** Merges `patch` into `original` (neither is modified) and returns the merged object. */
export function strategicMerge(original: JsonObject, patch: JsonObject, schema: Schema | undefined): JsonObject {
  const merged = mergeObject(original, patch, schema);
  return merged === DELETE ? {} : merged;
}

function mergeValue(original: JsonValue | undefined, patch: JsonValue, schema: Schema | undefined): Merged {
  if (isJsonObject(patch)) {
    // An object where a list belongs is kept as sent, so validation reports the type error.
    if (schema?.kind === 'list') return patch;
    return mergeObject(isJsonObject(original) ? original : {}, patch, schema);
  }
  if (Array.isArray(patch)) {
    if (schema?.kind === 'list' && schema.strategy)
      return mergeList(Array.isArray(original) ? original : [], patch, schema);
    return stripDirectives(patch, schema);
  }
  return patch;
}

function mergeObject(original: JsonObject, patch: JsonObject, schema: Schema | undefined): JsonObject | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return stripDirectives(patch, schema) as JsonObject;
  const result: JsonObject = structuredClone(original);
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  const orders: [string, JsonValue[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (Array.isArray(value)) orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const list = result[field];
      if (Array.isArray(list) && Array.isArray(value)) {
        result[field] = list.filter((item) => !value.some((gone) => sameJson(gone, item)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeValue(result[key], value, fieldSchema(schema, key));
    if (merged === DELETE) delete result[key];
    else result[key] = merged;
  }
  for (const [field, order] of orders) {
    const list = result[field];
    const listSchema = fieldSchema(schema, field);
    if (!Array.isArray(list)) continue;
    const live = original[field];
    const mergeKey = listSchema?.kind === 'list' ? listSchema.mergeKey : undefined;
    result[field] = applyOrder(list, order, Array.isArray(live) ? live : [], mergeKey);
  }
  return result;
}

function mergeList(original: JsonValue[], patch: JsonValue[], schema: Extract<Schema, { kind: 'list' }>): JsonValue[] {
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) {
    return stripDirectives(
      patch.filter((item) => !(isJsonObject(item) && item.$patch === 'replace')),
      schema,
    ) as JsonValue[];
  }
  const key = schema.mergeKey;
  if (!key) {
    // A set of scalars: the union, original order first.
    const result = [...original];
    for (const item of patch) if (!result.some((existing) => sameJson(existing, item))) result.push(item);
    return result;
  }
  const result: JsonValue[] = structuredClone(original);
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const index = result.findIndex((existing) => isJsonObject(existing) && sameJson(existing[key], item[key]));
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    const base = index >= 0 ? result[index] : {};
    const merged = mergeObject(isJsonObject(base) ? base : {}, item, schema.items);
    if (merged === DELETE) {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) result[index] = merged;
    else result.push(merged);
  }
  return result;
}

/**
 * Orders a merged list by `$setElementOrder`: the elements it names in its order, the others (kept
 * from the live list) in their live order, the two interleaved by where they stood in the live list.
 */
function applyOrder(
  list: JsonValue[],
  order: JsonValue[],
  live: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const identity = (item: JsonValue): JsonValue => (mergeKey && isJsonObject(item) ? (item[mergeKey] ?? null) : item);
  const indexIn = (items: JsonValue[], item: JsonValue): number =>
    items.findIndex((entry) => sameJson(identity(entry), identity(item)));
  const named = list.filter((item) => indexIn(order, item) >= 0).sort((a, b) => indexIn(order, a) - indexIn(order, b));
  const serverOnly = list
    .filter((item) => indexIn(order, item) < 0)
    .sort((a, b) => {
      const ia = indexIn(live, a);
      const ib = indexIn(live, b);
      return ia >= 0 && ib >= 0 ? ia - ib : 0;
    });
  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) result.push(serverOnly[i++] as JsonValue);
    else if (i >= serverOnly.length) result.push(named[j++] as JsonValue);
    else {
      const left = indexIn(live, serverOnly[i] as JsonValue);
      const right = indexIn(live, named[j] as JsonValue);
      if (left >= 0 && right >= 0 && left < right) result.push(serverOnly[i++] as JsonValue);
      else result.push(named[j++] as JsonValue);
    }
  }
  return result;
}

/** A patch value that replaces wholesale still must not leave directives in the stored object. */
function stripDirectives(value: JsonValue, schema: Schema | undefined): JsonValue {
  if (Array.isArray(value)) {
    const items = schema?.kind === 'list' ? schema.items : undefined;
    return value.map((item) => stripDirectives(item, items));
  }
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$') || child === null) continue;
    result[key] = stripDirectives(child, fieldSchema(schema, key));
  }
  return result;
}

export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((key) => key in bo && sameJson(ao[key], bo[key]));
}
