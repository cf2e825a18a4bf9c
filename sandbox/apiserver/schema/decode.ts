// Decoding checks against the field schemas, as the real server's strict JSON decoder makes them:
// wrong JSON types (always fatal) and unknown fields (fatal, warned or ignored per fieldValidation).

import { isJsonObject, type JsonValue } from '../../store/objects.js';
import { goName, structOf } from './index.js';
import type { ScalarType, Schema } from './types.js';

export interface DecodeFindings {
  /** Go-decoder wording of the first wrong JSON type, if any. */
  typeError?: string;
  /** Paths of fields the schema does not know, e.g. `spec.template.spec.containers[0].foo`. */
  unknownFields: string[];
}

const GO_SCALAR: Record<ScalarType, string> = {
  string: 'string',
  int32: 'int32',
  int64: 'int64',
  number: 'float64',
  boolean: 'bool',
  'int-or-string': 'intstr.IntOrString',
  quantity: 'resource.Quantity',
  'date-time': 'v1.Time',
  byte: '[]uint8',
};

export function decodeFindings(value: JsonValue, schema: Schema): DecodeFindings {
  const findings: DecodeFindings = { unknownFields: [] };
  walk(value, schema, { path: '', goPath: '', struct: goName(schema) }, findings);
  return findings;
}

interface Where {
  /** JSON path with list indices, as strict decoding errors print it. */
  path: string;
  /** Path without indices, as Go's json errors print it. */
  goPath: string;
  /** The Go struct that holds the current field. */
  struct: string;
}

function goType(schema: Schema): string {
  switch (schema.kind) {
    case 'scalar':
      return GO_SCALAR[schema.type];
    case 'ref':
      return `v1.${goName(schema)}`;
    case 'map':
      return `map[string]${goType(schema.values)}`;
    case 'list':
      return `[]${goType(schema.items)}`;
    case 'free':
      return 'interface {}';
  }
}

function jsonKind(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'object';
}

function typeError(findings: DecodeFindings, value: JsonValue, schema: Schema, where: Where, shown?: string): void {
  if (findings.typeError) return;
  const field =
    where.struct && where.goPath ? ` into Go struct field ${where.struct}.${where.goPath}` : ' into Go value';
  findings.typeError = `json: cannot unmarshal ${shown ?? jsonKind(value)}${field} of type ${goType(schema)}`;
}

function walk(value: JsonValue, schema: Schema, where: Where, findings: DecodeFindings): void {
  if (value === null || schema.kind === 'free') return;
  switch (schema.kind) {
    case 'scalar':
      checkScalar(value, schema, where, findings);
      return;
    case 'map':
      if (!isJsonObject(value)) return typeError(findings, value, schema, where);
      for (const [key, child] of Object.entries(value)) {
        walk(child, schema.values, { ...where, path: `${where.path}[${key}]` }, findings);
      }
      return;
    case 'list':
      if (!Array.isArray(value)) return typeError(findings, value, schema, where);
      value.forEach((item, index) => walk(item, schema.items, { ...where, path: `${where.path}[${index}]` }, findings));
      return;
    case 'ref': {
      if (!isJsonObject(value)) return typeError(findings, value, schema, where);
      const struct = structOf(schema);
      if (!struct) return;
      for (const [key, child] of Object.entries(value)) {
        const path = where.path ? `${where.path}.${key}` : key;
        const field = struct.fields[key];
        if (!field) {
          if (!struct.open) findings.unknownFields.push(path);
          continue;
        }
        const goPath = where.goPath ? `${where.goPath}.${key}` : key;
        walk(child, field, { path, goPath, struct: goName(schema) }, findings);
      }
    }
  }
}

function checkScalar(
  value: JsonValue,
  schema: Extract<Schema, { kind: 'scalar' }>,
  where: Where,
  findings: DecodeFindings,
): void {
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') typeError(findings, value, schema, where);
      return;
    case 'date-time':
      if (typeof value !== 'string') return typeError(findings, value, schema, where);
      if (value !== '' && !RFC3339.test(value)) {
        findings.typeError ??= `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`;
      }
      return;
    case 'byte':
      if (typeof value !== 'string') return typeError(findings, value, schema, where);
      if (!isBase64(value)) {
        findings.typeError ??= `illegal base64 data at input byte ${firstBadBase64Byte(value)}`;
      }
      return;
    case 'int32':
    case 'int64':
      if (typeof value !== 'number') return typeError(findings, value, schema, where);
      if (!Number.isInteger(value)) typeError(findings, value, schema, where, `number ${value}`);
      return;
    case 'number':
      if (typeof value !== 'number') typeError(findings, value, schema, where);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') typeError(findings, value, schema, where);
      return;
    case 'int-or-string':
      if (typeof value !== 'string' && typeof value !== 'number') typeError(findings, value, schema, where);
      return;
    case 'quantity':
      if (typeof value !== 'string' && typeof value !== 'number') return typeError(findings, value, schema, where);
      if (typeof value === 'string') {
        const problem = quantityProblem(value);
        if (problem) findings.typeError ??= problem;
      }
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const SUFFIXES = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);

/** Why a resource quantity (`512Mi`, `250m`, `1e3`) does not parse, in the real server's words. */
function quantityProblem(text: string): string | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(.*)$/.exec(text);
  if (!match) return `quantities must match the regular expression '${QUANTITY_PATTERN}'`;
  const suffix = match[2] ?? '';
  if (SUFFIXES.has(suffix) || /^[eE][+-]?\d+$/.test(suffix)) return undefined;
  return "unable to parse quantity's suffix";
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isBase64(text: string): boolean {
  return BASE64.test(text);
}

function firstBadBase64Byte(text: string): number {
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  return Math.max(0, text.length - (text.length % 4 || 4));
}
