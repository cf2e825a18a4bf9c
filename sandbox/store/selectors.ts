// Label and field selectors: parsing the query-string syntax (`app=web,tier in (a,b),!canary`) and
// matching both that and the structured LabelSelector (matchLabels / matchExpressions) of workloads.

import { badRequest } from './errors.js';
import type { JsonValue, KubeObject } from './objects.js';

type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;
export type FieldMatcher = (object: KubeObject) => boolean;

const matchAll: LabelMatcher = () => true;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseRequirement(term: string): Requirement {
  let match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (match) {
    const values = match[3]!.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
    return { key: match[1]!, op: match[2] as 'in' | 'notin', values };
  }
  match = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
  if (match) return { key: match[1]!, op: match[2] === '!=' ? 'neq' : 'eq', value: match[3]! };
  match = /^!\s*([\w./-]+)$/.exec(term);
  if (match) return { key: match[1]!, op: 'notexists' };
  match = /^([\w./-]+)$/.exec(term);
  if (match) return { key: match[1]!, op: 'exists' };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(term)}`);
}

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'eq':
      return has && value === req.value;
    case 'neq':
      return !has || value !== req.value;
    case 'in':
      return has && req.values.includes(value!);
    case 'notin':
      return !has || !req.values.includes(value!);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Parses `?labelSelector=`; an empty or missing selector matches everything. */
export function parseLabelSelector(text: string | null | undefined): LabelMatcher {
  if (!text || text.trim() === '') return matchAll;
  const requirements = splitTerms(text).map(parseRequirement);
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Matches a structured LabelSelector. Like the API server, an empty selector matches everything
 * and a missing (null) selector matches nothing.
 */
export function labelSelectorMatcher(selector: JsonValue | undefined): LabelMatcher {
  if (selector === undefined || selector === null || typeof selector !== 'object' || Array.isArray(selector)) {
    return () => false;
  }
  const spec = selector as unknown as LabelSelectorSpec;
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(spec.matchLabels ?? {})) requirements.push({ key, op: 'eq', value });
  for (const expr of spec.matchExpressions ?? []) {
    const op = expr.operator.toLowerCase();
    if (op === 'in' || op === 'notin') requirements.push({ key: expr.key, op, values: expr.values ?? [] });
    else if (op === 'exists') requirements.push({ key: expr.key, op: 'exists' });
    else if (op === 'doesnotexist') requirements.push({ key: expr.key, op: 'notexists' });
  }
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

/** Reads a dotted field path such as `status.phase` or `metadata.name`. */
function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as Record<string, unknown>)[part];
  }
  return current === undefined || current === null ? '' : String(current);
}

const SUPPORTED_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'status.phase',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'status.podIP',
  'status.nominatedNodeName',
  'involvedObject.kind',
  'involvedObject.name',
  'involvedObject.namespace',
  'involvedObject.uid',
  'reason',
  'type',
  'spec.unschedulable',
]);

/** Parses `?fieldSelector=`: comma-joined `field=value` / `field!=value` terms. */
export function parseFieldSelector(text: string | null | undefined): FieldMatcher {
  if (!text || text.trim() === '') return () => true;
  const terms = splitTerms(text).map((term) => {
    const match = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = match[1]!;
    if (!SUPPORTED_FIELDS.has(field)) {
      throw badRequest(`"${field}" is not a known field selector: only "${[...SUPPORTED_FIELDS].join('", "')}"`);
    }
    return { field, negate: match[2] === '!=', value: match[3]! };
  });
  return (object) => terms.every((t) => (fieldValue(object, t.field) === t.value) !== t.negate);
}
