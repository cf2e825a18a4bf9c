// Cell formatting shared by the Table printers, matching kubectl's: human durations, label maps,
// selectors, and the small accessors that read untyped object JSON safely.

import { isJsonObject, type JsonObject, type JsonValue } from '../../store/objects.js';

/** apimachinery's duration.HumanDuration: `5s`, `3m2s`, `15m`, `4h10m`, `10h`, `3d4h`, `20d`, `2y30d`. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8)
    return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** kubectl's translateTimestampSince: `<unknown>` for a missing timestamp. */
export function since(timestamp: JsonValue | undefined, now: number): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(labels: JsonValue | undefined): string {
  const entries = Object.entries(obj(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

/** A label selector as kubectl prints it: requirements sorted by key (`app=web,tier in (a,b)`), `<none>` when empty. */
export function formatSelector(selector: JsonValue | undefined): string {
  if (!isJsonObject(selector)) return '<none>';
  const parts: [string, string][] = Object.entries(obj(selector.matchLabels)).map(([k, v]) => [k, `${k}=${String(v)}`]);
  for (const expression of list(selector.matchExpressions)) {
    const { key, operator, values } = obj(expression);
    const name = String(key);
    const set = list(values).map(String).sort().join(',');
    if (operator === 'In') parts.push([name, `${name} in (${set})`]);
    else if (operator === 'NotIn') parts.push([name, `${name} notin (${set})`]);
    else if (operator === 'Exists') parts.push([name, name]);
    else if (operator === 'DoesNotExist') parts.push([name, `!${name}`]);
  }
  parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.length === 0 ? '<none>' : parts.map(([, text]) => text).join(',');
}

export function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

export function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

export function num(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

export function text(value: JsonValue | undefined, fallback = ''): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** Container names and images of a pod template, comma-joined as the wide columns show them. */
export function containersAndImages(podSpec: JsonValue | undefined): [string, string] {
  const containers = list(obj(podSpec).containers).map(obj);
  return [containers.map((c) => text(c.name)).join(','), containers.map((c) => text(c.image)).join(',')];
}
