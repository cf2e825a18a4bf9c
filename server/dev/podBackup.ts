// A bare Pod is deleted before its dev pod is created; a ConfigMap holding the original Pod keeps it
// recoverable if the engine dies between the delete and the create.
import { createHash } from 'node:crypto';
import { devAnnotations, devLabels } from './saved.js';
import { isWorkload, type Workload } from './types.js';
import { stripServerFields } from './serverFields.js';

const backupKey = 'pod.json';

export function podBackupName(podName: string): string {
  const name = `${podName}-podloop-original`;
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(podName).digest('hex').slice(0, 8);
  return `${podName.slice(0, 253 - '-podloop-original'.length - 9)}-${hash}-podloop-original`;
}

/** The ConfigMap to write before the Pod is deleted; `pod` is the Pod without dev mode. */
export function podBackup(pod: Workload): Workload {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: podBackupName(pod.metadata.name),
      ...(pod.metadata.namespace ? { namespace: pod.metadata.namespace } : {}),
      labels: { [devLabels.managedBy]: 'podloop' },
      annotations: { [devAnnotations.workload]: `Pod/${pod.metadata.name}` },
    },
    data: { [backupKey]: JSON.stringify(stripServerFields(pod)) },
  };
}

/** The original Pod from its backup ConfigMap (as read); undefined when the object is not a usable backup. */
export function podFromBackup(configMap: unknown): Workload | undefined {
  if (typeof configMap !== 'object' || configMap === null) return undefined;
  const text = (configMap as { data?: Record<string, unknown> }).data?.[backupKey];
  if (typeof text !== 'string') return undefined;
  try {
    const pod: unknown = JSON.parse(text);
    return isWorkload(pod) && pod.kind === 'Pod' ? pod : undefined;
  } catch {
    return undefined;
  }
}
