// REST semantics of every registered resource: get, list, watch, create, update, patch, delete,
// deletecollection and the status subresource; other subresources are dispatched from here. Each
// verb turns a parsed request into store calls and answers with objects, lists, Tables or Status.

import YAML from 'yaml';
import { ApiError, badRequest, notFound } from '../store/errors.js';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type KubeObjectInput,
} from '../store/objects.js';
import { apiVersionOf, type ResourceType } from '../store/resources.js';
import { parseFieldSelector, parseLabelSelector } from '../store/selectors.js';
import type { DeleteOptions } from '../store/store.js';
import {
  dryRun,
  fieldValidation,
  getCurrent,
  methodNotAllowed,
  namespaceOf,
  patchType,
  warningHeaders,
  type Call,
} from './call.js';
import { mediaType, queryFlag, queryInt, readBody, sendJson, wantsTable } from './http.js';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import { bindPod, evictPod, serveLog, toScale, writeScale } from './subresources.js';
import { serveWatch } from './watch.js';

/** Kinds whose DELETE answers with the object rather than a Status, as in the real registry. */
const DELETE_RETURNS_OBJECT = new Set(['Pod', 'Service', 'Namespace']);
/** Namespaces the real server refuses to delete. */
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
/** Kinds a PUT may create (AllowCreateOnUpdate in the real registry). */
const CREATE_ON_UPDATE = new Set(['Endpoints', 'Event', 'Lease']);

function requireVerb(resource: ResourceType, verb: string): void {
  if (!resource.verbs.includes(verb)) throw methodNotAllowed();
}

export async function handleResource(call: Call): Promise<void> {
  const { req, route } = call;
  const method = req.method ?? 'GET';
  const sub = route.subresource;
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
    throw badRequest('Upgrade request required');
  }
  if (sub === 'log') {
    if (method !== 'GET') throw methodNotAllowed();
    return serveLog(call);
  }
  if (sub === 'binding' || sub === 'eviction') {
    if (method !== 'POST') throw methodNotAllowed();
    return sub === 'binding' ? bindPod(call) : evictPod(call);
  }
  if (sub === 'scale') {
    if (method === 'GET') return sendJson(call.res, 200, toScale(getCurrent(call)));
    if (method === 'PUT' || method === 'PATCH') return writeScale(call, method);
    throw methodNotAllowed();
  }
  if (route.name === undefined) {
    switch (method) {
      case 'GET':
        return isWatch(call) ? watchCollection(call) : listCollection(call);
      case 'POST':
        return createObject(call);
      case 'DELETE':
        return deleteCollection(call);
      default:
        throw methodNotAllowed();
    }
  }
  switch (method) {
    case 'GET':
      return getObject(call);
    case 'PUT':
      return updateObject(call);
    case 'PATCH':
      return patchObject(call);
    case 'DELETE':
      if (sub) throw methodNotAllowed();
      return deleteObject(call);
    default:
      throw methodNotAllowed();
  }
}

function isWatch(call: Call): boolean {
  return call.route.watchPath || queryFlag(call.query, 'watch');
}

