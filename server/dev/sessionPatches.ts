// Patches an engine sends to a workload during a dev session: state changes and lease renewals, each
// guarded by the resourceVersion it was computed from.
import { diffWorkload, type JsonPatchOperation } from './jsonPatch.js';
import { renewLease, serializeLease, type Lease } from './lease.js';
import { devAnnotations, type DevState } from './saved.js';
import type { Workload } from './types.js';

/** A patch that sets podloop.dev/state, e.g. to 'running' once the dev pod is ready. */
export function devStatePatch(workload: Workload, state: DevState): JsonPatchOperation[] {
  const desired = structuredClone(workload);
  desired.metadata.annotations = { ...desired.metadata.annotations, [devAnnotations.state]: state };
  return diffWorkload(workload, desired);
}

/** A patch that renews our lease; guarded by resourceVersion so a concurrent takeover makes it fail. */
export function leaseRenewPatch(workload: Workload, lease: Lease, now: Date): JsonPatchOperation[] {
  const desired = structuredClone(workload);
  desired.metadata.annotations = {
    ...desired.metadata.annotations,
    [devAnnotations.lease]: serializeLease(renewLease(lease, now)),
  };
  return diffWorkload(workload, desired);
}
