// portForward/start|stop|list: checks params and hands them to the forward service.
import type {
  PortForwardInfo,
  PortForwardListResult,
  PortForwardStartParams,
  PortForwardStopParams,
} from '../../protocol/portForward.js';
import { invalidParams } from '../../protocol/errors.js';
import { workloadKinds } from '../../protocol/workloads.js';
import type { ForwardService } from '../forward/service.js';
import { optEnum, optInteger, optString, paramsObject, reqString } from '../params.js';
import type { Fields } from '../params.js';
import type { Session } from '../session.js';

/** The workload fields every workload-addressed method shares. */
export function parseWorkload(params: Fields): {
  kind: PortForwardStartParams['kind'];
  name: string;
  namespace?: string;
} {
  const kind = optEnum(params, 'kind', workloadKinds);
  if (kind === undefined) throw invalidParams('params.kind', `params.kind must be one of ${workloadKinds.join(', ')}`);
  const name = reqString(params, 'name');
  const namespace = optString(params, 'namespace');
  return { kind, name, ...(namespace !== undefined ? { namespace } : {}) };
}

export function parsePortForwardStartParams(raw: unknown): PortForwardStartParams {
  const params = paramsObject(raw);
  const remotePort = optInteger(params, 'remotePort', 1, 65535);
  const localPort = optInteger(params, 'localPort', 0, 65535);
  const localAddress = optString(params, 'localAddress');
  return {
    ...parseWorkload(params),
    remotePort: remotePort ?? missing('remotePort'),
    ...(localPort !== undefined ? { localPort } : {}),
    ...(localAddress !== undefined ? { localAddress } : {}),
  };
}

function missing(key: string): never {
  throw invalidParams(`params.${key}`, `params.${key} is required`);
}

export function parsePortForwardStopParams(raw: unknown): PortForwardStopParams {
  return { id: reqString(paramsObject(raw), 'id') };
}

export async function startPortForward(
  session: Session,
  forwards: ForwardService,
  params: PortForwardStartParams,
): Promise<PortForwardInfo> {
  const kube = await session.kube();
  return forwards.start(kube, {
    workload: { kind: params.kind, name: params.name, namespace: params.namespace ?? session.defaultNamespace() },
    remotePort: params.remotePort,
    localPort: params.localPort ?? params.remotePort,
    localAddress: params.localAddress ?? '127.0.0.1',
  });
}

export async function stopPortForward(forwards: ForwardService, params: PortForwardStopParams): Promise<null> {
  await forwards.stop(params.id);
  return null;
}

export function listPortForwards(forwards: ForwardService): PortForwardListResult {
  return { forwards: forwards.list() };
}