function tableOptions(call: Call): 'None' | 'Metadata' | 'Object' {
  const value = call.query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** The Table encoder when the client asked for one and Table output is available. */
function tableEncoder(call: Call): ((items: KubeObject[], noHeaders?: boolean) => JsonObject) | undefined {
  if (!wantsTable(call.req.headers.accept)) return undefined;
  const includeObject = tableOptions(call);
  return (items, noHeaders = false) =>
    call.ctx.machinery.toTable(call.route.resource, items, {
      includeObject,
      resourceVersion: call.ctx.store.currentResourceVersion(),
      ...(noHeaders ? { noHeaders } : {}),
    });
}

function getObject(call: Call): void {
  const object = getCurrent(call);
  const table = call.route.subresource ? undefined : tableEncoder(call);
  sendJson(call.res, 200, table ? table([object]) : object);
}

function listFilter(call: Call): {
  namespace?: string;
  labels: ReturnType<typeof parseLabelSelector>;
  fields: ReturnType<typeof parseFieldSelector>;
} {
  const namespace = namespaceOf(call);
  return {
    ...(namespace ? { namespace } : {}),
    labels: parseLabelSelector(call.query.get('labelSelector')),
    fields: parseFieldSelector(call.query.get('fieldSelector')),
  };
}

function listCollection(call: Call): void {
  requireVerb(call.route.resource, 'list');
  const { resource } = call.route;
  const { items, resourceVersion } = call.ctx.store.list(resource, listFilter(call));
  const table = tableEncoder(call);
  if (table) return sendJson(call.res, 200, table(items));
  sendJson(call.res, 200, {
    kind: resource.listKind,
    apiVersion: apiVersionOf(resource),
    metadata: { resourceVersion },
    items,
  });
}

function watchCollection(call: Call): void {
  requireVerb(call.route.resource, 'watch');
  const filter = listFilter(call);
  const table = tableEncoder(call);
  const timeoutSeconds = queryInt(call.query, 'timeoutSeconds');
  const resourceVersion = call.query.get('resourceVersion') ?? undefined;
  serveWatch(call.ctx.store, call.req, call.res, {
    resource: call.route.resource,
    ...(filter.namespace ? { namespace: filter.namespace } : {}),
    labels: filter.labels,
    fields: filter.fields,
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    allowBookmarks: queryFlag(call.query, 'allowWatchBookmarks'),
    ...(call.ctx.bookmarkIntervalMs ? { bookmarkIntervalMs: call.ctx.bookmarkIntervalMs } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    encode: table ? watchTableEncoder(table) : (object) => object as unknown as JsonValue,
  });
}

/** Like the real server, only the first Table of a watch carries the column definitions. */
function watchTableEncoder(
  table: (items: KubeObject[], noHeaders?: boolean) => JsonObject,
): (object: KubeObject) => JsonValue {
  let first = true;
  return (object) => {
    const encoded = table([object], !first);
    first = false;
    return encoded;
  };
}

/** Decodes a request body as JSON (or YAML when so labelled) into an object. */
async function readObject(call: Call): Promise<KubeObjectInput> {
  const body = await readBody(call.req);
  const type = mediaType(call.req.headers['content-type']);
  const expected = call.route.subresource === 'scale' ? 'Scale' : call.route.resource.kind;
  if (type === PROTOBUF_CONTENT_TYPE) return decodeProtobufObject(body);
  if (
    type !== '' &&
    type !== 'application/json' &&
    type !== 'application/yaml' &&
    type !== 'application/x-yaml' &&
    type !== '*/*'
  ) {
    // Protobuf and CBOR are not spoken here; client-go switches to JSON when told so with a 415.
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  let parsed: unknown;
  try {
    const text = body.toString('utf8');
    parsed = type === 'application/yaml' || type === 'application/x-yaml' ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${expected}): couldn't get version/kind; json parse error: ${(error as Error).message}`,
    );
  }
  if (!isJsonObject(parsed)) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${expected}): couldn't get version/kind; json parse error: expected an object`,
    );
  }
  if (parsed.metadata !== undefined && !isJsonObject(parsed.metadata)) {
    throw badRequest(
      `${expected} in version "${call.route.resource.version}" cannot be handled as a ${expected}: metadata must be an object`,
    );
  }
  return parsed as KubeObjectInput;
}

