// exec/run: a command to completion in a workload's container, with output and exit code.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import { invalidParams } from '../../protocol/errors.js';
import type { ExecRunParams, ExecRunResult } from '../../protocol/exec.js';
import { abortSignalOf } from '../cancellation.js';
import { runInContainer } from '../kube/exec.js';
import type { WorkloadTarget } from '../kube/pods.js';
import { resolveContainer } from '../run/target.js';
import type { EngineStateHub } from '../state.js';
import { optInteger, optString, optStringArray, paramsObject } from '../params.js';
import type { Session } from '../session.js';
import { parseWorkload } from './portForward.js';

export function parseExecRunParams(raw: unknown): ExecRunParams {
  const params = paramsObject(raw);
  const command = optStringArray(params, 'command');
  if (command === undefined || command.length === 0)
    throw invalidParams('params.command', 'params.command must be a non-empty array of strings');
  const container = optString(params, 'container');
  const stdin = optString(params, 'stdin');
  const timeoutSeconds = optInteger(params, 'timeoutSeconds', 1, 86_400);
  return {
    ...parseWorkload(params),
    command,
    ...(container !== undefined ? { container } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}

export function workloadTarget(session: Session, params: { kind: string; name: string; namespace?: string }): WorkloadTarget {
  return { kind: params.kind, name: params.name, namespace: params.namespace ?? session.defaultNamespace() };
}

export async function execRun(
  session: Session,
  state: EngineStateHub,
  params: ExecRunParams,
  token: CancellationToken,
): Promise<ExecRunResult> {
  const kube = await session.kube();
  const abort = abortSignalOf(token);
  try {
    const target = await resolveContainer(kube, state, workloadTarget(session, params), params.container, abort.signal);
    const result = await kube.call(
      abort.signal,
      (signal) =>
        runInContainer(kube, target, params.command, {
          ...(params.stdin !== undefined ? { stdin: params.stdin } : {}),
          timeoutMs: (params.timeoutSeconds ?? 60) * 1000,
          signal,
        }),
      { timeoutMs: false },
    );
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } finally {
    abort.dispose();
  }
}
