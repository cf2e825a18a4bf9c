// ControllerRevisions for StatefulSets and DaemonSets: one immutable snapshot per pod template,
// numbered like Deployment revisions, so `kubectl rollout history/undo` works on them.

import type { KubeObject } from '../store/objects.js';
import { CONTROLLER_REVISIONS, type ControllerContext } from './context.js';
import {
  controllerOf,
  isControlledBy,
  ownerReference,
  specOf,
  templateHash,
  toJson,
  type PodTemplate,
} from './objects.js';

export interface Revision {
  /** `<owner>-<hash>`, the ControllerRevision's name. */
  name: string;
  hash: string;
  revision: number;
}

function revisionNumber(object: KubeObject): number {
  return typeof object.revision === 'number' ? object.revision : 0;
}

export function ownedRevisions(ctx: ControllerContext, owner: KubeObject): KubeObject[] {
  return ctx.store
    .list(CONTROLLER_REVISIONS, { namespace: owner.metadata.namespace })
    .items.filter((r) => isControlledBy(r, owner));
}

/** The template stored in a revision, for recreating pods of a revision that is not the newest. */
export function revisionTemplate(ctx: ControllerContext, owner: KubeObject, name: string): PodTemplate | undefined {
  const found = ctx.store.tryGet(CONTROLLER_REVISIONS, owner.metadata.namespace, name);
  const template = (found?.data as { spec?: { template?: PodTemplate & { $patch?: string } } } | undefined)?.spec
    ?.template;
  if (!template) return undefined;
  const { $patch: _patch, ...rest } = template;
  return rest;
}

/**
 * Makes sure the owner's current template has a revision, renumbering an older identical one
 * to the newest (as a rollback does), and prunes history beyond revisionHistoryLimit.
 */
export function ensureRevision(ctx: ControllerContext, owner: KubeObject, keep: string[] = []): Revision {
  const { store } = ctx;
  const template = specOf<{ template?: PodTemplate }>(owner).template ?? {};
  const hash = templateHash(template);
  const name = `${owner.metadata.name}-${hash}`;
  // Revisions orphaned by a predecessor of the same name are adopted, as their pods are.
  for (const orphan of ctx.store.list(CONTROLLER_REVISIONS, { namespace: owner.metadata.namespace }).items) {
    const suffix = orphan.metadata.name.slice(owner.metadata.name.length + 1);
    if (controllerOf(orphan) || !orphan.metadata.name.startsWith(`${owner.metadata.name}-`)) continue;
    if (!/^[bcdfghjklmnpqrstvwxz2456789]+$/.test(suffix)) continue;
    orphan.metadata.ownerReferences = [...(orphan.metadata.ownerReferences ?? []), ownerReference(owner)];
    store.update(CONTROLLER_REVISIONS, orphan);
  }
  const revisions = ownedRevisions(ctx, owner);
  const max = revisions.reduce((m, r) => Math.max(m, revisionNumber(r)), 0);
  const existing = revisions.find((r) => r.metadata.name === name);
  let revision: number;
  if (existing) {
    revision = revisionNumber(existing);
    if (revision < max) {
      revision = max + 1;
      store.update(CONTROLLER_REVISIONS, { ...existing, revision });
    }
  } else {
    revision = max + 1;
    // The template's labels satisfy the owner's selector, which is how kubectl finds revisions.
    const templateLabels = template.metadata?.labels ?? {};
    store.create(CONTROLLER_REVISIONS, {
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...templateLabels, 'controller.kubernetes.io/hash': hash },
        ownerReferences: [ownerReference(owner)],
      },
      data: toJson({ spec: { template: { ...template, $patch: 'replace' } } }),
      revision,
    });
  }
  const limit = specOf<{ revisionHistoryLimit?: number }>(owner).revisionHistoryLimit ?? 10;
  const prunable = ownedRevisions(ctx, owner)
    .filter((r) => r.metadata.name !== name && !keep.includes(r.metadata.name))
    .sort((a, b) => revisionNumber(a) - revisionNumber(b));
  for (const old of prunable.slice(0, Math.max(0, prunable.length - limit))) {
    store.delete(CONTROLLER_REVISIONS, old.metadata.namespace, old.metadata.name);
  }
  return { name, hash, revision };
}
