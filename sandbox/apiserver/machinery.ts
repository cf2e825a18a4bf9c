// Binds the API server to the pure request machinery (patching, Table output, OpenAPI documents,
// defaulting and validation). Modules that are not present yet get small stand-ins, so the
// server always starts; the stand-ins are deliberately minimal.

import jsonPatch from 'fast-json-patch';
import YAML from 'yaml';
import { ApiError, badRequest } from '../store/errors.js';
import { isJsonObject, type JsonObject, type JsonValue, type KubeObject, type KubeObjectInput } from '../store/objects.js';
import { RESOURCE_TYPES, type ResourceType } from '../store/resources.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface Machinery {
  applyPatch(
    resource: ResourceType,
    current: KubeObject,
    body: Buffer,
    contentType: string,
    options: { fieldManager?: string; force?: boolean },
  ): KubeObjectInput;
  /** Undefined when Table output is not available: callers answer with the plain list. */
  toTable:
    | ((
        resource: ResourceType,
        items: KubeObject[],
        options: { includeObject: 'None' | 'Metadata' | 'Object'; resourceVersion: string; continueToken?: string },
      ) => JsonObject)
    | undefined;
  openApiV3Index(): JsonObject;
  openApiV3Document(groupVersionPath: string): JsonObject | undefined;
  openApiV2(): Buffer | JsonObject;
  applyDefaults(resource: ResourceType, object: KubeObjectInput): void;
  validateObject(resource: ResourceType, object: KubeObjectInput, fieldValidation: FieldValidation): { warnings: string[] };
}

type Loaded = Record<string, unknown>;

async function load(file: string): Promise<Loaded> {
  try {
    return (await import(new URL(file, import.meta.url).href)) as Loaded;
  } catch (error) {
    // Only a missing module falls back; a module that fails to load for another reason is a bug.
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return {};
    throw error;
  }
}

function fn<T>(module: Loaded, name: string): T | undefined {
  return typeof module[name] === 'function' ? (module[name] as T) : undefined;
}

export async function loadMachinery(): Promise<Machinery> {
  const [patch, tables, openapi, defaults] = await Promise.all([
    load('./patch.js'),
    load('./tables.js'),
    load('./openapi.js'),
    load('./defaults.js'),
  ]);
  return {
    applyPatch: fn<Machinery['applyPatch']>(patch, 'applyPatch') ?? fallbackApplyPatch,
    toTable: fn<NonNullable<Machinery['toTable']>>(tables, 'toTable'),
    openApiV3Index: fn<Machinery['openApiV3Index']>(openapi, 'openApiV3Index') ?? fallbackV3Index,
    openApiV3Document: fn<Machinery['openApiV3Document']>(openapi, 'openApiV3Document') ?? fallbackV3Document,
    openApiV2: fn<Machinery['openApiV2']>(openapi, 'openApiV2') ?? (() => Buffer.alloc(0)),
    applyDefaults: fn<Machinery['applyDefaults']>(defaults, 'applyDefaults') ?? (() => undefined),
    validateObject: fn<Machinery['validateObject']>(defaults, 'validateObject') ?? (() => ({ warnings: [] })),
  };
}

/** RFC 7386 merge; `$`-directives of strategic merge patches are dropped. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function parseJson(body: Buffer): JsonValue {
  try {
    return JSON.parse(body.toString('utf8')) as JsonValue;
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}

/** Patches plain JSON without schema knowledge (also used for Scale, which has no lists). */
export function plainPatch(current: JsonObject, body: Buffer, contentType: string): JsonObject {
  switch (contentType) {
    case 'application/json-patch+json': {
      const ops = parseJson(body);
      if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
      try {
        return jsonPatch.applyPatch(structuredClone(current), ops as never, true, false).newDocument;
      } catch (error) {
        throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(error as Error).message}`);
      }
    }
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return asObject(mergePatch(current, parseJson(body)));
    case 'application/apply-patch+yaml': {
      let applied: unknown;
      try {
        applied = YAML.parse(body.toString('utf8'));
      } catch (error) {
        throw badRequest(`error decoding YAML: ${(error as Error).message}`);
      }
      if (!isJsonObject(applied)) throw badRequest('apply patch must be an object');
      return asObject(mergePatch(current, applied));
    }
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
}

function asObject(value: JsonValue): JsonObject {
  if (!isJsonObject(value)) throw badRequest('the patch must produce an object');
  return value;
}

function fallbackApplyPatch(_resource: ResourceType, current: KubeObject, body: Buffer, contentType: string): KubeObjectInput {
  return plainPatch(current as unknown as JsonObject, body, contentType) as KubeObjectInput;
}

function groupVersionPath(resource: ResourceType): string {
  return resource.group === '' ? `api/${resource.version}` : `apis/${resource.group}/${resource.version}`;
}

function fallbackV3Index(): JsonObject {
  const paths: JsonObject = {};
  for (const r of RESOURCE_TYPES) {
    const path = groupVersionPath(r);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=0` };
  }
  return { paths };
}

function fallbackV3Document(path: string): JsonObject | undefined {
  const served = RESOURCE_TYPES.filter((r) => groupVersionPath(r) === path);
  if (served.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const r of served) {
    const prefix = `/${path}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[prefix] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.1' }, paths, components: { schemas: {} } };
}

