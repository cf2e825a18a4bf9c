// Finds the current pods of a workload through its selector and watches them for replacements.
// Reads only; never changes a workload or a pod.
import { clientNode } from './clientNode.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, isNotFound } from '../../protocol/errors.js';
import type { Kube } from './index.js';

/** A workload as the protocol names it, with its namespace resolved. */
export interface WorkloadTarget {
  kind: string;
  name: string;
  namespace: string;
}

/** What the engine needs to know about one pod. */
export interface PodSummary {
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  createdAt: string;
  containers: string[];
  /** Restart count per running container name. */
  restarts: Record<string, number>;
  /** Containers whose process runs now. */
  running: string[];
  /** Containers that have started at least once (running or terminated): they have logs. */
  started: string[];
}

type Fields = Record<string, unknown>;

const record = (value: unknown): Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : '';

const apiVersions: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Pod: 'v1',
};

/** A Kubernetes LabelSelector as a query string; pure. */
export function selectorString(selector: unknown): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record(record(selector).matchLabels))) parts.push(`${key}=${text(value)}`);
  for (const raw of list(record(selector).matchExpressions)) {
    const expression = record(raw);
    const key = text(expression.key);
    const values = list(expression.values).map(text).join(',');
    switch (expression.operator) {
      case 'In':
        parts.push(`${key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.join(',');
}

/** The selector that finds a workload's pods; pure. A Pod selects itself by name. */
export function podQueryOf(workload: unknown, kind: string): { labelSelector?: string; fieldSelector?: string } {
  const object = record(workload);
  if (kind === 'Pod') return { fieldSelector: `metadata.name=${text(record(object.metadata).name)}` };
  const spec = record(object.spec);
  if (kind === 'CronJob') {
    const labels = record(record(record(record(spec.jobTemplate).spec).template).metadata).labels;
    return { labelSelector: selectorString({ matchLabels: labels }) };
  }
  const fromSelector = selectorString(spec.selector);
  if (fromSelector !== '') return { labelSelector: fromSelector };
  return { labelSelector: selectorString({ matchLabels: record(record(spec.template).metadata).labels }) };
}

/** Reduces a pod object to a PodSummary; pure. */
export function summarizePod(raw: unknown): PodSummary {
  const pod = record(raw);
  const metadata = record(pod.metadata);
  const status = record(pod.status);
  const conditions = list(status.conditions).map(record);
  const statuses = [...list(status.containerStatuses)].map(record);
  const restarts: Record<string, number> = {};
  const running: string[] = [];
  const started: string[] = [];
  for (const entry of statuses) {
    const name = text(entry.name);
    restarts[name] = typeof entry.restartCount === 'number' ? entry.restartCount : 0;
    const state = record(entry.state);
    if (state.running !== undefined) running.push(name);
    if (state.running !== undefined || state.terminated !== undefined || restarts[name] > 0) started.push(name);
  }
  return {
    name: text(metadata.name),
    uid: text(metadata.uid),
    phase: text(status.phase),
    ready: conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
    deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    createdAt: text(metadata.creationTimestamp),
    containers: list(record(pod.spec).containers).map((container) => text(record(container).name)),
    restarts,
    running,
    started,
  };
}

/** The pod to send traffic or commands to: ready before running, newest first; pure. */
export function pickPod(pods: readonly PodSummary[]): PodSummary | undefined {
  const candidates = pods.filter((pod) => !pod.deleting && pod.phase === 'Running');
  const score = (pod: PodSummary) => (pod.ready ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a) || b.createdAt.localeCompare(a.createdAt))[0];
}

function notFound(target: WorkloadTarget): ResponseError<WorkloadTarget> {
  return new ResponseError(
    ErrorCodes.WorkloadNotFound,
    `${target.kind} ${target.name} not found in namespace ${target.namespace}; list workloads with workloads/list`,
    target,
  );
}

/** A 404 from the API, raw or already mapped to KubernetesError. */
export function isKubeNotFound(error: unknown): boolean {
  if (isNotFound(error)) return true;
  return (
    error instanceof ResponseError && error.code === ErrorCodes.KubernetesError && record(error.data).status === 404
  );
}

/** Reads the workload and returns the query selecting its pods. WorkloadNotFound when absent. */
export async function podQuery(
  kube: Kube,
  target: WorkloadTarget,
  signal: AbortSignal,
): Promise<{ labelSelector?: string; fieldSelector?: string }> {
  const apiVersion = apiVersions[target.kind];
  if (apiVersion === undefined) throw notFound(target);
  if (target.kind === 'Pod') return podQueryOf({ metadata: { name: target.name } }, 'Pod');
  const { KubernetesObjectApi } = await clientNode();
  try {
    const workload = await kube.call(signal, () =>
      KubernetesObjectApi.makeApiClient(kube.config).read({
        apiVersion,
        kind: target.kind,
        metadata: { name: target.name, namespace: target.namespace },
      }),
    );
    return podQueryOf(workload, target.kind);
  } catch (error) {
    if (isKubeNotFound(error)) throw notFound(target);
    throw error;
  }
}

async function listWithQuery(
  config: KubeConfig,
  namespace: string,
  query: { labelSelector?: string; fieldSelector?: string },
): Promise<{ pods: PodSummary[]; resourceVersion: string }> {
  const { CoreV1Api } = await clientNode();
  const result = await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, ...query });
  return { pods: result.items.map(summarizePod), resourceVersion: result.metadata?.resourceVersion ?? '' };
}

/** Current pods of the workload. */
export async function listWorkloadPods(kube: Kube, target: WorkloadTarget, signal: AbortSignal): Promise<PodSummary[]> {
  const query = await podQuery(kube, target, signal);
  return (await kube.call(signal, () => listWithQuery(kube.config, target.namespace, query))).pods;
}

/** The pod to use now, or WorkloadNotFound-style errors when none runs. */
export async function currentPod(kube: Kube, target: WorkloadTarget, signal: AbortSignal): Promise<PodSummary> {
  const pod = pickPod(await listWorkloadPods(kube, target, signal));
  if (pod === undefined)
    throw new ResponseError(
      ErrorCodes.WorkloadNotFound,
      `${target.kind} ${target.name} in namespace ${target.namespace} has no running pod yet; wait until it runs`,
      target,
    );
  return pod;
}

/**
 * Watches the workload's pods until the signal aborts, calling `onPods` with the full set after
 * each change; the watch restarts with back-off after drops, re-listing so nothing is missed.
 */
export function watchWorkloadPods(
  kube: Kube,
  target: WorkloadTarget,
  onPods: (pods: PodSummary[]) => void,
  signal: AbortSignal,
  onError: (error: unknown) => void = () => undefined,
): void {
  let backoffMs = 200;
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const query = await podQuery(kube, target, signal);
        const { pods, resourceVersion } = await kube.call(signal, () =>
          listWithQuery(kube.config, target.namespace, query),
        );
        const current = new Map(pods.map((pod) => [pod.name, pod]));
        onPods([...current.values()]);
        const { Watch } = await clientNode();
        await new Promise<void>((resolve, reject) => {
          const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods`;
          void new Watch(kube.config)
            .watch(
              path,
              { ...query, resourceVersion, allowWatchBookmarks: true },
              (type, object) => {
                backoffMs = 200;
                if (type === 'BOOKMARK') return;
                const pod = summarizePod(object);
                if (type === 'DELETED') current.delete(pod.name);
                else current.set(pod.name, pod);
                onPods([...current.values()]);
              },
              (error: unknown) => (error ? reject(error as Error) : resolve()),
            )
            .then((controller) => {
              if (signal.aborted) controller.abort();
              else signal.addEventListener('abort', () => controller.abort(), { once: true });
            }, reject);
        });
      } catch (error) {
        if (signal.aborted) return;
        onError(error);
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  };
  void loop();
}
