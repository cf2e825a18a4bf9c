// Whether a pod may run on the sandbox's node: its nodeSelector and required node affinity
// against the Node object's labels and name, as the scheduler's filters decide it.

import type { JsonValue, KubeObject } from '../store/objects.js';

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

interface AffinitySpec {
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: { matchExpressions?: Requirement[]; matchFields?: Requirement[] }[];
      };
    };
  };
}

function requirementHolds(requirement: Requirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, requirement.key);
  const value = values[requirement.key];
  const wanted = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && wanted.includes(value!);
    case 'NotIn':
      return !has || !wanted.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(value) > Number(wanted[0]);
    case 'Lt':
      return has && Number(value) < Number(wanted[0]);
    default:
      return false;
  }
}

/** True when the pod spec (or pod template spec) accepts `node`. */
export function podFitsNode(podSpec: JsonValue | undefined, node: KubeObject): boolean {
  const spec = (podSpec ?? {}) as AffinitySpec;
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const fields = { 'metadata.name': node.metadata.name };
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((r) => requirementHolds(r, labels)) &&
      (term.matchFields ?? []).every((r) => requirementHolds(r, fields)) &&
      ((term.matchExpressions ?? []).length > 0 || (term.matchFields ?? []).length > 0),
  );
}
