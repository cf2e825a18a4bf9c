// Lists the six workload kinds in one namespace or all of them and reduces each object to the
// protocol's WorkloadInfo.
import { AppsV1Api, BatchV1Api, CoreV1Api, Observable } from '@kubernetes/client-node';
import type { KubeConfig, RequestContext, ResponseContext, V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { WorkloadInfo, WorkloadKind } from '../../protocol/workloads.js';
import { workloadKinds } from '../../protocol/workloads.js';

export interface ListWorkloadsOptions {
  /** Namespace; undefined lists every namespace. */
  namespace: string | undefined;
  kinds: readonly WorkloadKind[];
  signal: AbortSignal;
}

/** Annotation podloop puts on a workload in dev mode. */
export const devModeAnnotation = 'podloop.dev/original';

interface ListedObject {
  metadata?: V1ObjectMeta;
}

/** Request options that tie every HTTP call to the signal. */
function withSignal(signal: AbortSignal) {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal as unknown as Parameters<RequestContext['setSignal']>[0]);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
}

function base(
  kind: WorkloadKind,
  item: ListedObject,
  spec: V1PodSpec | undefined,
): Omit<WorkloadInfo, 'replicas' | 'readyReplicas'> {
  const metadata = item.metadata ?? {};
  const containers = spec?.containers ?? [];
  const created = metadata.creationTimestamp;
  return {
    kind,
    name: metadata.name ?? '',
    namespace: metadata.namespace ?? '',
    containers: containers.map((container) => container.name),
    images: containers.map((container) => container.image ?? ''),
    ...(created !== undefined ? { createdAt: created instanceof Date ? created.toISOString() : String(created) } : {}),
    devMode: metadata.annotations?.[devModeAnnotation] !== undefined,
  };
}

async function listKind(
  config: KubeConfig,
  kind: WorkloadKind,
  namespace: string | undefined,
  signal: AbortSignal,
): Promise<WorkloadInfo[]> {
  const options = withSignal(signal);
  const apps = () => config.makeApiClient(AppsV1Api);
  const batch = () => config.makeApiClient(BatchV1Api);
  switch (kind) {
    case 'Deployment': {
      const list = namespace
        ? await apps().listNamespacedDeployment({ namespace }, options)
        : await apps().listDeploymentForAllNamespaces({}, options);
      return list.items.map((item) => ({
        ...base(kind, item, item.spec?.template.spec),
        replicas: item.spec?.replicas ?? 1,
        readyReplicas: item.status?.readyReplicas ?? 0,
      }));
    }
    case 'StatefulSet': {
      const list = namespace
        ? await apps().listNamespacedStatefulSet({ namespace }, options)
        : await apps().listStatefulSetForAllNamespaces({}, options);
      return list.items.map((item) => ({
        ...base(kind, item, item.spec?.template.spec),
        replicas: item.spec?.replicas ?? 1,
        readyReplicas: item.status?.readyReplicas ?? 0,
      }));
    }
    case 'DaemonSet': {
      const list = namespace
        ? await apps().listNamespacedDaemonSet({ namespace }, options)
        : await apps().listDaemonSetForAllNamespaces({}, options);
      return list.items.map((item) => ({
        ...base(kind, item, item.spec?.template.spec),
        replicas: item.status?.desiredNumberScheduled ?? 0,
        readyReplicas: item.status?.numberReady ?? 0,
      }));
    }
    case 'Pod': {
      const core = config.makeApiClient(CoreV1Api);
      const list = namespace
        ? await core.listNamespacedPod({ namespace }, options)
        : await core.listPodForAllNamespaces({}, options);
      // Pods owned by a controller are part of another workload.
      return list.items
        .filter((item) => !(item.metadata?.ownerReferences ?? []).some((owner) => owner.controller === true))
        .map((item) => ({
          ...base(kind, item, item.spec),
          replicas: 1,
          readyReplicas: item.status?.conditions?.some(
            (condition) => condition.type === 'Ready' && condition.status === 'True',
          )
            ? 1
            : 0,
        }));
    }
    case 'Job': {
      const list = namespace
        ? await batch().listNamespacedJob({ namespace }, options)
        : await batch().listJobForAllNamespaces({}, options);
      return list.items
        .filter((item) => !(item.metadata?.ownerReferences ?? []).some((owner) => owner.controller === true))
        .map((item) => ({
          ...base(kind, item, item.spec?.template.spec),
          replicas: item.spec?.parallelism ?? 1,
          readyReplicas: item.status?.ready ?? 0,
        }));
    }
    case 'CronJob': {
      const list = namespace
        ? await batch().listNamespacedCronJob({ namespace }, options)
        : await batch().listCronJobForAllNamespaces({}, options);
      return list.items.map((item) => ({
        ...base(kind, item, item.spec?.jobTemplate.spec?.template.spec),
        replicas: item.status?.active?.length ?? 0,
        readyReplicas: item.status?.active?.length ?? 0,
      }));
    }
  }
}

/** Every workload of the requested kinds, sorted by namespace, kind and name. */
export async function listWorkloads(config: KubeConfig, options: ListWorkloadsOptions): Promise<WorkloadInfo[]> {
  const lists = await Promise.all(
    options.kinds.map((kind) => listKind(config, kind, options.namespace, options.signal)),
  );
  const order = (kind: WorkloadKind) => workloadKinds.indexOf(kind);
  return lists
    .flat()
    .sort(
      (a, b) => a.namespace.localeCompare(b.namespace) || order(a.kind) - order(b.kind) || a.name.localeCompare(b.name),
    );
}