/** Fills in and checks apiVersion, kind, namespace (and name, for PUT) against the URL. */
function checkIdentity(call: Call, object: KubeObjectInput): void {
  const { resource } = call.route;
  const expectedVersion = apiVersionOf(resource);
  if (object.apiVersion !== undefined && object.apiVersion !== expectedVersion) {
    if (typeof object.apiVersion !== 'string') throw badRequest('apiVersion must be a string');
    throw badRequest(
      `the API version in the data (${object.apiVersion}) does not match the expected API version (${expectedVersion})`,
    );
  }
  if (object.kind !== undefined && object.kind !== resource.kind) {
    throw badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${resource.kind})`,
    );
  }
  object.apiVersion = expectedVersion;
  object.kind = resource.kind;
  const metadata = (object.metadata ??= {});
  for (const field of ['name', 'namespace', 'generateName'] as const) {
    if (metadata[field] !== undefined && typeof metadata[field] !== 'string') {
      throw badRequest(
        `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: json: cannot unmarshal ${typeof metadata[field]} into Go struct field ObjectMeta.metadata.${field} of type string`,
      );
    }
  }
  if (resource.namespaced) {
    const fromPath = call.route.namespace;
    if (!fromPath) throw notFoundNamespaceless();
    if (metadata.namespace && metadata.namespace !== fromPath) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    metadata.namespace = fromPath;
  } else {
    delete metadata.namespace;
  }
  if (call.route.name !== undefined) {
    if (metadata.name && metadata.name !== call.route.name) {
      throw badRequest(
        `the name of the object (${metadata.name}) does not match the name on the URL (${call.route.name})`,
      );
    }
    metadata.name = call.route.name;
  }
}

function notFoundNamespaceless(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** The status a new object starts with: clients cannot create objects with a status of their own. */
function resetStatus(resource: ResourceType, object: KubeObjectInput): void {
  if (resource.kind === 'Pod') object.status = { phase: 'Pending' };
  else if (resource.kind === 'Namespace') {
    object.status = { phase: 'Active' };
    const name = object.metadata?.name;
    // The label every namespace carries on a real cluster, so selectors can pick namespaces by name.
    if (name)
      object.metadata = {
        ...object.metadata,
        labels: { ...object.metadata?.labels, 'kubernetes.io/metadata.name': name },
      };
  } else if (resource.subresources.includes('status') && resource.kind !== 'Node') delete object.status;
}

function prepare(call: Call, object: KubeObjectInput): string[] {
  const { machinery } = call.ctx;
  machinery.applyDefaults(call.route.resource, object);
  return machinery.validateObject(call.route.resource, object, fieldValidation(call.query)).warnings;
}

/** A write that leaves managedFields out keeps them, as on the real server (field ownership stays). */
function keepManagedFields(current: KubeObject, next: KubeObjectInput): void {
  const managed = current.metadata.managedFields;
  if (managed === undefined || next.metadata?.managedFields !== undefined) return;
  next.metadata = { ...next.metadata, managedFields: managed };
}

async function createObject(call: Call): Promise<void> {
  requireVerb(call.route.resource, 'create');
  const object = await readObject(call);
  checkIdentity(call, object);
  resetStatus(call.route.resource, object);
  const warnings = prepare(call, object);
  const created = call.ctx.store.create(call.route.resource, object, { dryRun: dryRun(call.query) });
  sendJson(call.res, 201, created, warningHeaders(warnings));
}

async function updateObject(call: Call): Promise<void> {
  const { resource, subresource } = call.route;
  if (subresource !== undefined && subresource !== 'status') throw methodNotAllowed();
  requireVerb(resource, 'update');
  const object = await readObject(call);
  checkIdentity(call, object);
  const options = {
    dryRun: dryRun(call.query),
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
  };
  const exists = call.ctx.store.tryGet(resource, namespaceOf(call), call.route.name ?? '');
  if (!exists) {
    if (subresource || !CREATE_ON_UPDATE.has(resource.kind))
      throw notFound(resource.plural, resource.group, call.route.name ?? '');
    const warnings = prepare(call, object);
    return sendJson(call.res, 201, call.ctx.store.create(resource, object, options), warningHeaders(warnings));
  }
  keepManagedFields(exists, object);
  const warnings = subresource ? [] : prepare(call, object);
  sendJson(call.res, 200, call.ctx.store.update(resource, object, options), warningHeaders(warnings));
}

async function patchObject(call: Call): Promise<void> {
  const { resource, subresource } = call.route;
  if (subresource !== undefined && subresource !== 'status') throw methodNotAllowed();
  requireVerb(resource, 'patch');
  const type = patchType(call);
  const body = await readBody(call.req);
  const fieldManager = call.query.get('fieldManager') ?? undefined;
  const isApply = type === 'application/apply-patch+yaml';
  if (isApply && !fieldManager) {
    throw badRequest('PATCH requests that are apply patches must have a fieldManager');
  }
  const store = call.ctx.store;
  const namespace = namespaceOf(call);
  const name = call.route.name ?? '';
  const current = store.tryGet(resource, namespace, name);
  if (!current && (!isApply || subresource)) throw notFound(resource.plural, resource.group, name);
  const base: KubeObject =
    current ??
    ({
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
    } as KubeObject);
  const patched = call.ctx.machinery.applyPatch(resource, base, body, type, {
    ...(fieldManager ? { fieldManager } : {}),
    force: queryFlag(call.query, 'force'),
  });
  if (!isJsonObject(patched)) throw badRequest('the patch did not produce an object');
  checkIdentity(call, patched);
  const options = {
    dryRun: dryRun(call.query),
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
  };
  if (!current) {
    resetStatus(resource, patched);
    const warnings = prepare(call, patched);
    return sendJson(call.res, 201, store.create(resource, patched, options), warningHeaders(warnings));
  }
  keepManagedFields(current, patched);
  const warnings = subresource ? [] : prepare(call, patched);
  sendJson(call.res, 200, store.update(resource, patched, options), warningHeaders(warnings));
}

async function readDeleteOptions(call: Call): Promise<DeleteOptions & { dryRun: boolean }> {
  const body = await readBody(call.req);
  let fromBody: JsonObject = {};
  if (body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!isJsonObject(parsed)) throw new Error('expected an object');
      fromBody = parsed;
    } catch (error) {
      throw badRequest(`error decoding DeleteOptions: ${(error as Error).message}`);
    }
  }
  const options: DeleteOptions & { dryRun: boolean } = { dryRun: dryRun(call.query) || Array.isArray(fromBody.dryRun) };
  const grace = queryInt(call.query, 'gracePeriodSeconds') ?? fromBody.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number') throw badRequest('gracePeriodSeconds must be a number');
    options.gracePeriodSeconds = Math.max(0, grace);
  }
  const policy = call.query.get('propagationPolicy') ?? fromBody.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
      throw badRequest(
        `propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    options.propagationPolicy = policy;
  } else if (call.query.get('orphanDependents') === 'true' || fromBody.orphanDependents === true) {
    options.propagationPolicy = 'Orphan';
  }
  if (isJsonObject(fromBody.preconditions)) {
    const { uid, resourceVersion } = fromBody.preconditions;
    options.preconditions = {
      ...(typeof uid === 'string' ? { uid } : {}),
      ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
    };
  }
  return options;
}

