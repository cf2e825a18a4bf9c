// The pure arithmetic of Deployment rollouts: surge/unavailable fenceposts, how far the new and
// old ReplicaSets may move, proportional scaling, and the status with its conditions.

import type { JsonValue, KubeObject } from '../store/objects.js';
import {
  intOrPercent,
  setCondition,
  specOf,
  statusOf,
  timestamp,
  type Condition,
  type PodTemplate,
} from './objects.js';

export const HASH_LABEL = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Kubernetes' way of saying "no progress deadline". */
const NO_DEADLINE = 2147483647;

export interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: JsonValue[] };
  template?: PodTemplate;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: JsonValue; maxUnavailable?: JsonValue } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: Condition[];
}

interface ReplicaSetCounts {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

export function replicasOf(deployment: KubeObject): number {
  return specOf<DeploymentSpec>(deployment).replicas ?? 1;
}

export function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
}

function rsReplicas(rs: KubeObject): number {
  return specOf<{ replicas?: number }>(rs).replicas ?? 0;
}

function counts(rs: KubeObject | undefined): ReplicaSetCounts {
  return rs ? statusOf<ReplicaSetCounts>(rs) : {};
}

function isRollingUpdate(deployment: KubeObject): boolean {
  return (specOf<DeploymentSpec>(deployment).strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge rounds up, maxUnavailable down; both zero means one may be unavailable. */
function fenceposts(deployment: KubeObject): { surge: number; unavailable: number } {
  const replicas = replicasOf(deployment);
  const rolling = specOf<DeploymentSpec>(deployment).strategy?.rollingUpdate ?? {};
  const surge = intOrPercent(rolling.maxSurge, replicas, '25%', true);
  let unavailable = intOrPercent(rolling.maxUnavailable, replicas, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurgeOf(deployment: KubeObject): number {
  return isRollingUpdate(deployment) ? fenceposts(deployment).surge : 0;
}

export function maxUnavailableOf(deployment: KubeObject): number {
  const replicas = replicasOf(deployment);
  if (!isRollingUpdate(deployment) || replicas === 0) return 0;
  return Math.min(fenceposts(deployment).unavailable, replicas);
}

/** The size the new ReplicaSet may have now, never beyond replicas + maxSurge pods in total. */
export function newReplicaSetReplicas(
  deployment: KubeObject,
  all: KubeObject[],
  newRS: KubeObject | undefined,
): number {
  const desired = replicasOf(deployment);
  if (!isRollingUpdate(deployment)) return desired;
  const current = newRS ? rsReplicas(newRS) : 0;
  if (current > desired) return desired;
  const total = all.reduce((sum, rs) => sum + rsReplicas(rs), 0);
  const maxTotal = desired + maxSurgeOf(deployment);
  if (total >= maxTotal) return current;
  return current + Math.min(maxTotal - total, desired - current);
}

/**
 * How far old ReplicaSets may shrink while at least replicas − maxUnavailable pods stay available:
 * unhealthy pods go first, then the oldest ReplicaSets' pods.
 */
export function oldReplicaSetScaleDowns(
  deployment: KubeObject,
  oldRSs: KubeObject[],
  newRS: KubeObject | undefined,
): { rs: KubeObject; replicas: number }[] {
  if (oldRSs.reduce((sum, rs) => sum + rsReplicas(rs), 0) === 0) return [];
  const all = newRS ? [...oldRSs, newRS] : oldRSs;
  const allPods = all.reduce((sum, rs) => sum + rsReplicas(rs), 0);
  const minAvailable = replicasOf(deployment) - maxUnavailableOf(deployment);
  const newUnavailable = newRS ? rsReplicas(newRS) - (counts(newRS).availableReplicas ?? 0) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const oldestFirst = [...oldRSs].sort(
    (a, b) =>
      Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp) ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  const targets = new Map<KubeObject, number>();
  let cleaned = 0;
  for (const rs of oldestFirst) {
    if (cleaned >= maxScaledDown) break;
    const replicas = rsReplicas(rs);
    const unhealthy = replicas - (counts(rs).availableReplicas ?? 0);
    if (replicas === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    targets.set(rs, replicas - down);
    cleaned += down;
  }
  const available = all.reduce((sum, rs) => sum + (counts(rs).availableReplicas ?? 0), 0);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let scaled = 0;
    for (const rs of oldestFirst) {
      if (scaled >= total) break;
      const current = targets.get(rs) ?? rsReplicas(rs);
      if (current === 0) continue;
      const down = Math.min(current, total - scaled);
      targets.set(rs, current - down);
      scaled += down;
    }
  }
  return [...targets]
    .filter(([rs, replicas]) => replicas !== rsReplicas(rs))
    .map(([rs, replicas]) => ({ rs, replicas }));
}

/** The one ReplicaSet a scale change applies to, when there is exactly one candidate. */
export function findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  const all = newRS ? [...oldRSs, newRS] : oldRSs;
  if (all.length === 0) return undefined;
  const active = all.filter((rs) => rsReplicas(rs) > 0);
  if (active.length === 1) return active[0];
  if (active.length > 1) return undefined;
  if (newRS) return newRS;
  return [...oldRSs].sort(
    (a, b) => Date.parse(b.metadata.creationTimestamp) - Date.parse(a.metadata.creationTimestamp),
  )[0];
}

/** Spreads a replicas change across several active ReplicaSets in proportion to their size. */
export function proportionalScale(deployment: KubeObject, all: KubeObject[]): { rs: KubeObject; replicas: number }[] {
  const active = all.filter((rs) => rsReplicas(rs) > 0);
  const desired = replicasOf(deployment);
  const current = active.reduce((sum, rs) => sum + rsReplicas(rs), 0);
  const allowed = desired > 0 ? desired + maxSurgeOf(deployment) : 0;
  const toAdd = allowed - current;
  if (toAdd === 0 || active.length === 0) return [];
  const sorted = [...active].sort((a, b) => {
    const bySize = rsReplicas(b) - rsReplicas(a);
    if (bySize !== 0) return bySize;
    const age = Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);
    return toAdd > 0 ? -age : age;
  });
  const targets = new Map<KubeObject, number>();
  let added = 0;
  for (const rs of sorted) {
    let fraction: number;
    if (desired === 0) fraction = -rsReplicas(rs);
    else {
      const annotated = Number(
        rs.metadata.annotations?.[MAX_REPLICAS] ?? statusOf<DeploymentStatus>(deployment).replicas ?? 0,
      );
      fraction = annotated > 0 ? Math.round((rsReplicas(rs) * allowed) / annotated) - rsReplicas(rs) : 0;
    }
    const remaining = toAdd - added;
    const proportion = toAdd > 0 ? Math.min(fraction, remaining) : Math.max(fraction, remaining);
    targets.set(rs, rsReplicas(rs) + proportion);
    added += proportion;
  }
  if (added !== toAdd) {
    const first = sorted[0]!;
    targets.set(first, Math.max(0, (targets.get(first) ?? 0) + toAdd - added));
  }
  return [...targets]
    .filter(([rs, replicas]) => replicas !== rsReplicas(rs))
    .map(([rs, replicas]) => ({ rs, replicas }));
}

export function deploymentComplete(deployment: KubeObject, status: DeploymentStatus): boolean {
  const desired = replicasOf(deployment);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0)
  );
}

