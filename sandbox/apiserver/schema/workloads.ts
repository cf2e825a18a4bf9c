// Field schemas of the apps/v1, batch/v1, autoscaling/v2, coordination.k8s.io/v1 and storage.k8s.io/v1 types
// the sandbox serves. Statuses are written by controllers and kept `open`; their condition lists merge by type.

import { CORE, META } from './core.js';
import {
  atomic,
  bool,
  free,
  int32,
  int64,
  intOrString,
  keyed,
  ref,
  str,
  stringMap,
  strings,
  time,
  type StructDef,
} from './types.js';

export const APPS = 'io.k8s.api.apps.v1.';
export const BATCH = 'io.k8s.api.batch.v1.';
export const AUTOSCALING = 'io.k8s.api.autoscaling.v2.';
export const COORDINATION = 'io.k8s.api.coordination.v1.';
export const STORAGE = 'io.k8s.api.storage.v1.';

const objectMeta = ref(`${META}ObjectMeta`);
const selector = ref(`${META}LabelSelector`);
const template = ref(`${CORE}PodTemplateSpec`);
const conditions = keyed(free, 'type');

function kind(
  group: string,
  version: string,
  name: string,
  description: string,
  spec: string | undefined,
  status: string | undefined,
): StructDef {
  return {
    description,
    gvk: { group, version, kind: name },
    fields: {
      apiVersion: str,
      kind: str,
      metadata: objectMeta,
      ...(spec ? { spec: ref(spec) } : {}),
      ...(status ? { status: ref(status) } : {}),
    },
  };
}

function openStatus(description: string, fields: StructDef['fields']): StructDef {
  return { description, open: true, fields: { observedGeneration: int64, conditions, ...fields } };
}

const replicaCounts = { replicas: int32, readyReplicas: int32, availableReplicas: int32 };

