// One REST request as the verb handlers see it, and the helpers they share: addressing, dry-run,
// field validation, patch types and warnings, read off the URL the way the real server does.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodStreams } from '../kubelet/api.js';
import { ApiError, badRequest } from '../store/errors.js';
import type { KubeObject } from '../store/objects.js';
import type { ObjectStore } from '../store/store.js';
import { mediaType } from './http.js';
import type { FieldValidation, Machinery } from './machinery.js';
import type { ResourceRoute } from './routes.js';

export interface RestContext {
  store: ObjectStore;
  machinery: Machinery;
  /** The kubelet's streams, for pods/log; absent while no kubelet runs. */
  streams: PodStreams | undefined;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs?: number;
}

export interface Call {
  ctx: RestContext;
  req: IncomingMessage;
  res: ServerResponse;
  route: ResourceRoute;
  query: URLSearchParams;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function namespaceOf(call: Call): string | undefined {
  return call.route.resource.namespaced ? call.route.namespace : undefined;
}

export function getCurrent(call: Call): KubeObject {
  return call.ctx.store.get(call.route.resource, namespaceOf(call), call.route.name ?? '');
}

export function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${JSON.stringify(v)}`);
  return values.length > 0;
}

export function fieldValidation(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation parameter ${JSON.stringify(value)} is not a valid value; valid values are "Ignore", "Warn", "Strict"`,
  );
}

export function warningHeaders(warnings: string[]): Record<string, string[]> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

export function patchType(call: Call): string {
  const type = mediaType(call.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
    );
  }
  return type;
}
