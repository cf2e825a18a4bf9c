// The vocabulary of the per-kind field schemas: one compact description of each served type that
// strict field validation, strategic merge, server-side apply and the OpenAPI documents all read.

/** A scalar's JSON type plus the Go type the real server would name in decoding errors. */
export type ScalarType =
  'string' | 'int32' | 'int64' | 'number' | 'boolean' | 'int-or-string' | 'quantity' | 'date-time' | 'byte';

export type Schema =
  | { kind: 'scalar'; type: ScalarType }
  /** A named struct from DEFINITIONS (OpenAPI component name). */
  | { kind: 'ref'; name: string }
  /** map[string]X */
  | { kind: 'map'; values: Schema }
  | {
      kind: 'list';
      items: Schema;
      /** Strategic merge patch strategy; lists without one are replaced whole (atomic). */
      strategy?: 'merge' | 'merge,retainKeys';
      /** patchMergeKey for lists of structs merged by key. */
      mergeKey?: string;
      /** Extra keys of the list map as server-side apply sees it (e.g. ports by containerPort+protocol). */
      listMapKeys?: string[];
    }
  /** Any JSON: opaque to validation and merged as a whole. */
  | { kind: 'free' };

export interface StructDef {
  description: string;
  fields: Record<string, Schema>;
  /** Unknown fields are accepted (types only partly described here). */
  open?: boolean;
  /** Fields the API requires on this struct (documentation only; 422 checks live in validation). */
  required?: string[];
  /** Strategic merge: this struct is patched with `$retainKeys` semantics. */
  retainKeys?: boolean;
  gvk?: { group: string; version: string; kind: string };
}

export const str: Schema = { kind: 'scalar', type: 'string' };
export const int32: Schema = { kind: 'scalar', type: 'int32' };
export const int64: Schema = { kind: 'scalar', type: 'int64' };
export const num: Schema = { kind: 'scalar', type: 'number' };
export const bool: Schema = { kind: 'scalar', type: 'boolean' };
export const intOrString: Schema = { kind: 'scalar', type: 'int-or-string' };
export const quantity: Schema = { kind: 'scalar', type: 'quantity' };
export const time: Schema = { kind: 'scalar', type: 'date-time' };
export const bytes: Schema = { kind: 'scalar', type: 'byte' };
export const free: Schema = { kind: 'free' };

export function ref(name: string): Schema {
  return { kind: 'ref', name };
}

export function mapOf(values: Schema): Schema {
  return { kind: 'map', values };
}

/** An atomic list: replaced whole by every patch. */
export function atomic(items: Schema): Schema {
  return { kind: 'list', items };
}

/** A list of structs merged element-wise by `mergeKey`. */
export function keyed(
  items: Schema,
  mergeKey: string,
  options: { retainKeys?: boolean; listMapKeys?: string[] } = {},
): Schema {
  return {
    kind: 'list',
    items,
    strategy: options.retainKeys ? 'merge,retainKeys' : 'merge',
    mergeKey,
    ...(options.listMapKeys ? { listMapKeys: options.listMapKeys } : {}),
  };
}

/** A list of scalars merged as a set. */
export function set(items: Schema): Schema {
  return { kind: 'list', items, strategy: 'merge' };
}

export const strings: Schema = atomic(str);
export const stringMap: Schema = mapOf(str);
