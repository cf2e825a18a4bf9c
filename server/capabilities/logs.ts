// logs/follow and logs/stop: checks params and hands them to the log service.
import type { LogsFollowParams, LogsFollowResult, LogsStopParams } from '../../protocol/logs.js';
import type { LogService } from '../logs/service.js';
import { optBoolean, optInteger, optString, paramsObject, reqString } from '../params.js';
import type { Session } from '../session.js';
import { parseWorkload } from './portForward.js';

export function parseLogsFollowParams(raw: unknown): LogsFollowParams {
  const params = paramsObject(raw);
  const pod = optString(params, 'pod');
  const container = optString(params, 'container');
  const tailLines = optInteger(params, 'tailLines', -1, 10_000_000);
  const follow = optBoolean(params, 'follow');
  const previous = optBoolean(params, 'previous');
  const sinceSeconds = optInteger(params, 'sinceSeconds', 1, 10 * 365 * 86_400);
  return {
    ...parseWorkload(params),
    ...(pod !== undefined ? { pod } : {}),
    ...(container !== undefined ? { container } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(follow !== undefined ? { follow } : {}),
    ...(previous !== undefined ? { previous } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
  };
}

export function parseLogsStopParams(raw: unknown): LogsStopParams {
  return { streamId: reqString(paramsObject(raw), 'streamId') };
}

export async function followLogs(
  session: Session,
  logs: LogService,
  params: LogsFollowParams,
): Promise<LogsFollowResult> {
  const kube = await session.kube();
  const streamId = logs.follow(kube, {
    workload: { kind: params.kind, name: params.name, namespace: params.namespace ?? session.defaultNamespace() },
    ...(params.pod !== undefined ? { pod: params.pod } : {}),
    ...(params.container !== undefined ? { container: params.container } : {}),
    ...(params.sinceSeconds !== undefined ? { sinceSeconds: params.sinceSeconds } : {}),
    tailLines: params.tailLines ?? 100,
    follow: params.follow ?? true,
    previous: params.previous ?? false,
  });
  return { streamId };
}

export function stopLogs(logs: LogService, params: LogsStopParams): null {
  logs.stop(params.streamId);
  return null;
}
