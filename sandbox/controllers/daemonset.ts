// The DaemonSet controller: exactly one pod on the sandbox's single node, replaced on a template
// change (maxUnavailable first, or maxSurge first when set), and the status rollout status reads.

import { NODE_NAME } from '../store/cluster.js';
import { labelSelectorMatcher } from '../store/selectors.js';
import type { JsonValue, KubeObject } from '../store/objects.js';
import { DAEMONSETS, NODES, PODS, type ControllerContext } from './context.js';
import { podFitsNode } from './nodefit.js';
import {
  controllerOf,
  intOrPercent,
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
import { ensureRevision } from './revisions.js';

const COMPONENT = 'daemonset-controller';
const REVISION_LABEL = 'controller-revision-hash';

interface DaemonSetSpec {
  template?: PodTemplate;
  minReadySeconds?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { maxSurge?: JsonValue; maxUnavailable?: JsonValue } };
}

/** What a DaemonSet must do with its pods on the one node (pure). */
export function planDaemonSet(
  ds: KubeObject,
  pods: KubeObject[],
  hash: string,
  now: Date,
): { create: boolean; delete: KubeObject[] } {
  const spec = specOf<DaemonSetSpec>(ds);
  const minReady = spec.minReadySeconds ?? 0;
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const finished = live.filter(isPodFinished);
  const running = live.filter((p) => !isPodFinished(p));
  const current = running.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash);
  const old = running.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
  const terminating = pods.some((p) => p.metadata.deletionTimestamp);
  const toDelete = [...finished];
  // Keep one current pod; extra ones (e.g. after a restart of the sandbox) go.
  toDelete.push(...current.slice(1));
  const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const surge = intOrPercent(spec.updateStrategy?.rollingUpdate?.maxSurge, 1, '0', true);
  let create = current.length === 0;
  if (old.length > 0 && rolling) {
    if (surge > 0) {
      // Surge: the new pod starts first; the old one goes once the new one is available.
      if (current.length > 0 && podAvailability(current[0]!, minReady, now).available) toDelete.push(...old);
    } else {
      toDelete.push(...old);
      create = false;
    }
  } else if (old.length > 0) {
    create = false; // OnDelete: the user replaces the pod.
  }
  if (!rolling && old.length === 0 && current.length === 0) create = true;
  if (create && surge === 0 && terminating) create = false;
  return { create, delete: toDelete };
}

export function daemonSetController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'daemonset',
    watches: [
      { resource: DAEMONSETS, keysFor: (event) => (event.type === 'DELETED' ? [] : [keyOf(event.object)]) },
      {
        resource: PODS,
        keysFor: (event) => {
          const owner = controllerOf(event.object);
          return owner?.kind === 'DaemonSet' ? [objectKey(event.object.metadata.namespace, owner.name)] : [];
        },
      },
    ],
    initialKeys: () => store.list(DAEMONSETS).items.map(keyOf),
    reconcile(key): ReconcileResult | void {
      const { namespace, name } = splitKey(key);
      const ds = store.tryGet(DAEMONSETS, namespace, name);
      if (!ds || ds.metadata.deletionTimestamp) return;
      const revision = ensureRevision(ctx, ds);
      const selects = labelSelectorMatcher(toJson(specOf<{ selector?: JsonValue }>(ds).selector ?? null));
      const pods: KubeObject[] = [];
      for (const pod of store.list(PODS, { namespace }).items) {
        if (isControlledBy(pod, ds)) pods.push(pod);
        else if (!controllerOf(pod) && !pod.metadata.deletionTimestamp && selects(pod.metadata.labels)) {
          // An orphan of a DaemonSet deleted with --cascade=orphan: adopt it (and roll it if outdated).
          pod.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), ownerReference(ds)];
          pods.push(store.update(PODS, pod));
        }
      }
      // A template whose nodeSelector or affinity excludes the node wants no pod at all.
      const node = store.tryGet(NODES, undefined, NODE_NAME);
      const desired = !node || podFitsNode(toJson(specOf<DaemonSetSpec>(ds).template?.spec ?? {}), node) ? 1 : 0;
      const plan =
        desired === 1
          ? planDaemonSet(ds, pods, revision.hash, ctx.now())
          : { create: false, delete: pods.filter((p) => !p.metadata.deletionTimestamp) };
      for (const pod of plan.delete) {
        store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
        ctx.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
      }
      if (plan.create) createPod(ctx, ds, revision.hash);
      return writeStatus(ctx, ds, revision.hash, desired);
    },
  };
}

function createPod(ctx: ControllerContext, ds: KubeObject, hash: string): void {
  const spec = specOf<DaemonSetSpec>(ds);
  const pod = podFromTemplate(
    spec.template ?? {},
    ds,
    { generateName: `${ds.metadata.name}-` },
    {
      [REVISION_LABEL]: hash,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    },
  );
  const podSpec = { ...(pod.spec as PodSpec) } as Record<string, unknown>;
  // Like the real controller: pin the pod to its node through affinity and tolerate node trouble.
  podSpec.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [NODE_NAME] }] }],
      },
    },
  };
  const tolerations = Array.isArray(podSpec.tolerations) ? podSpec.tolerations : [];
  podSpec.tolerations = [
    ...tolerations,
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  ];
  pod.spec = toJson(podSpec);
  const created = ctx.store.create(PODS, withDefaults(PODS, pod));
  ctx.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
}

function writeStatus(ctx: ControllerContext, ds: KubeObject, hash: string, desired: number): ReconcileResult | void {
  const { store } = ctx;
  const minReady = specOf<DaemonSetSpec>(ds).minReadySeconds ?? 0;
  const pods = store
    .list(PODS, { namespace: ds.metadata.namespace })
    .items.filter((p) => isControlledBy(p, ds) && !p.metadata.deletionTimestamp && !isPodFinished(p));
  const now = ctx.now();
  let recheckInMs: number | undefined;
  const ready = pods.filter(isPodRunningAndReady);
  const available = ready.filter((p) => {
    const a = podAvailability(p, minReady, now);
    if (a.inMs !== undefined) recheckInMs = a.inMs + 50;
    return a.available;
  });
  const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash);
  const previous = statusOf<Record<string, unknown>>(ds);
  const numberAvailable = available.length > 0 ? 1 : 0;
  const next: Record<string, unknown> = {
    ...previous,
    currentNumberScheduled: pods.length > 0 ? 1 : 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: desired,
    numberReady: ready.length > 0 ? 1 : 0,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: updated.length > 0 ? 1 : 0,
    numberAvailable,
  };
  if (numberAvailable < desired) next.numberUnavailable = desired - numberAvailable;
  else delete next.numberUnavailable;
  if (JSON.stringify(next) !== JSON.stringify(previous))
    store.update(DAEMONSETS, { ...ds, status: toJson(next) }, { subresource: 'status' });
  return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs } : undefined;
}
