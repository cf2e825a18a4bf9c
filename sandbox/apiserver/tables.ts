// meta.k8s.io/v1 Table output for `kubectl get`: the columns a real API server prints for each kind,
// and each row's object as PartialObjectMetadata or the full object, as the client asked.

import type { JsonObject, JsonValue, KubeObject } from '../store/objects.js';
import { apiVersionOf, type ResourceType } from '../store/resources.js';
import { DEFAULT_PRINTER, PRINTERS } from './tables/printers.js';

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  resourceVersion: string;
  continueToken?: string;
  /** Omits columnDefinitions: every watch event after the first. */
  noHeaders?: boolean;
  /** Milliseconds since the epoch that ages are measured from; defaults to now. */
  now?: number;
}

export function toTable(resource: ResourceType, items: KubeObject[], options: TableOptions): JsonObject {
  const printer = PRINTERS[resource.kind] ?? DEFAULT_PRINTER;
  const now = options.now ?? Date.now();
  const rows: JsonValue[] = items.map((item) => {
    const json = item as unknown as JsonObject;
    const printed = printer.print(json, now);
    const row: JsonObject = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(resource, item, options.includeObject);
    if (object) row.object = object;
    return row;
  });
  const metadata: JsonObject = { resourceVersion: options.resourceVersion };
  if (options.continueToken) metadata.continue = options.continueToken;
  const columnDefinitions: JsonValue[] = options.noHeaders
    ? []
    : printer.columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? '',
        description: column.description,
        priority: column.priority ?? 0,
      }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions, rows };
}

function rowObject(
  resource: ResourceType,
  item: KubeObject,
  include: TableOptions['includeObject'],
): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') {
    return {
      ...(structuredClone(item) as unknown as JsonObject),
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
    };
  }
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: structuredClone(item.metadata) as unknown as JsonObject,
  };
}
