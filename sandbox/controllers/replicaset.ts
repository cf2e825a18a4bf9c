// The ReplicaSet controller: keeps spec.replicas live pods controlled by each ReplicaSet (adopting
// matching orphans, releasing pods that stop matching) and publishes its status. Decides in
// planReplicaSet (pure) and acts in a thin effect layer.

import type { KubeObject } from '../store/objects.js';
import { labelSelectorMatcher } from '../store/selectors.js';
import { PODS, REPLICASETS, type ControllerContext } from './context.js';
import {
  controllerOf,
  isControlledBy,
  isPodActive,
  isPodReady,
  objectKey,
  ownerReference,
  podAvailability,
  podCondition,
  podFromTemplate,
  podPhase,
  podTemplateOf,
  restartCount,
  specOf,
  splitKey,
  statusOf,
  toJson,
} from './objects.js';
import type { Controller, ReconcileResult } from './queue.js';
import { withDefaults } from './defaults.js';

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: { matchLabels?: Record<string, string> };
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration?: number;
}

export interface ReplicaSetPlan {
  adopt: KubeObject[];
  release: KubeObject[];
  create: number;
  delete: KubeObject[];
  status: ReplicaSetStatus;
  /** When a pod becomes available (minReadySeconds), so the status can be refreshed then. */
  recheckInMs?: number;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The order in which a ReplicaSet gives up pods: unscheduled before scheduled, pending before
 * running, not ready before ready, recently ready before long ready, more restarts first, newest first.
 */
export function compareForScaleDown(a: KubeObject, b: KubeObject): number {
  const scheduled = (p: KubeObject): number => (specOf<{ nodeName?: string }>(p).nodeName ? 1 : 0);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const rank = (p: KubeObject): number => PHASE_RANK[podPhase(p)] ?? 0;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const ready = (p: KubeObject): number => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (isPodReady(a) && isPodReady(b)) {
    const since = (p: KubeObject): number => Date.parse(podCondition(p, 'Ready')?.lastTransitionTime ?? '') || 0;
    if (since(a) !== since(b)) return since(b) - since(a);
  }
  if (restartCount(a) !== restartCount(b)) return restartCount(b) - restartCount(a);
  const created = (p: KubeObject): number => Date.parse(p.metadata.creationTimestamp) || 0;
  if (created(a) !== created(b)) return created(b) - created(a);
  return b.metadata.name.localeCompare(a.metadata.name);
}

/** Decides what a ReplicaSet must do given every pod in its namespace. */
export function planReplicaSet(rs: KubeObject, namespacePods: KubeObject[], now: Date): ReplicaSetPlan {
  const spec = specOf<ReplicaSetSpec>(rs);
  const selects = labelSelectorMatcher(toJson(spec.selector ?? null));
  const deleting = rs.metadata.deletionTimestamp !== undefined;
  const adopt = deleting
    ? []
    : namespacePods.filter((p) => !controllerOf(p) && isPodActive(p) && selects(p.metadata.labels));
  const owned = namespacePods.filter((p) => isControlledBy(p, rs));
  const release = owned.filter((p) => !selects(p.metadata.labels));
  const mine = [...owned.filter((p) => selects(p.metadata.labels)), ...adopt];
  const active = mine.filter(isPodActive);

  const wanted = deleting ? active.length : (spec.replicas ?? 1);
  const diff = active.length - wanted;
  const toDelete = diff > 0 ? [...active].sort(compareForScaleDown).slice(0, diff) : [];

  const templateLabels = podTemplateOf(rs).metadata?.labels ?? {};
  let recheckInMs: number | undefined;
  let available = 0;
  for (const pod of active) {
    const availability = podAvailability(pod, spec.minReadySeconds ?? 0, now);
    if (availability.available) available++;
    else if (availability.inMs !== undefined) recheckInMs = Math.min(recheckInMs ?? Infinity, availability.inMs);
  }
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) =>
      Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
    ).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: available,
    ...(rs.metadata.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
  };
  return {
    adopt,
    release,
    create: diff < 0 ? -diff : 0,
    delete: toDelete,
    status,
    ...(recheckInMs !== undefined ? { recheckInMs } : {}),
  };
}

export function replicaSetController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);

  const podKeys = (pod: KubeObject, previous: KubeObject | undefined): string[] => {
    const owner = controllerOf(pod) ?? (previous ? controllerOf(previous) : undefined);
    if (owner) return owner.kind === 'ReplicaSet' ? [objectKey(pod.metadata.namespace, owner.name)] : [];
    // An orphan may be adopted by any ReplicaSet whose selector matches it.
    return store
      .list(REPLICASETS, { namespace: pod.metadata.namespace })
      .items.filter((rs) =>
        labelSelectorMatcher(toJson(specOf<ReplicaSetSpec>(rs).selector ?? null))(pod.metadata.labels),
      )
      .map(keyOf);
  };

  return {
    name: 'replicaset',
    watches: [
      { resource: REPLICASETS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      { resource: PODS, keysFor: (event) => podKeys(event.object, event.previous) },
    ],
    initialKeys: () => store.list(REPLICASETS).items.map(keyOf),
    reconcile(key): ReconcileResult | void {
      const { namespace, name } = splitKey(key);
      const rs = store.tryGet(REPLICASETS, namespace, name);
      if (!rs) return;
      // Pods that would not match their own ReplicaSet would be created forever; refuse, as
      // validation on a real API server refuses such a ReplicaSet.
      const selector = specOf<ReplicaSetSpec>(rs).selector;
      const templateLabels = podTemplateOf(rs).metadata?.labels ?? {};
      if (!selector || Object.keys(selector).length === 0 || !labelSelectorMatcher(toJson(selector))(templateLabels)) {
        ctx.record(
          rs,
          'Warning',
          'FailedCreate',
          '`selector` does not match template `labels`',
          'replicaset-controller',
        );
        return;
      }
      const pods = store.list(PODS, { namespace }).items;
      const plan = planReplicaSet(rs, pods, ctx.now());
      applyReplicaSetPlan(ctx, rs, plan);
      return plan.recheckInMs !== undefined ? { requeueAfterMs: plan.recheckInMs + 50 } : undefined;
    },
  };
}

function applyReplicaSetPlan(ctx: ControllerContext, rs: KubeObject, plan: ReplicaSetPlan): void {
  const { store } = ctx;
  for (const pod of plan.adopt) {
    pod.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), ownerReference(rs)];
    store.update(PODS, pod);
  }
  for (const pod of plan.release) {
    pod.metadata.ownerReferences = (pod.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== rs.metadata.uid);
    store.update(PODS, pod);
  }
  const template = podTemplateOf(rs);
  for (let i = 0; i < plan.create; i++) {
    const created = store.create(
      PODS,
      withDefaults(PODS, podFromTemplate(template, rs, { generateName: `${rs.metadata.name}-` })),
    );
    ctx.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, 'replicaset-controller');
  }
  for (const pod of plan.delete) {
    store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
    ctx.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
  }
  const current = statusOf<Record<string, unknown>>(rs);
  const next = { ...current, ...plan.status };
  if (JSON.stringify(next) !== JSON.stringify(current)) {
    store.update(REPLICASETS, { ...rs, status: toJson(next) }, { subresource: 'status' });
  }
}
