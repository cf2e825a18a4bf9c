// The OpenAPI documents kubectl fetches: the /openapi/v3 index, one v3 document per group/version
// (fieldValidation on every PATCH, so apply validates on the server; kind schemas for explain), /openapi/v2.

import { createHash } from 'node:crypto';
import { KUBERNETES_VERSION } from '../store/cluster.js';
import type { JsonObject, JsonValue } from '../store/objects.js';
import { RESOURCE_TYPES, type ResourceType } from '../store/resources.js';
import { componentsFor } from './openapi/schemas.js';
import { definitionNameOf } from './schema/index.js';

/**
 * The content type of the /openapi/v2 answer. kubectl asks for `...spec.v2@v1.0+protobuf`, but Go's
 * media type parser rejects the `@`, so the real server answers with this dotted form.
 */
export const OPENAPI_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** `api/v1` or `apis/<group>/<version>`: the keys of the v3 index (client-go's gvToAPIPath). */
export function groupVersionPath(resource: Pick<ResourceType, 'group' | 'version'>): string {
  return resource.group === '' ? `api/${resource.version}` : `apis/${resource.group}/${resource.version}`;
}

const documents = new Map<string, JsonObject>();

export function openApiV3Document(path: string): JsonObject | undefined {
  const key = path.replace(/^\/+|\/+$/g, '').replace(/^openapi\/v3\//, '');
  const cached = documents.get(key);
  if (cached) return structuredClone(cached);
  const resources = RESOURCE_TYPES.filter((resource) => groupVersionPath(resource) === key);
  if (resources.length === 0) return undefined;
  const document = buildDocument(key, resources);
  documents.set(key, document);
  return structuredClone(document);
}

let index: JsonObject | undefined;

export function openApiV3Index(): JsonObject {
  index ??= buildIndex();
  return structuredClone(index);
}

function buildIndex(): JsonObject {
  const paths: JsonObject = {};
  const keys = [...new Set(RESOURCE_TYPES.map(groupVersionPath))].sort();
  for (const key of keys) {
    const document = openApiV3Document(key) as JsonObject;
    const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

/**
 * The body of /openapi/v2: empty, which decodes as an empty protobuf openapi_v2.Document. kubectl
 * only falls back to v2 when v3 fails, and an empty document makes it skip client-side validation.
 */
export function openApiV2(): Buffer {
  return Buffer.alloc(0);
}

function query(name: string, description: string, type = 'string'): JsonObject {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = query(
  'dryRun',
  'When present, indicates that modifications should not be persisted. Valid values: All',
);
const FIELD_MANAGER = query(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity that is making these changes.',
);
const FIELD_VALIDATION = query(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values: Ignore, Warn, Strict.',
);
const FORCE = query(
  'force',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
  'boolean',
);
const PRETTY = query('pretty', "If 'true', then the output is pretty printed.");

function buildDocument(key: string, resources: ResourceType[]): JsonObject {
  const paths: JsonObject = {};
  const roots: string[] = [];
  for (const resource of resources) {
    const definition = definitionNameOf(resource);
    if (definition) roots.push(definition);
    const schema: JsonObject = definition ? { $ref: `#/components/schemas/${definition}` } : { type: 'object' };
    const gvk = { group: resource.group, version: resource.version, kind: resource.kind };
    const json = (description: string): JsonObject => ({ description, content: { 'application/json': { schema } } });
    const operation = (action: string, verbId: string, extra: JsonObject): JsonObject => ({
      tags: [tagOf(resource)],
      operationId: `${verbId}${tagName(resource)}${resource.namespaced ? 'Namespaced' : ''}${resource.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const base = resource.namespaced
      ? `/${key}/namespaces/{namespace}/${resource.plural}`
      : `/${key}/${resource.plural}`;
    const pathParameters: JsonValue[] = [
      {
        name: 'name',
        in: 'path',
        description: `name of the ${resource.kind}`,
        required: true,
        schema: { type: 'string', uniqueItems: true },
      },
      ...(resource.namespaced ? [namespaceParameter()] : []),
      PRETTY,
    ];
    paths[base] = {
      get: operation('list', 'list', { responses: { '200': json('OK') } }),
      post: operation('post', 'create', {
        parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        requestBody: { content: { '*/*': { schema } }, required: true },
        responses: { '200': json('OK'), '201': json('Created'), '202': json('Accepted') },
      }),
      parameters: [...(resource.namespaced ? [namespaceParameter()] : []), PRETTY],
    };
    paths[`${base}/{name}`] = {
      get: operation('get', 'read', { responses: { '200': json('OK') } }),
      put: operation('put', 'replace', {
        parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        requestBody: { content: { '*/*': { schema } }, required: true },
        responses: { '200': json('OK'), '201': json('Created') },
      }),
      // No requestBody here on purpose: kubectl then computes client-side strategic merge patches
      // from its built-in types rather than from these schemas.
      patch: operation('patch', 'patch', {
        parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
        responses: { '200': json('OK'), '201': json('Created') },
      }),
      delete: operation('delete', 'delete', {
        parameters: [DRY_RUN],
        responses: { '200': json('OK'), '202': json('Accepted') },
      }),
      parameters: pathParameters,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
    paths,
    components: { schemas: componentsFor(roots) },
  };
}

function namespaceParameter(): JsonObject {
  return {
    name: 'namespace',
    in: 'path',
    description: 'object name and auth scope, such as for teams and projects',
    required: true,
    schema: { type: 'string', uniqueItems: true },
  };
}

function tagName(resource: ResourceType): string {
  const group = resource.group === '' ? 'Core' : (resource.group.split('.')[0] ?? '');
  return `${group.charAt(0).toUpperCase()}${group.slice(1)}${resource.version.charAt(0).toUpperCase()}${resource.version.slice(1)}`;
}

function tagOf(resource: ResourceType): string {
  return `${resource.group === '' ? 'core' : resource.group.split('.')[0]}_${resource.version}`;
}
