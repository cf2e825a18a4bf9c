// The StatefulSet controller: stable pods NAME-0..N-1 created in order (or in parallel), a PVC per
// volumeClaimTemplate and ordinal kept across scale-down, rolling updates from the highest ordinal
// down, and the status `kubectl rollout status sts/x` reads.

import { labelSelectorMatcher } from '../store/selectors.js';
import type { JsonValue, KubeObject } from '../store/objects.js';
import { PODS, PVCS, STATEFULSETS, type ControllerContext } from './context.js';
import {
  controllerOf,
  isControlledBy,
  isPodFinished,
  isPodRunningAndReady,
  objectKey,
  ownerReference,
  podAvailability,
  podFromTemplate,
  specOf,
  splitKey,
  statusOf,
  toJson,
  type PodSpec,
  type PodTemplate,
} from './objects.js';
import type { Controller, ReconcileResult } from './queue.js';
import { withDefaults } from './defaults.js';
import { ensureRevision, revisionTemplate } from './revisions.js';

const COMPONENT = 'statefulset-controller';
const REVISION_LABEL = 'controller-revision-hash';

interface StatefulSetSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: PodTemplate;
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  minReadySeconds?: number;
  ordinals?: { start?: number };
  volumeClaimTemplates?: { metadata?: { name?: string; labels?: Record<string, string> }; spec?: JsonValue }[];
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
}

interface StatefulSetStatus {
  currentRevision?: string;
}

function ordinalOf(sts: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  if (!pod.metadata.name.startsWith(prefix)) return undefined;
  const rest = pod.metadata.name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

export function statefulSetController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'statefulset',
    watches: [
      { resource: STATEFULSETS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      {
        resource: PODS,
        keysFor: (event) => {
          const owner = controllerOf(event.object);
          return owner?.kind === 'StatefulSet' ? [objectKey(event.object.metadata.namespace, owner.name)] : [];
        },
      },
    ],
    initialKeys: () => store.list(STATEFULSETS).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const sts = store.tryGet(STATEFULSETS, namespace, name);
      if (!sts || sts.metadata.deletionTimestamp) return;
      return syncStatefulSet(ctx, sts);
    },
  };
}

function syncStatefulSet(ctx: ControllerContext, sts: KubeObject): ReconcileResult | void {
  const spec = specOf<StatefulSetSpec>(sts);
  const status = statusOf<StatefulSetStatus>(sts);
  const update = ensureRevision(ctx, sts, status.currentRevision ? [status.currentRevision] : []);
  const currentRevision = status.currentRevision ?? update.name;
  const replicas = spec.replicas ?? 1;
  const start = spec.ordinals?.start ?? 0;
  const ordered = spec.podManagementPolicy !== 'Parallel';
  const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const minReady = spec.minReadySeconds ?? 0;

  const pods = claimPods(ctx, sts);
  const byOrdinal = new Map<number, KubeObject>();
  for (const pod of pods) {
    const ordinal = ordinalOf(sts, pod);
    if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
  }
  const healthy = (pod: KubeObject): boolean =>
    !pod.metadata.deletionTimestamp && isPodRunningAndReady(pod) && podAvailability(pod, minReady, ctx.now()).available;
  let recheckInMs: number | undefined;

  const act = (): void => {
    // Finished pods in range are replaced: a StatefulSet's pods are meant to run forever.
    for (let ordinal = start; ordinal < start + replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (pod && !pod.metadata.deletionTimestamp && isPodFinished(pod)) {
        deletePod(ctx, sts, pod);
        if (ordered) return;
      }
    }
    for (let ordinal = start; ordinal < start + replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        const useCurrent = rolling ? ordinal - start < partition : false;
        const revisionName = useCurrent ? currentRevision : update.name;
        const template = (useCurrent ? revisionTemplate(ctx, sts, currentRevision) : undefined) ?? spec.template ?? {};
        createPod(ctx, sts, ordinal, template, revisionName);
        if (ordered) return;
        continue;
      }
      if (ordered && !healthy(pod)) {
        const availability = podAvailability(pod, minReady, ctx.now());
        if (availability.inMs !== undefined) recheckInMs = availability.inMs + 50;
        return;
      }
    }
    const condemned = [...byOrdinal.entries()]
      .filter(([ordinal]) => ordinal < start || ordinal >= start + replicas)
      .sort(([a], [b]) => b - a);
    for (const [, pod] of condemned) {
      if (pod.metadata.deletionTimestamp) {
        if (ordered) return;
        continue;
      }
      if (spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') releaseClaimsWith(ctx, sts, pod);
      deletePod(ctx, sts, pod);
      if (ordered) return;
    }
    if (!rolling) return;
    // Rolling update: one pod at a time from the highest ordinal, only while all are healthy.
    for (let ordinal = start + replicas - 1; ordinal >= start; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (!pod || !healthy(pod)) return;
    }
    for (let ordinal = start + replicas - 1; ordinal >= start + partition; ordinal--) {
      const pod = byOrdinal.get(ordinal)!;
      if (pod.metadata.labels?.[REVISION_LABEL] !== update.name) {
        deletePod(ctx, sts, pod);
        return;
      }
    }
  };
  act();
  writeStatus(ctx, sts, update.name, currentRevision, minReady);
  return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs } : undefined;
}

