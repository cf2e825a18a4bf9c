// The schema registry: every named struct, and the root schema of each served kind. The single
// description that validation, strategic merge, server-side apply and OpenAPI read.

import type { ResourceType } from '../../store/resources.js';
import { CORE_DEFINITIONS, META_DEFINITIONS } from './core.js';
import type { Schema, StructDef } from './types.js';
import { WORKLOAD_DEFINITIONS } from './workloads.js';

export type { Schema, StructDef, ScalarType } from './types.js';

export const DEFINITIONS: Readonly<Record<string, StructDef>> = {
  ...META_DEFINITIONS,
  ...CORE_DEFINITIONS,
  ...WORKLOAD_DEFINITIONS,
};

export function structNamed(name: string): StructDef {
  const found = DEFINITIONS[name];
  if (!found) throw new Error(`schema ${name} is not defined`);
  return found;
}

/** The struct a schema describes, following a reference; undefined for scalars, maps, lists, free JSON. */
export function structOf(schema: Schema | undefined): StructDef | undefined {
  return schema?.kind === 'ref' ? structNamed(schema.name) : undefined;
}

/** The Go type name the real server would print for a struct (`v1.PodSpec` → `PodSpec`). */
export function goName(schema: Schema): string {
  return schema.kind === 'ref' ? schema.name.slice(schema.name.lastIndexOf('.') + 1) : '';
}

/** The component name of a served kind, e.g. `io.k8s.api.apps.v1.Deployment`. */
export function definitionNameOf(resource: Pick<ResourceType, 'group' | 'version' | 'kind'>): string | undefined {
  return Object.keys(DEFINITIONS).find((name) => {
    const gvk = DEFINITIONS[name]?.gvk;
    return (
      gvk !== undefined &&
      gvk.group === resource.group &&
      gvk.version === resource.version &&
      gvk.kind === resource.kind
    );
  });
}

/** The root schema of a served kind; free JSON for kinds without a description. */
export function schemaOf(resource: Pick<ResourceType, 'group' | 'version' | 'kind'>): Schema {
  const name = definitionNameOf(resource);
  return name ? { kind: 'ref', name } : { kind: 'free' };
}
