// Reads what a workload's podloop.dev annotations say about its dev session, for dev/status, engine/state
// and for finding workloads a dead engine left in dev mode. Pure; never fails on bad annotations.
import type { WorkloadRef } from '../../protocol/errors.js';
import { workloadRef } from './errors.js';
import { leaseState, parseLease, type Lease, type LeaseState } from './lease.js';
import { annotationOf, devAnnotations, parseSaved, type DevState } from './saved.js';
import type { Workload } from './types.js';
import type { DevStrategy } from './workloadKinds.js';

export interface DevModeInfo {
  workload: WorkloadRef;
  /** The dev container; undefined when the saved record is unreadable. */
  container?: string;
  strategy?: DevStrategy;
  state?: DevState;
  lease?: Lease;
  /** From this engine's point of view. */
  leaseState: LeaseState;
  /** separateDevPod: the dev pod's name. */
  devPodName?: string;
  /** False when podloop.dev/original cannot be read: restore needs the user's manifests. */
  restorable: boolean;
}

/** Undefined when the workload is not in dev mode. */
export function readDevMode(workload: Workload, engineId: string, now: Date): DevModeInfo | undefined {
  const original = annotationOf(workload, devAnnotations.original);
  if (original === undefined) return undefined;
  const leaseText = annotationOf(workload, devAnnotations.lease);
  const lease = parseLease(leaseText);
  const stateText = annotationOf(workload, devAnnotations.state);
  const state = stateText === 'starting' || stateText === 'running' || stateText === 'ending' ? stateText : undefined;
  const info: DevModeInfo = {
    workload: workloadRef(workload),
    leaseState: leaseState(leaseText, now, engineId),
    restorable: false,
    ...(lease ? { lease } : {}),
    ...(state ? { state } : {}),
  };
  try {
    const saved = parseSaved(original);
    return {
      ...info,
      container: saved.container,
      strategy: saved.strategy,
      restorable: true,
      ...(saved.devPodName ? { devPodName: saved.devPodName } : {}),
    };
  } catch {
    return info;
  }
}
