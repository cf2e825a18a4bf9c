// HTTP plumbing of the API server: JSON and Status responses, request bodies, content negotiation.
// Every error leaves here as a metav1.Status with the right code; nothing here knows resources.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { ApiError } from '../store/errors.js';

const BODY_LIMIT = 3 * 1024 * 1024;

/** Turns anything thrown into the ApiError a real server would answer with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isApiErrorLike(error))
    return new ApiError(error.code, error.reason as ApiError['reason'], error.message, error.details);
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** ApiErrors from a second copy of the module (e.g. another build) still carry their status. */
function isApiErrorLike(error: unknown): error is ApiError {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  return (
    typeof e.code === 'number' && typeof e.reason === 'string' && typeof e.toStatus === 'function' && e.code >= 400
  );
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const apiError = toApiError(error);
  sendJson(res, apiError.code, apiError.toStatus());
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers an upgrade request that will not be upgraded, straight on the socket. */
export function rejectUpgrade(socket: Duplex, error: unknown): void {
  const apiError = toApiError(error);
  const text = JSON.stringify(apiError.toStatus());
  const head =
    `HTTP/1.1 ${apiError.code} ${STATUS_CODES[apiError.code] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\n` +
    'Connection: close\r\n\r\n';
  if (!socket.destroyed) socket.end(head + text);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > BODY_LIMIT)
      throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The media type without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether the Accept header asks for a meta.k8s.io Table (as `kubectl get` does). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim().toLowerCase());
    return params.includes('as=table') && params.includes('g=meta.k8s.io') && params[0] === 'application/json';
  });
}

/** Go's strconv.ParseBool, which the API server uses for query flags. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && ['1', 't', 'true', 'TRUE', 'True', 'T'].includes(value);
}

export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new ApiError(400, 'BadRequest', `invalid value for ${name}: ${JSON.stringify(value)}`);
  return n;
}