function createPod(
  ctx: ControllerContext,
  sts: KubeObject,
  ordinal: number,
  template: PodTemplate,
  revisionName: string,
): void {
  const { store } = ctx;
  const spec = specOf<StatefulSetSpec>(sts);
  const name = `${sts.metadata.name}-${ordinal}`;
  const pod = podFromTemplate(
    template,
    sts,
    { name },
    {
      'statefulset.kubernetes.io/pod-name': name,
      'apps.kubernetes.io/pod-index': String(ordinal),
      [REVISION_LABEL]: revisionName,
    },
  );
  const podSpec = { ...(pod.spec as PodSpec) } as PodSpec & Record<string, unknown>;
  podSpec.hostname = name;
  if (spec.serviceName) podSpec.subdomain = spec.serviceName;
  const claims = spec.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const names = new Set(claims.map((c) => c.metadata?.name ?? ''));
    podSpec.volumes = [
      ...(podSpec.volumes ?? []).filter((v) => !names.has(v.name)),
      ...claims.map((claim) => ({
        name: claim.metadata?.name ?? '',
        persistentVolumeClaim: { claimName: `${claim.metadata?.name ?? ''}-${name}` },
      })),
    ];
    for (const claim of claims) ensureClaim(ctx, sts, claim, name);
  }
  pod.spec = toJson(podSpec);
  try {
    store.create(PODS, withDefaults(PODS, pod));
  } catch (error) {
    // Say why the set is stuck (e.g. a foreign pod holds the name); the loop retries with back-off.
    const reason = error instanceof Error ? error.message : String(error);
    ctx.record(
      sts,
      'Warning',
      'FailedCreate',
      `create Pod ${name} in StatefulSet ${sts.metadata.name} failed error: ${reason}`,
      COMPONENT,
    );
    throw error;
  }
  ctx.record(
    sts,
    'Normal',
    'SuccessfulCreate',
    `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
    COMPONENT,
  );
}

function ensureClaim(
  ctx: ControllerContext,
  sts: KubeObject,
  claim: NonNullable<StatefulSetSpec['volumeClaimTemplates']>[number],
  podName: string,
): void {
  const { store } = ctx;
  const spec = specOf<StatefulSetSpec>(sts);
  const name = `${claim.metadata?.name ?? ''}-${podName}`;
  if (store.tryGet(PVCS, sts.metadata.namespace, name)) return;
  const deleteWithSet = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
  store.create(
    PVCS,
    withDefaults(PVCS, {
      metadata: {
        name,
        namespace: sts.metadata.namespace,
        labels: { ...(spec.selector?.matchLabels ?? {}), ...(claim.metadata?.labels ?? {}) },
        ...(deleteWithSet ? { ownerReferences: [ownerReference(sts)] } : {}),
      },
      spec: toJson(claim.spec ?? {}),
    }),
  );
  ctx.record(
    sts,
    'Normal',
    'SuccessfulCreate',
    `create Claim ${name} Pod ${podName} in StatefulSet ${sts.metadata.name} success`,
    COMPONENT,
  );
}

/** Our pods, after adopting orphans that carry one of our names and match our selector. */
function claimPods(ctx: ControllerContext, sts: KubeObject): KubeObject[] {
  const { store } = ctx;
  const selects = labelSelectorMatcher(toJson(specOf<StatefulSetSpec>(sts).selector ?? null));
  const claimed: KubeObject[] = [];
  for (const pod of store.list(PODS, { namespace: sts.metadata.namespace }).items) {
    if (isControlledBy(pod, sts)) claimed.push(pod);
    else if (
      !controllerOf(pod) &&
      !pod.metadata.deletionTimestamp &&
      ordinalOf(sts, pod) !== undefined &&
      selects(pod.metadata.labels)
    ) {
      pod.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), ownerReference(sts)];
      claimed.push(store.update(PODS, pod));
    }
  }
  return claimed;
}

/** whenScaled: Delete — the claims of a removed ordinal go with its pod (the collector deletes them). */
function releaseClaimsWith(ctx: ControllerContext, sts: KubeObject, pod: KubeObject): void {
  for (const claim of specOf<StatefulSetSpec>(sts).volumeClaimTemplates ?? []) {
    const pvc = ctx.store.tryGet(PVCS, sts.metadata.namespace, `${claim.metadata?.name ?? ''}-${pod.metadata.name}`);
    if (!pvc || (pvc.metadata.ownerReferences ?? []).some((r) => r.uid === pod.metadata.uid)) continue;
    const podRef = {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      blockOwnerDeletion: true,
    };
    ctx.store.update(PVCS, {
      ...pvc,
      metadata: { ...pvc.metadata, ownerReferences: [...(pvc.metadata.ownerReferences ?? []), podRef] },
    });
  }
}

function deletePod(ctx: ControllerContext, sts: KubeObject, pod: KubeObject): void {
  ctx.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
  ctx.record(
    sts,
    'Normal',
    'SuccessfulDelete',
    `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
    COMPONENT,
  );
}