export const WORKLOAD_DEFINITIONS: Record<string, StructDef> = {
  [`${APPS}Deployment`]: kind(
    'apps',
    'v1',
    'Deployment',
    'Declarative updates for Pods and ReplicaSets.',
    `${APPS}DeploymentSpec`,
    `${APPS}DeploymentStatus`,
  ),
  [`${APPS}DeploymentSpec`]: {
    description: 'The desired behaviour of a Deployment.',
    required: ['selector', 'template'],
    fields: {
      replicas: int32,
      selector,
      template,
      strategy: ref(`${APPS}DeploymentStrategy`),
      minReadySeconds: int32,
      revisionHistoryLimit: int32,
      paused: bool,
      progressDeadlineSeconds: int32,
    },
  },
  [`${APPS}DeploymentStrategy`]: {
    description: 'How old pods are replaced by new ones: Recreate or RollingUpdate.',
    retainKeys: true,
    fields: { type: str, rollingUpdate: ref(`${APPS}RollingUpdateDeployment`) },
  },
  [`${APPS}RollingUpdateDeployment`]: {
    description: 'The pace of a rolling update.',
    fields: { maxUnavailable: intOrString, maxSurge: intOrString },
  },
  [`${APPS}DeploymentStatus`]: openStatus('The most recently observed status of a Deployment.', {
    ...replicaCounts,
    updatedReplicas: int32,
    unavailableReplicas: int32,
    terminatingReplicas: int32,
    collisionCount: int32,
  }),
  [`${APPS}ReplicaSet`]: kind(
    'apps',
    'v1',
    'ReplicaSet',
    'Keeps a number of pod replicas running.',
    `${APPS}ReplicaSetSpec`,
    `${APPS}ReplicaSetStatus`,
  ),
  [`${APPS}ReplicaSetSpec`]: {
    description: 'The desired behaviour of a ReplicaSet.',
    required: ['selector'],
    fields: { replicas: int32, minReadySeconds: int32, selector, template },
  },
  [`${APPS}ReplicaSetStatus`]: openStatus('The most recently observed status of a ReplicaSet.', {
    ...replicaCounts,
    fullyLabeledReplicas: int32,
    terminatingReplicas: int32,
  }),
  [`${APPS}StatefulSet`]: kind(
    'apps',
    'v1',
    'StatefulSet',
    'Pods with stable identities and storage, NAME-0 upwards.',
    `${APPS}StatefulSetSpec`,
    `${APPS}StatefulSetStatus`,
  ),
  [`${APPS}StatefulSetSpec`]: {
    description: 'The desired behaviour of a StatefulSet.',
    required: ['selector', 'template'],
    fields: {
      replicas: int32,
      selector,
      template,
      volumeClaimTemplates: atomic(ref(`${CORE}PersistentVolumeClaim`)),
      serviceName: str,
      podManagementPolicy: str,
      updateStrategy: ref(`${APPS}StatefulSetUpdateStrategy`),
      revisionHistoryLimit: int32,
      minReadySeconds: int32,
      persistentVolumeClaimRetentionPolicy: free,
      ordinals: free,
    },
  },
  [`${APPS}StatefulSetUpdateStrategy`]: {
    description: 'How pods of a StatefulSet are updated: RollingUpdate or OnDelete.',
    fields: { type: str, rollingUpdate: ref(`${APPS}RollingUpdateStatefulSetStrategy`) },
  },
  [`${APPS}RollingUpdateStatefulSetStrategy`]: {
    description: 'The partition and pace of a StatefulSet rolling update.',
    fields: { partition: int32, maxUnavailable: intOrString },
  },
  [`${APPS}StatefulSetStatus`]: openStatus('The most recently observed status of a StatefulSet.', {
    ...replicaCounts,
    currentReplicas: int32,
    updatedReplicas: int32,
    currentRevision: str,
    updateRevision: str,
    collisionCount: int32,
  }),
  [`${APPS}DaemonSet`]: kind(
    'apps',
    'v1',
    'DaemonSet',
    'Runs one pod on every node.',
    `${APPS}DaemonSetSpec`,
    `${APPS}DaemonSetStatus`,
  ),
  [`${APPS}DaemonSetSpec`]: {
    description: 'The desired behaviour of a DaemonSet.',
    required: ['selector', 'template'],
    fields: {
      selector,
      template,
      updateStrategy: ref(`${APPS}DaemonSetUpdateStrategy`),
      minReadySeconds: int32,
      revisionHistoryLimit: int32,
    },
  },
  [`${APPS}DaemonSetUpdateStrategy`]: {
    description: 'How pods of a DaemonSet are updated: RollingUpdate or OnDelete.',
    fields: { type: str, rollingUpdate: ref(`${APPS}RollingUpdateDaemonSet`) },
  },
  [`${APPS}RollingUpdateDaemonSet`]: {
    description: 'The pace of a DaemonSet rolling update.',
    fields: { maxUnavailable: intOrString, maxSurge: intOrString },
  },
  [`${APPS}DaemonSetStatus`]: openStatus('The most recently observed status of a DaemonSet.', {
    currentNumberScheduled: int32,
    numberMisscheduled: int32,
    desiredNumberScheduled: int32,
    numberReady: int32,
    updatedNumberScheduled: int32,
    numberAvailable: int32,
    numberUnavailable: int32,
    collisionCount: int32,
  }),
  [`${APPS}ControllerRevision`]: {
    description: 'An immutable snapshot of a controller state, used for rollbacks.',
    gvk: { group: 'apps', version: 'v1', kind: 'ControllerRevision' },
    fields: { apiVersion: str, kind: str, metadata: objectMeta, data: free, revision: int64 },
  },
  [`${BATCH}Job`]: kind('batch', 'v1', 'Job', 'Runs pods to completion.', `${BATCH}JobSpec`, `${BATCH}JobStatus`),
  [`${BATCH}JobSpec`]: {
    description: 'The desired behaviour of a Job.',
    required: ['template'],
    fields: {
      parallelism: int32,
      completions: int32,
      activeDeadlineSeconds: int64,
      podFailurePolicy: free,
      successPolicy: free,
      backoffLimit: int32,
      backoffLimitPerIndex: int32,
      maxFailedIndexes: int32,
      selector,
      manualSelector: bool,
      template,
      ttlSecondsAfterFinished: int32,
      completionMode: str,
      suspend: bool,
      podReplacementPolicy: str,
      managedBy: str,
    },
  },
  [`${BATCH}JobStatus`]: {
    description: 'The most recently observed status of a Job.',
    open: true,
    fields: {
      conditions: atomic(free),
      startTime: time,
      completionTime: time,
      active: int32,
      succeeded: int32,
      failed: int32,
      terminating: int32,
      completedIndexes: str,
      failedIndexes: str,
      uncountedTerminatedPods: free,
      ready: int32,
    },
  },
  [`${BATCH}CronJob`]: kind(
    'batch',
    'v1',
    'CronJob',
    'Creates Jobs on a schedule.',
    `${BATCH}CronJobSpec`,
    `${BATCH}CronJobStatus`,
  ),
  [`${BATCH}CronJobSpec`]: {
    description: 'The schedule and Job template of a CronJob.',
    required: ['schedule', 'jobTemplate'],
    fields: {
      schedule: str,
      timeZone: str,
      startingDeadlineSeconds: int64,
      concurrencyPolicy: str,
      suspend: bool,
      jobTemplate: ref(`${BATCH}JobTemplateSpec`),
      successfulJobsHistoryLimit: int32,
      failedJobsHistoryLimit: int32,
    },
  },
  [`${BATCH}JobTemplateSpec`]: {
    description: 'The metadata and spec of the Jobs a CronJob creates.',
    fields: { metadata: objectMeta, spec: ref(`${BATCH}JobSpec`) },
  },
  [`${BATCH}CronJobStatus`]: {
    description: 'The most recently observed status of a CronJob.',
    open: true,
    fields: { active: atomic(ref(`${CORE}ObjectReference`)), lastScheduleTime: time, lastSuccessfulTime: time },
  },
  [`${AUTOSCALING}HorizontalPodAutoscaler`]: kind(
    'autoscaling',
    'v2',
    'HorizontalPodAutoscaler',
    'Scales a workload between bounds from observed metrics.',
    `${AUTOSCALING}HorizontalPodAutoscalerSpec`,
    `${AUTOSCALING}HorizontalPodAutoscalerStatus`,
  ),
  [`${AUTOSCALING}HorizontalPodAutoscalerSpec`]: {
    description: 'The target, bounds and metrics of an autoscaler.',
    required: ['scaleTargetRef', 'maxReplicas'],
    fields: {
      scaleTargetRef: ref(`${AUTOSCALING}CrossVersionObjectReference`),
      minReplicas: int32,
      maxReplicas: int32,
      metrics: atomic(free),
      behavior: free,
    },
  },
  [`${AUTOSCALING}CrossVersionObjectReference`]: {
    description: 'The scaled workload.',
    required: ['kind', 'name'],
    fields: { kind: str, name: str, apiVersion: str },
  },
  [`${AUTOSCALING}HorizontalPodAutoscalerStatus`]: openStatus('The most recently observed status of an autoscaler.', {
    lastScaleTime: time,
    currentReplicas: int32,
    desiredReplicas: int32,
    currentMetrics: atomic(free),
  }),
  [`${COORDINATION}Lease`]: kind(
    'coordination.k8s.io',
    'v1',
    'Lease',
    'A lease for leader election and heartbeats.',
    `${COORDINATION}LeaseSpec`,
    undefined,
  ),
  [`${COORDINATION}LeaseSpec`]: {
    description: 'The holder and timing of a lease.',
    fields: {
      holderIdentity: str,
      leaseDurationSeconds: int32,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: int32,
      strategy: str,
      preferredHolder: str,
    },
  },
  [`${STORAGE}StorageClass`]: {
    description: 'A class of storage that claims name; its provisioner creates their volumes.',
    gvk: { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass' },
    required: ['provisioner'],
    fields: {
      apiVersion: str,
      kind: str,
      metadata: objectMeta,
      provisioner: str,
      parameters: stringMap,
      reclaimPolicy: str,
      mountOptions: strings,
      allowVolumeExpansion: bool,
      volumeBindingMode: str,
      allowedTopologies: atomic(free),
    },
  },
};
