// The subresources beside an object's own REST verbs: scale (as autoscaling/v1 Scale), log
// (streamed from the kubelet), and pod binding and eviction.

import type { LogOptions } from '../kubelet/api.js';
import { ApiError, badRequest } from '../store/errors.js';
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject } from '../store/objects.js';
import { resourceByPlural } from '../store/resources.js';
import { dryRun, getCurrent, namespaceOf, patchType, type Call } from './call.js';
import { queryFlag, queryInt, readBody, sendJson } from './http.js';
import { plainPatch } from './machinery.js';

const PODS = resourceByPlural('pods');

function selectorString(selector: JsonValue | undefined): string {
  if (!isJsonObject(selector)) return '';
  const terms: string[] = [];
  if (isJsonObject(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) terms.push(`${k}=${String(v)}`);
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expr of selector.matchExpressions) {
      if (!isJsonObject(expr)) continue;
      const values = Array.isArray(expr.values) ? expr.values.map(String).join(',') : '';
      const op = String(expr.operator ?? '');
      if (op === 'In') terms.push(`${String(expr.key)} in (${values})`);
      else if (op === 'NotIn') terms.push(`${String(expr.key)} notin (${values})`);
      else if (op === 'Exists') terms.push(String(expr.key));
      else if (op === 'DoesNotExist') terms.push(`!${String(expr.key)}`);
    }
  }
  return terms.join(',');
}

/** The autoscaling/v1 Scale view of a workload. */
export function toScale(object: KubeObject): JsonObject {
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const status = isJsonObject(object.status) ? object.status : {};
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, ...(namespace ? { namespace } : {}), uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: selectorString(spec.selector),
    },
  };
}

export async function writeScale(call: Call, method: 'PUT' | 'PATCH'): Promise<void> {
  const { resource } = call.route;
  const current = getCurrent(call);
  const scale = toScale(current);
  let wanted: JsonObject;
  if (method === 'PUT') {
    const body = await readBody(call.req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw badRequest(`the object provided is unrecognized (must be of type Scale): ${(error as Error).message}`);
    }
    if (!isJsonObject(parsed)) throw badRequest('the object provided is unrecognized (must be of type Scale)');
    wanted = parsed;
  } else {
    wanted = plainPatch(scale, await readBody(call.req), patchType(call));
  }
  const spec = isJsonObject(wanted.spec) ? wanted.spec : {};
  const replicas = spec.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      {
        name: current.metadata.name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [
          { reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0', field: 'spec.replicas' },
        ],
      },
    );
  }
  const meta = isJsonObject(wanted.metadata) ? wanted.metadata : {};
  const next = structuredClone(current);
  next.spec = { ...(isJsonObject(current.spec) ? current.spec : {}), replicas };
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '')
    next.metadata.resourceVersion = meta.resourceVersion;
  const updated = call.ctx.store.update(resource, next, { dryRun: dryRun(call.query) });
  sendJson(call.res, 200, toScale(updated));
}

export async function bindPod(call: Call): Promise<void> {
  const binding = await readBody(call.req);
  let target: unknown;
  try {
    target = (JSON.parse(binding.toString('utf8')) as { target?: { name?: unknown } }).target?.name;
  } catch (error) {
    throw badRequest(`error decoding Binding: ${(error as Error).message}`);
  }
  if (typeof target !== 'string' || target === '') throw badRequest('Binding target.name is required');
  const pod = getCurrent(call);
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on pods/binding "${pod.metadata.name}": pod ${pod.metadata.name} is already assigned to node "${spec.nodeName}"`,
    );
  }
  pod.spec = { ...spec, nodeName: target };
  call.ctx.store.update(PODS, pod);
  sendJson(call.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

export async function evictPod(call: Call): Promise<void> {
  await readBody(call.req);
  call.ctx.store.delete(PODS, namespaceOf(call), call.route.name ?? '', {});
  sendJson(call.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function logOptions(query: URLSearchParams): LogOptions {
  const options: LogOptions = {};
  const container = query.get('container');
  if (container) options.container = container;
  if (queryFlag(query, 'follow')) options.follow = true;
  if (queryFlag(query, 'previous')) options.previous = true;
  if (queryFlag(query, 'timestamps')) options.timestamps = true;
  const tailLines = queryInt(query, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0) throw badRequest('tailLines: Invalid value: must be greater than or equal to 0');
    options.tailLines = tailLines;
  }
  const sinceSeconds = queryInt(query, 'sinceSeconds');
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw badRequest('sinceSeconds: Invalid value: must be greater than 0');
    options.sinceSeconds = sinceSeconds;
  }
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw badRequest(`sinceTime: Invalid value: ${JSON.stringify(sinceTime)}`);
    if (sinceSeconds !== undefined) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
    options.sinceTime = sinceTime;
  }
  const limitBytes = queryInt(query, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) throw badRequest('limitBytes: Invalid value: must be greater than 0');
    options.limitBytes = limitBytes;
  }
  return options;
}

export async function serveLog(call: Call): Promise<void> {
  const pod = getCurrent(call);
  const options = logOptions(call.query);
  const streams = call.ctx.streams;
  if (!streams) throw new ApiError(503, 'ServiceUnavailable', 'the sandbox kubelet is not running');
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  // A pod not yet on a node has no logs: the real server answers an empty 200.
  if (typeof spec.nodeName !== 'string' || spec.nodeName === '') {
    call.res.writeHead(200, { 'Content-Type': 'text/plain' });
    call.res.end();
    return;
  }
  const log = await streams.logs(pod.metadata.namespace ?? '', pod.metadata.name, options);
  const { res, req } = call;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const stop = (): void => {
    log.destroy();
  };
  req.on('close', stop);
  res.on('close', stop);
  // A log that fails midway ends the response as a real kubelet's would: the client has the rest.
  log.on('error', () => res.end());
  log.pipe(res);
}
