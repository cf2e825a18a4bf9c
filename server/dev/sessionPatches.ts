// Lease renewals and state changes during a dev session, guarded by the lease they were computed from:
// they fail once another engine took over, yet survive status updates that change the resourceVersion.
import { diffWorkload, type JsonPatchOperation } from './jsonPatch.js';
import { renewLease, serializeLease, type Lease } from './lease.js';
import { annotationOf, devAnnotations, type DevState } from './saved.js';
import type { Workload } from './types.js';

/** Renews our lease. */
export function leaseRenewPatch(workload: Workload, lease: Lease, now: Date): JsonPatchOperation[] {
  return guarded(workload, devAnnotations.lease, serializeLease(renewLease(lease, now)));
}

/** Sets podloop.dev/state, e.g. to 'running' once the dev pod is ready. */
export function devStatePatch(workload: Workload, state: DevState): JsonPatchOperation[] {
  return guarded(workload, devAnnotations.state, state);
}

function guarded(workload: Workload, key: string, value: string): JsonPatchOperation[] {
  const lease = annotationOf(workload, devAnnotations.lease);
  if (lease !== undefined) {
    return [
      { op: 'test', path: annotationPath(devAnnotations.lease), value: lease },
      { op: 'add', path: annotationPath(key), value },
    ];
  }
  // Without a lease there is nothing finer to guard on than the whole object.
  const desired = structuredClone(workload);
  desired.metadata.annotations = { ...desired.metadata.annotations, [key]: value };
  return diffWorkload(workload, desired);
}

function annotationPath(key: string): string {
  return `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