function successStatus(resource: ResourceType, object: KubeObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: object.metadata.name, group: resource.group, kind: resource.plural, uid: object.metadata.uid },
  };
}

async function deleteObject(call: Call): Promise<void> {
  const { resource } = call.route;
  requireVerb(resource, 'delete');
  const options = await readDeleteOptions(call);
  if (resource.kind === 'Namespace' && PROTECTED_NAMESPACES.has(call.route.name ?? '')) {
    throw new ApiError(
      403,
      'Forbidden',
      `namespaces "${call.route.name}" is forbidden: this namespace may not be deleted`,
      {
        name: call.route.name ?? '',
        kind: 'namespaces',
      },
    );
  }
  const { object, removed } = call.ctx.store.delete(resource, namespaceOf(call), call.route.name ?? '', options);
  const body = !removed || DELETE_RETURNS_OBJECT.has(resource.kind) ? object : successStatus(resource, object);
  sendJson(call.res, 200, body);
}

async function deleteCollection(call: Call): Promise<void> {
  const { resource } = call.route;
  requireVerb(resource, 'deletecollection');
  const options = await readDeleteOptions(call);
  const { items } = call.ctx.store.list(resource, listFilter(call));
  const deleted: KubeObject[] = [];
  for (const item of items) {
    try {
      deleted.push(call.ctx.store.delete(resource, item.metadata.namespace, item.metadata.name, options).object);
    } catch (error) {
      // Something else removed it in the meantime: that is what we wanted.
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }
  sendJson(call.res, 200, {
    kind: resource.listKind,
    apiVersion: apiVersionOf(resource),
    metadata: { resourceVersion: call.ctx.store.currentResourceVersion() },
    items: deleted,
  });
}
