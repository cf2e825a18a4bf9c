// dev/start, dev/end, dev/reset and dev/status: checks params at the boundary and hands them to the dev service.
import type { DevEndParams, DevResetParams, DevStartParams, DevStatusParams } from '../../protocol/dev.js';
import { invalidParams } from '../../protocol/errors.js';
import { workloadKinds } from '../../protocol/workloads.js';
import type { WorkloadKind } from '../../protocol/workloads.js';
import {
  optBoolean,
  optEnum,
  optProgressToken,
  optString,
  optStringArray,
  paramsObject,
  reqString,
  type Fields,
} from '../params.js';

function workloadOf(params: Fields): { kind: WorkloadKind; name: string; namespace?: string } {
  const kind = optEnum(params, 'kind', workloadKinds);
  if (kind === undefined) throw invalidParams('params.kind', `params.kind must be one of ${workloadKinds.join(', ')}`);
  const namespace = optString(params, 'namespace');
  return { kind, name: reqString(params, 'name'), ...(namespace ? { namespace } : {}) };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function parseDevStartParams(raw: unknown): DevStartParams {
  const params = paramsObject(raw);
  return defined({
    ...workloadOf(params),
    container: optString(params, 'container'),
    localDir: optString(params, 'localDir'),
    remoteDir: optString(params, 'remoteDir'),
    image: optString(params, 'image'),
    force: optBoolean(params, 'force'),
    sync: optBoolean(params, 'sync'),
    ports: optStringArray(params, 'ports'),
    workDoneToken: optProgressToken(params),
  }) as DevStartParams;
}

export function parseDevEndParams(raw: unknown): DevEndParams {
  const params = paramsObject(raw);
  return defined({
    ...workloadOf(params),
    force: optBoolean(params, 'force'),
    workDoneToken: optProgressToken(params),
  }) as DevEndParams;
}

export function parseDevResetParams(raw: unknown): DevResetParams {
  return workloadOf(paramsObject(raw));
}

export function parseDevStatusParams(raw: unknown): DevStatusParams {
  const namespace = optString(paramsObject(raw), 'namespace');
  return namespace ? { namespace } : {};
}
