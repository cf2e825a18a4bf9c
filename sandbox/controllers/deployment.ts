// The Deployment controller: one ReplicaSet per pod template (named by its hash), revisions,
// RollingUpdate / Recreate / paused / proportional scaling, history cleanup, and the status and
// conditions that `kubectl rollout status` reads. Rollout arithmetic lives in deploymentMath.ts.

import { ApiError } from '../store/errors.js';
import type { KubeObject } from '../store/objects.js';
import { labelSelectorMatcher } from '../store/selectors.js';
import { DEPLOYMENTS, PODS, REPLICASETS, type ControllerContext } from './context.js';
import {
  computeDeploymentStatus,
  deploymentComplete,
  findActiveOrLatest,
  maxSurgeOf,
  newReplicaSetReplicas,
  oldReplicaSetScaleDowns,
  proportionalScale,
  replicasOf,
  revisionOf,
  HASH_LABEL,
  REVISION,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  type DeploymentSpec,
  type DeploymentStatus,
} from './deploymentMath.js';
import {
  canonicalJson,
  controllerOf,
  isControlledBy,
  isPodFinished,
  objectKey,
  ownerReference,
  podTemplateOf,
  specOf,
  splitKey,
  statusOf,
  setCondition,
  templateHash,
  timestamp,
  toJson,
  type Condition,
  type PodTemplate,
} from './objects.js';
import type { Controller, ReconcileResult } from './queue.js';

const COMPONENT = 'deployment-controller';

/** A template compared the way Kubernetes does: ignoring the pod-template-hash label. */
function templateWithoutHash(template: PodTemplate): string {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return canonicalJson({ ...template, metadata: { ...(template.metadata ?? {}), labels } });
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const diff = Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);
  return diff !== 0 ? diff : a.metadata.name.localeCompare(b.metadata.name);
}

export function deploymentController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);

  const ownerKeys = (object: KubeObject, previous: KubeObject | undefined, kind: string): string[] => {
    const owner = controllerOf(object) ?? (previous ? controllerOf(previous) : undefined);
    return owner?.kind === kind ? [objectKey(object.metadata.namespace, owner.name)] : [];
  };

  const replicaSetKeys = (rs: KubeObject, previous: KubeObject | undefined): string[] => {
    const owned = ownerKeys(rs, previous, 'Deployment');
    if (owned.length > 0 || controllerOf(rs)) return owned;
    return store
      .list(DEPLOYMENTS, { namespace: rs.metadata.namespace })
      .items.filter((d) => labelSelectorMatcher(toJson(specOf<DeploymentSpec>(d).selector ?? null))(rs.metadata.labels))
      .map(keyOf);
  };

  /** Pods of a Deployment's ReplicaSets matter to Recreate (it waits for old pods to go). */
  const podKeys = (pod: KubeObject, previous: KubeObject | undefined): string[] => {
    if (
      pod.metadata.deletionTimestamp === undefined &&
      previous?.metadata.deletionTimestamp === undefined &&
      !isPodFinished(pod)
    )
      return [];
    const owner = controllerOf(pod) ?? (previous ? controllerOf(previous) : undefined);
    if (owner?.kind !== 'ReplicaSet') return [];
    const rs = store.tryGet(REPLICASETS, pod.metadata.namespace, owner.name);
    return rs ? ownerKeys(rs, undefined, 'Deployment') : [];
  };

  return {
    name: 'deployment',
    watches: [
      { resource: DEPLOYMENTS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      { resource: REPLICASETS, keysFor: (event) => replicaSetKeys(event.object, event.previous) },
      { resource: PODS, keysFor: (event) => podKeys(event.object, event.previous) },
    ],
    initialKeys: () => store.list(DEPLOYMENTS).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const deployment = store.tryGet(DEPLOYMENTS, namespace, name);
      if (!deployment || deployment.metadata.deletionTimestamp) return;
      return syncDeployment(ctx, deployment);
    },
  };
}

/** One pass over a Deployment, in the order the Kubernetes controller takes. */
function syncDeployment(ctx: ControllerContext, deployment: KubeObject): ReconcileResult | void {
  const spec = specOf<DeploymentSpec>(deployment);
  if (!spec.selector || Object.keys(spec.selector).length === 0) {
    ctx.record(
      deployment,
      'Warning',
      'SelectingAll',
      'This deployment is selecting all pods. A non-empty selector is required.',
      COMPONENT,
    );
    return;
  }
  const owned = claimReplicaSets(ctx, deployment);
  const run = new DeploymentSync(ctx, deployment, owned);
  if (spec.paused) return run.scaleOnly();
  if (run.isScalingEvent()) return run.scaleOnly();
  return spec.strategy?.type === 'Recreate' ? run.recreate() : run.rollingUpdate();
}

