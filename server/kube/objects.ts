// Generic reads and writes of the objects dev mode touches (workloads, pods, claims, ConfigMaps, events,
// autoscalers) as plain JSON over the kubeconfig's credentials; every call is bounded by Kube.call.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { Kube } from './index.js';
import { watchList } from './watch.js';

export type ObjectKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Pod'
  | 'Job'
  | 'CronJob'
  | 'ConfigMap'
  | 'PersistentVolumeClaim'
  | 'Event'
  | 'HorizontalPodAutoscaler';

/** Where each kind lives in the REST API. */
const resources: Record<ObjectKind, { prefix: string; plural: string }> = {
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments' },
  StatefulSet: { prefix: '/apis/apps/v1', plural: 'statefulsets' },
  DaemonSet: { prefix: '/apis/apps/v1', plural: 'daemonsets' },
  Pod: { prefix: '/api/v1', plural: 'pods' },
  Job: { prefix: '/apis/batch/v1', plural: 'jobs' },
  CronJob: { prefix: '/apis/batch/v1', plural: 'cronjobs' },
  ConfigMap: { prefix: '/api/v1', plural: 'configmaps' },
  PersistentVolumeClaim: { prefix: '/api/v1', plural: 'persistentvolumeclaims' },
  Event: { prefix: '/api/v1', plural: 'events' },
  HorizontalPodAutoscaler: { prefix: '/apis/autoscaling/v2', plural: 'horizontalpodautoscalers' },
};

export type JsonPatch = ReadonlyArray<{ op: string; path: string; value?: unknown; from?: string }>;

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

/** A non-2xx answer; `code` and `body` have the shape the protocol's error classifiers read. */
export class KubeStatusError extends Error {
  override readonly name = 'KubeStatusError';
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    const message =
      typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : `HTTP ${code}`;
    super(message);
  }
}

export interface KubeObjects {
  get(kind: ObjectKind, namespace: string, name: string, signal: AbortSignal): Promise<unknown>;
  /** The object, or undefined when it does not exist. */
  find(kind: ObjectKind, namespace: string, name: string, signal: AbortSignal): Promise<unknown>;
  list(kind: ObjectKind, namespace: string, signal: AbortSignal, options?: ListOptions): Promise<unknown[]>;
  /**
   * Calls `onItems` with every matching object once listed (the promise then resolves; it rejects when the
   * list fails), and again after each change, until `signal` aborts. Drops are resumed, nothing is missed.
   */
  watch(
    kind: ObjectKind,
    namespace: string,
    signal: AbortSignal,
    options: ListOptions,
    onItems: (items: unknown[]) => void,
  ): Promise<void>;
  create(kind: ObjectKind, namespace: string, body: unknown, signal: AbortSignal): Promise<unknown>;
  jsonPatch(kind: ObjectKind, namespace: string, name: string, patch: JsonPatch, signal: AbortSignal): Promise<unknown>;
  mergePatch(kind: ObjectKind, namespace: string, name: string, patch: unknown, signal: AbortSignal): Promise<unknown>;
  /** True when it deleted something; a missing object is not an error. */
  remove(
    kind: ObjectKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
    options?: DeleteOptions,
  ): Promise<boolean>;
}

/**
 * Raw REST calls rather than the typed APIs: dev mode handles objects as plain JSON end to end, and needs
 * JSON patch with `test` ops, whose 422 answer tells that the object changed since it was read.
 */
export function kubeObjects(kube: Kube): KubeObjects {
  const path = (kind: ObjectKind, namespace: string, name?: string): string => {
    const { prefix, plural } = resources[kind];
    const base = `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  };
  const send = (
    signal: AbortSignal,
    method: string,
    url: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<unknown> => kube.call(signal, (combined) => rest(kube, method, url, body, contentType, combined));

  const listed = async (
    kind: ObjectKind,
    namespace: string,
    signal: AbortSignal,
    options: ListOptions,
  ): Promise<{ items: unknown[]; resourceVersion: string }> => {
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const list = (await send(signal, 'GET', `${path(kind, namespace)}${suffix}`)) as
      { items?: unknown; metadata?: { resourceVersion?: unknown } } | undefined;
    return {
      items: Array.isArray(list?.items) ? (list.items as unknown[]) : [],
      resourceVersion: typeof list?.metadata?.resourceVersion === 'string' ? list.metadata.resourceVersion : '',
    };
  };

  const objects: KubeObjects = {
    get: (kind, namespace, name, signal) => send(signal, 'GET', path(kind, namespace, name)),
    async find(kind, namespace, name, signal) {
      try {
        return await kube.call(signal, (combined) =>
          rest(kube, 'GET', path(kind, namespace, name), undefined, '', combined),
        );
      } catch (error) {
        if (isStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async list(kind, namespace, signal, options = {}) {
      return (await listed(kind, namespace, signal, options)).items;
    },
    watch: (kind, namespace, signal, options, onItems) =>
      watchList(
        kube,
        {
          path: path(kind, namespace),
          query: options,
          list: (combined) => listed(kind, namespace, combined, options),
          onItems,
        },
        signal,
      ),
    create: (kind, namespace, body, signal) => send(signal, 'POST', path(kind, namespace), body),
    jsonPatch: (kind, namespace, name, patch, signal) =>
      send(signal, 'PATCH', path(kind, namespace, name), patch, 'application/json-patch+json'),
    mergePatch: (kind, namespace, name, patch, signal) =>
      send(signal, 'PATCH', path(kind, namespace, name), patch, 'application/merge-patch+json'),
    async remove(kind, namespace, name, signal, options = {}) {
      const query = new URLSearchParams();
      if (options.gracePeriodSeconds !== undefined) query.set('gracePeriodSeconds', String(options.gracePeriodSeconds));
      if (options.propagationPolicy) query.set('propagationPolicy', options.propagationPolicy);
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      try {
        await kube.call(signal, (combined) =>
          rest(kube, 'DELETE', `${path(kind, namespace, name)}${suffix}`, undefined, '', combined),
        );
        return true;
      } catch (error) {
        if (isStatus(error, 404)) return false;
        throw error;
      }
    },
  };
  return objects;
}

/** Whether a failed call (raw or mapped to a protocol error) carried this HTTP status. */
export function isStatus(error: unknown, status: number): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: unknown }).code === status) return true;
  const data = (error as { data?: unknown }).data;
  return typeof data === 'object' && data !== null && (data as { status?: unknown }).status === status;
}

async function rest(
  kube: Kube,
  method: string,
  url: string,
  body: unknown,
  contentType: string,
  signal: AbortSignal,
): Promise<unknown> {
  const cluster = kube.config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig selects no cluster');
  // Appended, not resolved: some servers sit under a path prefix (a proxy's /k8s/clusters/ID).
  const target = new URL(`${cluster.server.replace(/\/+$/, '')}${url}`);
  const options: RequestOptions = {
    method,
    protocol: target.protocol,
    // URL keeps the brackets of an IPv6 literal; the request options want the bare address.
    hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(target.port !== '' ? { port: Number(target.port) } : {}),
    path: `${target.pathname}${target.search}`,
    headers: { accept: 'application/json' },
    signal,
  };
  await kube.config.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  if (payload) options.headers = { ...options.headers, 'content-type': contentType, 'content-length': payload.length };
  const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // a non-JSON body stays text, for the error message
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed);
        else reject(new KubeStatusError(status, parsed));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
