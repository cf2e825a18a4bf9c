// The shape of a Table printer and the pieces every printer shares: the Name and Age columns and
// accessors that read an object's untyped JSON safely.

import type { JsonObject, JsonValue } from '../../store/objects.js';
import { containersAndImages, formatSelector, obj, since, text } from './format.js';

export interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority?: number;
}

export interface Printed {
  cells: JsonValue[];
  conditions?: JsonValue[];
}

export interface Printer {
  columns: Column[];
  print(object: JsonObject, now: number): Printed;
}

export const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
export const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};
export const col = (name: string, description: string, priority = 0, type = 'string'): Column => ({
  name,
  type,
  description,
  priority,
});
export const wideWorkload = [
  col('Containers', 'Names of each container in the template.', 1),
  col('Images', 'Images referenced by each container in the template.', 1),
  col('Selector', 'Label selector for pods.', 1),
];

export const name = (o: JsonObject): string => text(obj(o.metadata).name);
export const age = (o: JsonObject, now: number): string => since(obj(o.metadata).creationTimestamp, now);
export const spec = (o: JsonObject): JsonObject => obj(o.spec);
export const status = (o: JsonObject): JsonObject => obj(o.status);

export function workloadWide(podSpec: JsonValue | undefined, selector: JsonValue | undefined): JsonValue[] {
  return [...containersAndImages(podSpec), formatSelector(selector)];
}
