// The long-running dev pod that stands in for a Job or CronJob: built from the pod template, owned by
// nothing, and stripped of what would let the Job controller adopt it or a deadline kill it.
import { devAnnotations, devLabels } from './saved.js';
import type { PodSpec, PodTemplate, Workload } from './types.js';
import { devPodName } from './workloadKinds.js';

/** Labels the Job controller puts on its pods; a dev pod carrying them would be adopted by the Job. */
const jobControllerLabels = [
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
];

/** `spec` and `metadata` are the template after the dev-container changes. */
export function buildDevPod(
  base: Workload,
  spec: PodSpec,
  metadata: NonNullable<PodTemplate['metadata']>,
  container: string,
): Workload {
  const labels = Object.fromEntries(
    Object.entries(metadata.labels ?? {}).filter(([key]) => !jobControllerLabels.includes(key)),
  );
  const podSpec = structuredClone(spec);
  podSpec.restartPolicy = 'Always';
  // A Job's deadline would kill a pod that is meant to idle until dev end.
  delete podSpec.activeDeadlineSeconds;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: devPodName(base),
      ...(base.metadata.namespace ? { namespace: base.metadata.namespace } : {}),
      labels: { ...labels, [devLabels.devMode]: 'true', [devLabels.devPod]: 'true' },
      annotations: {
        ...(metadata.annotations ?? {}),
        [devAnnotations.workload]: `${base.kind}/${base.metadata.name}`,
        [devAnnotations.container]: container,
      },
    },
    spec: podSpec,
  };
}