/** Adopts matching orphan ReplicaSets and releases owned ones that no longer match. */
function claimReplicaSets(ctx: ControllerContext, deployment: KubeObject): KubeObject[] {
  const { store } = ctx;
  const selects = labelSelectorMatcher(toJson(specOf<DeploymentSpec>(deployment).selector ?? null));
  const result: KubeObject[] = [];
  for (const rs of store.list(REPLICASETS, { namespace: deployment.metadata.namespace }).items) {
    const matches = selects(rs.metadata.labels);
    if (isControlledBy(rs, deployment)) {
      if (matches) result.push(rs);
      else {
        rs.metadata.ownerReferences = (rs.metadata.ownerReferences ?? []).filter(
          (r) => r.uid !== deployment.metadata.uid,
        );
        store.update(REPLICASETS, rs);
      }
    } else if (!controllerOf(rs) && matches && !rs.metadata.deletionTimestamp) {
      rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerReference(deployment)];
      result.push(store.update(REPLICASETS, rs));
    }
  }
  return result.sort(byCreation);
}

/** The state of one sync: the Deployment as last written and its ReplicaSets. */
class DeploymentSync {
  private readonly spec: DeploymentSpec;
  private newRS: KubeObject | undefined;
  private oldRSs: KubeObject[];
  private progressNote: Condition | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private deployment: KubeObject,
    replicaSets: KubeObject[],
  ) {
    this.spec = specOf<DeploymentSpec>(deployment);
    const wanted = templateWithoutHash(this.spec.template ?? {});
    const matching = replicaSets.filter((rs) => templateWithoutHash(podTemplateOf(rs)) === wanted);
    this.newRS = matching[0];
    this.oldRSs = replicaSets.filter((rs) => rs !== this.newRS);
  }

  private get all(): KubeObject[] {
    return this.newRS ? [...this.oldRSs, this.newRS] : [...this.oldRSs];
  }

  isScalingEvent(): boolean {
    const desired = replicasOf(this.deployment);
    return this.all.some((rs) => {
      if ((specOf<{ replicas?: number }>(rs).replicas ?? 0) === 0) return false;
      const annotated = rs.metadata.annotations?.[DESIRED_REPLICAS];
      return annotated !== undefined && Number(annotated) !== desired;
    });
  }

  scaleOnly(): ReconcileResult | void {
    this.syncRevision(false);
    this.scale();
    if (this.spec.paused) this.cleanup();
    return this.writeStatus(false);
  }

  rollingUpdate(): ReconcileResult | void {
    this.syncRevision(true);
    const newRS = this.newRS!;
    const newTarget = newReplicaSetReplicas(this.deployment, this.all, newRS);
    if (newTarget !== rsReplicas(newRS)) {
      this.scaleReplicaSet(newRS, newTarget);
      return this.writeStatus(true);
    }
    const scaleDowns = oldReplicaSetScaleDowns(this.deployment, this.oldRSs, this.newRS);
    if (scaleDowns.length > 0) {
      for (const { rs, replicas } of scaleDowns) this.scaleReplicaSet(rs, replicas);
      return this.writeStatus(true);
    }
    if (
      deploymentComplete(
        this.deployment,
        computeDeploymentStatus(this.deployment, this.all, this.newRS, this.ctx.now()).status,
      )
    )
      this.cleanup();
    return this.writeStatus(true);
  }

  recreate(): ReconcileResult | void {
    this.syncRevision(false);
    const active = this.oldRSs.filter((rs) => rsReplicas(rs) > 0);
    if (active.length > 0) {
      for (const rs of active) this.scaleReplicaSet(rs, 0);
      return this.writeStatus(true);
    }
    if (this.oldPodsRunning()) return this.writeStatus(true);
    if (!this.newRS) this.syncRevision(true);
    const newRS = this.newRS!;
    if (rsReplicas(newRS) !== replicasOf(this.deployment)) this.scaleReplicaSet(newRS, replicasOf(this.deployment));
    if (
      deploymentComplete(
        this.deployment,
        computeDeploymentStatus(this.deployment, this.all, this.newRS, this.ctx.now()).status,
      )
    )
      this.cleanup();
    return this.writeStatus(true);
  }

  /** Recreate must not start new pods while any pod of an old ReplicaSet still exists. */
  private oldPodsRunning(): boolean {
    if (this.oldRSs.some((rs) => (statusOf<{ replicas?: number }>(rs).replicas ?? 0) > 0)) return true;
    const pods = this.ctx.store.list(PODS, { namespace: this.deployment.metadata.namespace }).items;
    return pods.some((pod) => !isPodFinished(pod) && this.oldRSs.some((rs) => isControlledBy(pod, rs)));
  }

  /**
   * Finds or creates the ReplicaSet for the current template and gives it the next revision;
   * an old ReplicaSet whose template came back (rollout undo) becomes new again.
   */
  private syncRevision(createIfMissing: boolean): void {
    const { store } = this.ctx;
    const maxOld = this.oldRSs.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
    const nextRevision = String(maxOld + 1);
    const desired = replicasOf(this.deployment);
    const maxReplicas = desired + maxSurgeOf(this.deployment);
    if (this.newRS) {
      const rs = this.newRS;
      const annotations = { ...(rs.metadata.annotations ?? {}) };
      if (revisionOf(rs) < maxOld + 1) annotations[REVISION] = nextRevision;
      annotations[DESIRED_REPLICAS] ??= String(desired);
      annotations[MAX_REPLICAS] ??= String(maxReplicas);
      Object.assign(annotations, copiedAnnotations(this.deployment));
      const minReady = this.spec.minReadySeconds ?? 0;
      const rsSpec = specOf<{ minReadySeconds?: number }>(rs);
      if (
        JSON.stringify(annotations) !== JSON.stringify(rs.metadata.annotations ?? {}) ||
        (rsSpec.minReadySeconds ?? 0) !== minReady
      ) {
        rs.metadata.annotations = annotations;
        rs.spec = toJson({ ...rsSpec, minReadySeconds: minReady });
        this.newRS = store.update(REPLICASETS, rs);
      }
      this.noteProgressing('FoundNewReplicaSet', `Found new replica set "${this.newRS.metadata.name}"`, false);
    } else if (createIfMissing) {
      this.newRS = this.createReplicaSet(nextRevision);
    }
    const revision = this.newRS ? this.newRS.metadata.annotations?.[REVISION] : undefined;
    if (revision && this.deployment.metadata.annotations?.[REVISION] !== revision) {
      const next = {
        ...this.deployment,
        metadata: {
          ...this.deployment.metadata,
          annotations: { ...(this.deployment.metadata.annotations ?? {}), [REVISION]: revision },
        },
      };
      this.deployment = store.update(DEPLOYMENTS, next);
    }
  }

  private createReplicaSet(revision: string): KubeObject {
    const { store } = this.ctx;
    const template = this.spec.template ?? {};
    const status = statusOf<DeploymentStatus>(this.deployment);
    const collisions = status.collisionCount ?? 0;
    const hash = templateHash(template, collisions);
    const name = `${this.deployment.metadata.name}-${hash}`;
    const labels = { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash };
    const selector = this.spec.selector ?? {};
    const replicas = newReplicaSetReplicas(this.deployment, this.oldRSs, undefined);
    const input = {
      metadata: {
        name,
        namespace: this.deployment.metadata.namespace,
        labels,
        annotations: {
          ...copiedAnnotations(this.deployment),
          [DESIRED_REPLICAS]: String(replicasOf(this.deployment)),
          [MAX_REPLICAS]: String(replicasOf(this.deployment) + maxSurgeOf(this.deployment)),
          [REVISION]: revision,
        },
        ownerReferences: [ownerReference(this.deployment)],
      },
      spec: toJson({
        replicas,
        minReadySeconds: this.spec.minReadySeconds ?? 0,
        selector: { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash } },
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      }),
    };
    try {
      const created = store.create(REPLICASETS, input);
      if (replicas > 0) {
        this.ctx.record(
          this.deployment,
          'Normal',
          'ScalingReplicaSet',
          `Scaled up replica set ${name} from 0 to ${replicas}`,
          COMPONENT,
        );
      }
      this.noteProgressing('NewReplicaSetCreated', `Created new replica set "${name}"`, true);
      return created;
    } catch (error) {
      if (error instanceof ApiError && error.code === 409 && error.reason === 'AlreadyExists') {
        const existing = store.get(REPLICASETS, this.deployment.metadata.namespace, name);
        if (
          isControlledBy(existing, this.deployment) &&
          templateWithoutHash(podTemplateOf(existing)) === templateWithoutHash(template)
        ) {
          return existing;
        }
        // A different object holds the name: count the collision so the next hash differs.
        store.update(
          DEPLOYMENTS,
          { ...this.deployment, status: toJson({ ...status, collisionCount: collisions + 1 }) },
          { subresource: 'status' },
        );
      }
      throw error;
    }
  }

  /**
   * Records the first Progressing condition in the status this pass will write; `replace` is for
   * a newly created ReplicaSet, which always restarts the progress clock.
   */
  private noteProgressing(reason: string, message: string, replace: boolean): void {
    const deadline = this.spec.progressDeadlineSeconds ?? 600;
    if (deadline === 2147483647 || this.spec.paused) return;
    const conditions = statusOf<DeploymentStatus>(this.deployment).conditions ?? [];
    if (!replace && conditions.some((c) => c.type === 'Progressing')) return;
    const stamp = timestamp(this.ctx.now());
    this.progressNote = {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: stamp,
      lastTransitionTime: stamp,
      reason,
      message,
    };
  }

  /** Resizes the ReplicaSets for a replicas change without a new revision. */
  private scale(): void {
    const desired = replicasOf(this.deployment);
    const only = findActiveOrLatest(this.newRS, this.oldRSs);
    if (only) {
      if (rsReplicas(only) !== desired || only.metadata.annotations?.[DESIRED_REPLICAS] !== String(desired))
        this.scaleReplicaSet(only, desired);
      return;
    }
    const newRS = this.newRS;
    const saturated =
      newRS !== undefined &&
      rsReplicas(newRS) === desired &&
      newRS.metadata.annotations?.[DESIRED_REPLICAS] === String(desired) &&
      (statusOf<{ availableReplicas?: number }>(newRS).availableReplicas ?? 0) === desired;
    if (saturated) {
      for (const rs of this.oldRSs) if (rsReplicas(rs) > 0) this.scaleReplicaSet(rs, 0);
      return;
    }
    if (this.spec.strategy?.type === 'Recreate') return;
    for (const { rs, replicas } of proportionalScale(this.deployment, this.all)) this.scaleReplicaSet(rs, replicas);
  }

  private scaleReplicaSet(rs: KubeObject, replicas: number): void {
    const { store } = this.ctx;
    const before = rsReplicas(rs);
    const desired = String(replicasOf(this.deployment));
    const max = String(replicasOf(this.deployment) + maxSurgeOf(this.deployment));
    const annotations = rs.metadata.annotations ?? {};
    if (before === replicas && annotations[DESIRED_REPLICAS] === desired && annotations[MAX_REPLICAS] === max) return;
    const next: KubeObject = {
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...annotations, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max } },
      spec: toJson({ ...specOf<object>(rs), replicas }),
    };
    const updated = store.update(REPLICASETS, next);
    if (this.newRS === rs) this.newRS = updated;
    this.oldRSs = this.oldRSs.map((old) => (old === rs ? updated : old));
    if (before !== replicas) {
      const direction = replicas > before ? 'up' : 'down';
      this.ctx.record(
        this.deployment,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
        COMPONENT,
      );
    }
  }

  /** Deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  private cleanup(): void {
    const limit = this.spec.revisionHistoryLimit ?? 10;
    const cleanable = this.oldRSs
      .filter(
        (rs) =>
          rsReplicas(rs) === 0 &&
          (statusOf<{ replicas?: number }>(rs).replicas ?? 0) === 0 &&
          !rs.metadata.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const excess = cleanable.length - limit;
    for (const rs of cleanable.slice(0, Math.max(0, excess))) {
      try {
        this.ctx.store.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name, {
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      }
      this.oldRSs = this.oldRSs.filter((old) => old !== rs);
    }
  }

  /** Writes the status computed from this pass; with `rollout`, also the Progressing condition. */
  private writeStatus(rollout: boolean): ReconcileResult | void {
    const now = this.ctx.now();
    const current = statusOf<DeploymentStatus>(this.deployment);
    let base = this.deployment;
    if (this.progressNote) {
      const conditions = setCondition(current.conditions ?? [], this.progressNote);
      base = { ...base, status: toJson({ ...current, conditions }) };
    }
    const next = computeDeploymentStatus(base, this.all, this.newRS, now, rollout);
    if (canonicalJson(next.status) !== canonicalJson(current)) {
      this.deployment = this.ctx.store.update(
        DEPLOYMENTS,
        { ...this.deployment, status: toJson(next.status) },
        { subresource: 'status' },
      );
    }
    return next.recheckInMs !== undefined ? { requeueAfterMs: next.recheckInMs } : undefined;
  }
}

/** Annotations a Deployment passes on to its new ReplicaSet (e.g. kubernetes.io/change-cause). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

function copiedAnnotations(deployment: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (!NOT_COPIED.has(key)) out[key] = value;
  }
  return out;
}

function rsReplicas(rs: KubeObject): number {
  return specOf<{ replicas?: number }>(rs).replicas ?? 0;
}
