// The metadata and status an API server owns; an object created again from a read copy must drop them.
import type { Workload } from './types.js';

const serverOwnedMetadata = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

export function stripServerFields(workload: Workload): Workload {
  const copy = structuredClone(workload);
  for (const field of serverOwnedMetadata) delete copy.metadata[field];
  delete copy.status;
  return copy;
}
