// Checks request params at the boundary: each reader returns a typed value or throws
// InvalidParams naming the field (`params.namespace must be a string`).
import { invalidParams } from '../protocol/errors.js';

export type Fields = Record<string, unknown>;

/** The params object; absent params count as `{}`. */
export function paramsObject(raw: unknown): Fields {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParams('params', 'params must be an object');
  return raw as Fields;
}

function fail(key: string, what: string): never {
  throw invalidParams(`params.${key}`, `params.${key} must be ${what}`);
}

export function optString(params: Fields, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(key, 'a string');
  return value;
}

export function reqString(params: Fields, key: string): string {
  const value = optString(params, key);
  if (value === undefined || value === '') fail(key, 'a non-empty string');
  return value;
}

export function optBoolean(params: Fields, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') fail(key, 'a boolean');
  return value;
}

export function optInteger(params: Fields, key: string, min: number, max: number): number | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(key, `an integer from ${min} to ${max}`);
  return value;
}

export function optStringArray(params: Fields, key: string): string[] | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail(key, 'an array of strings');
  return value as string[];
}

export function optEnum<T extends string>(params: Fields, key: string, allowed: readonly T[]): T | undefined {
  const value = optString(params, key);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) fail(key, `one of ${allowed.join(', ')}`);
  return value as T;
}

export function optEnumArray<T extends string>(params: Fields, key: string, allowed: readonly T[]): T[] | undefined {
  const values = optStringArray(params, key);
  if (values === undefined) return undefined;
  if (!values.every((value) => (allowed as readonly string[]).includes(value)))
    fail(key, `an array of ${allowed.join(', ')}`);
  return values as T[];
}

export function optObject(params: Fields, key: string): Fields | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) fail(key, 'an object');
  return value as Fields;
}

export function optProgressToken(params: Fields): string | number | undefined {
  const value = params.workDoneToken;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') fail('workDoneToken', 'a string or a number');
  return value;
}