function writeStatus(
  ctx: ControllerContext,
  sts: KubeObject,
  updateRevision: string,
  currentRevision: string,
  minReady: number,
): void {
  const { store } = ctx;
  const spec = specOf<StatefulSetSpec>(sts);
  const pods = store
    .list(PODS, { namespace: sts.metadata.namespace })
    .items.filter((p) => isControlledBy(p, sts) && !isPodFinished(p));
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const replicas = pods.length;
  const ready = live.filter(isPodRunningAndReady).length;
  const available = live.filter(
    (p) => isPodRunningAndReady(p) && podAvailability(p, minReady, ctx.now()).available,
  ).length;
  const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
  let current = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length;
  let currentName = currentRevision;
  const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (
    (rolling || currentRevision === updateRevision) &&
    updated === replicas &&
    ready === replicas &&
    replicas === (spec.replicas ?? 1)
  ) {
    currentName = updateRevision;
    current = updated;
  }
  const previous = statusOf<Record<string, unknown>>(sts);
  const next = {
    ...previous,
    observedGeneration: sts.metadata.generation ?? 1,
    replicas,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated,
    availableReplicas: available,
    currentRevision: currentName,
    updateRevision,
    collisionCount: 0,
  };
  if (JSON.stringify(next) !== JSON.stringify(previous))
    store.update(STATEFULSETS, { ...sts, status: toJson(next) }, { subresource: 'status' });
}
