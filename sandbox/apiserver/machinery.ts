// Binds the API server to the pure request machinery (patching, Table output, OpenAPI documents,
// defaulting and validation) behind one interface, so tests can hand the REST layer another.
// Also patches Scale objects, which have no schema of their own.

import jsonPatch from 'fast-json-patch';
import { ApiError, badRequest } from '../store/errors.js';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type KubeObjectInput,
} from '../store/objects.js';
import type { ResourceType } from '../store/resources.js';
import { applyDefaults, validateObject, type FieldValidation } from './defaults.js';
import { openApiV2, openApiV3Document, openApiV3Index } from './openapi.js';
import { applyPatch } from './patch.js';
import { toTable, type TableOptions } from './tables.js';

export type { FieldValidation };

export interface Machinery {
  applyPatch(
    resource: ResourceType,
    current: KubeObject,
    body: Buffer,
    contentType: string,
    options: { fieldManager?: string; force?: boolean },
  ): KubeObjectInput;
  toTable(resource: ResourceType, items: KubeObject[], options: TableOptions): JsonObject;
  openApiV3Index(): JsonObject;
  openApiV3Document(groupVersionPath: string): JsonObject | undefined;
  openApiV2(): Buffer | JsonObject;
  applyDefaults(resource: ResourceType, object: KubeObjectInput): void;
  validateObject(
    resource: ResourceType,
    object: KubeObjectInput,
    fieldValidation: FieldValidation,
  ): { warnings: string[] };
}

export const machinery: Machinery = {
  applyPatch,
  toTable,
  openApiV3Index,
  openApiV3Document,
  openApiV2,
  applyDefaults,
  validateObject,
};

/** RFC 7386 merge. */
function mergeJson(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else result[key] = mergeJson(result[key], value);
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

function asObject(value: JsonValue): JsonObject {
  if (!isJsonObject(value)) throw badRequest('the patch must produce an object');
  return value;
}

/** Patches a Scale (no lists inside, so strategic merge is a plain merge). */
export function plainPatch(current: JsonObject, body: Buffer, contentType: string): JsonObject {
  switch (contentType) {
    case 'application/json-patch+json': {
      const ops = parseJson(body);
      if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
      try {
        return jsonPatch.applyPatch(structuredClone(current), ops as never, true, false).newDocument;
      } catch (error) {
        throw new ApiError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${(error as Error).message}`,
        );
      }
    }
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return asObject(mergeJson(current, parseJson(body)));
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
  }
}