function progressed(previous: DeploymentStatus, next: DeploymentStatus): boolean {
  const oldBefore = (previous.replicas ?? 0) - (previous.updatedReplicas ?? 0);
  const oldAfter = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (previous.updatedReplicas ?? 0) ||
    oldAfter < oldBefore ||
    (next.readyReplicas ?? 0) > (previous.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (previous.availableReplicas ?? 0)
  );
}

function withoutZeros(status: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) if (value !== 0 && value !== undefined) out[key] = value;
  return out as DeploymentStatus;
}

/**
 * The status this pass observed. With `rollout` the Progressing condition moves as Kubernetes
 * moves it (progress, completion, deadline); `recheckInMs` says when the deadline would pass.
 */
export function computeDeploymentStatus(
  deployment: KubeObject,
  all: KubeObject[],
  newRS: KubeObject | undefined,
  now: Date,
  rollout = false,
): { status: DeploymentStatus; recheckInMs?: number } {
  const spec = specOf<DeploymentSpec>(deployment);
  const previous = statusOf<DeploymentStatus>(deployment);
  const desired = replicasOf(deployment);
  const available = all.reduce((sum, rs) => sum + (counts(rs).availableReplicas ?? 0), 0);
  const specTotal = all.reduce((sum, rs) => sum + rsReplicas(rs), 0);
  const stamp = timestamp(now);
  const condition = (type: string, status: Condition['status'], reason: string, message: string): Condition => ({
    type,
    status,
    lastUpdateTime: stamp,
    lastTransitionTime: stamp,
    reason,
    message,
  });
  const status: DeploymentStatus = withoutZeros({
    observedGeneration: deployment.metadata.generation ?? 0,
    replicas: all.reduce((sum, rs) => sum + (counts(rs).replicas ?? 0), 0),
    updatedReplicas: counts(newRS).replicas ?? 0,
    readyReplicas: all.reduce((sum, rs) => sum + (counts(rs).readyReplicas ?? 0), 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specTotal - available),
    collisionCount: previous.collisionCount ?? 0,
  });
  let conditions = [...(previous.conditions ?? [])];
  conditions =
    available >= desired - maxUnavailableOf(deployment)
      ? setCondition(
          conditions,
          condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        )
      : setCondition(
          conditions,
          condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
        );

  const progressing = (): Condition | undefined => conditions.find((c) => c.type === 'Progressing');
  if (spec.paused) {
    if (progressing()?.reason !== 'DeploymentPaused') {
      conditions = setCondition(
        conditions,
        condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'),
      );
    }
  } else if (progressing()?.reason === 'DeploymentPaused') {
    conditions = setCondition(
      conditions,
      condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'),
    );
  }

  let recheckInMs: number | undefined;
  const deadline = spec.progressDeadlineSeconds ?? 600;
  if (rollout && !spec.paused && deadline === NO_DEADLINE) {
    conditions = conditions.filter((c) => c.type !== 'Progressing');
  } else if (rollout && !spec.paused) {
    const rsName = newRS?.metadata.name ?? '';
    const current = progressing();
    const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (!alreadyComplete) {
      if (deploymentComplete(deployment, status)) {
        conditions = setCondition(
          conditions,
          condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          ),
        );
      } else if (progressed(previous, status)) {
        const next = condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
        if (current?.status === 'True' && current.lastTransitionTime)
          next.lastTransitionTime = current.lastTransitionTime;
        conditions = [...conditions.filter((c) => c.type !== 'Progressing'), next];
      } else if (current && current.reason !== 'ProgressDeadlineExceeded') {
        const since = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? '') || now.getTime();
        const due = since + deadline * 1000;
        if (due < now.getTime()) {
          conditions = setCondition(
            conditions,
            condition(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
            ),
          );
        } else recheckInMs = due - now.getTime() + 1000;
      }
    }
    const after = progressing();
    if (
      recheckInMs === undefined &&
      after &&
      after.reason !== 'NewReplicaSetAvailable' &&
      after.reason !== 'ProgressDeadlineExceeded'
    ) {
      const since = Date.parse(after.lastUpdateTime ?? '') || now.getTime();
      recheckInMs = Math.max(0, since + deadline * 1000 - now.getTime()) + 1000;
    }
  }
  status.conditions = conditions;
  return recheckInMs !== undefined ? { status, recheckInMs } : { status };
}
