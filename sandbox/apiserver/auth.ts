// Bearer-token authentication: the one credential of the sandbox, compared in constant time.
// Health checks stay open, as a real cluster serves them to anonymous clients.

import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../store/errors.js';

const OPEN_PATHS = /^\/(healthz|livez|readyz)(\/|$)/;

export function needsAuth(pathname: string): boolean {
  return !OPEN_PATHS.test(pathname);
}

export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}
