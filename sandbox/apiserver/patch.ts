// PATCH bodies applied to a live object: JSON patch, merge patch, strategic merge patch and
// server-side apply, with the status codes the real API server gives each failure. Pure: no store access.

import jsonPatch from 'fast-json-patch';
import YAML from 'yaml';
import { ApiError, badRequest } from '../store/errors.js';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type KubeObjectInput,
} from '../store/objects.js';
import { apiVersionOf, type ResourceType } from '../store/resources.js';
import { serverSideApply } from './patch/apply.js';
import { strategicMerge } from './patch/strategic.js';
import { schemaOf } from './schema/index.js';

export interface PatchOptions {
  fieldManager?: string;
  force?: boolean;
}

export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export function applyPatch(
  resource: ResourceType,
  current: KubeObject,
  body: Buffer,
  contentType: string,
  options: PatchOptions,
): KubeObjectInput {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const live = structuredClone(current) as unknown as JsonObject;
  let patched: JsonObject;
  switch (mediaType) {
    case 'application/json-patch+json':
      patched = applyJsonPatch(live, parseJson(body));
      break;
    case 'application/merge-patch+json':
      patched = mergePatch(live, expectObject(parseJson(body)));
      break;
    case 'application/strategic-merge-patch+json':
      patched = strategicMerge(live, expectObject(parseJson(body)), schemaOf(resource));
      break;
    case 'application/apply-patch+yaml': {
      if (!options.fieldManager) throw badRequest('PATCH request must specify a fieldManager for apply requests');
      const applied = parseApplyConfiguration(body);
      checkAppliedType(resource, applied);
      patched = serverSideApply({
        current: live,
        applied,
        schema: schemaOf(resource),
        manager: options.fieldManager,
        force: options.force === true,
        apiVersion: apiVersionOf(resource),
        now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      });
      break;
    }
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.join(', ')}`,
      );
  }
  return keepIdentity(current, patched);
}

function parseJson(body: Buffer): JsonValue {
  try {
    return JSON.parse(body.toString('utf8')) as JsonValue;
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}

function expectObject(value: JsonValue): JsonObject {
  if (!isJsonObject(value))
    throw badRequest(
      'error decoding patch: json: cannot unmarshal non-object into Go value of type map[string]interface {}',
    );
  return value;
}

function applyJsonPatch(document: JsonObject, operations: JsonValue): JsonObject {
  if (!Array.isArray(operations)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  for (const operation of operations) {
    if (!isJsonObject(operation)) throw badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation');
  }
  try {
    const result = jsonPatch.applyPatch(
      document,
      operations as unknown as jsonPatch.Operation[],
      true,
      false,
    ).newDocument;
    if (!isJsonObject(result)) throw badRequest('the patched object is not a JSON object');
    return result;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw jsonPatchFailure();
  }
}

/**
 * A patch that decodes but does not apply (a failed `test`, a missing path, an unknown op) is 422 with the generic
 * message and empty details: exactly the body the real server sends, which names no cause.
 */
function jsonPatchFailure(): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/** RFC 7386. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue & JsonObject {
  return mergeValue(target, patch) as JsonObject;
}

function mergeValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeValue(result[key], value);
  }
  return result;
}

function parseApplyConfiguration(body: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = YAML.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`error decoding YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isJsonObject(parsed)) throw badRequest('error decoding YAML: the apply configuration is not an object');
  return parsed;
}

function checkAppliedType(resource: ResourceType, applied: JsonObject): void {
  const apiVersion = apiVersionOf(resource);
  if (applied.apiVersion !== undefined && applied.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (applied.kind !== undefined && applied.kind !== resource.kind) {
    throw badRequest(
      `the kind in the data (${String(applied.kind)}) does not match the expected kind (${resource.kind})`,
    );
  }
}

/** A patch never renames or re-identifies an object; a resourceVersion it sets is left for the store to check. */
function keepIdentity(current: KubeObject, patched: JsonObject): KubeObjectInput {
  const result = patched as KubeObjectInput;
  const metadata = isJsonObject(patched.metadata) ? (patched.metadata as KubeObjectInput['metadata'] & object) : {};
  metadata.name = current.metadata.name;
  if (current.metadata.namespace !== undefined) metadata.namespace = current.metadata.namespace;
  else delete metadata.namespace;
  if (current.metadata.uid) metadata.uid = current.metadata.uid;
  if (typeof metadata.resourceVersion !== 'string' || metadata.resourceVersion === '') {
    if (current.metadata.resourceVersion) metadata.resourceVersion = current.metadata.resourceVersion;
    else delete metadata.resourceVersion;
  }
  result.metadata = metadata;
  result.apiVersion = current.apiVersion;
  result.kind = current.kind;
  return result;
}
