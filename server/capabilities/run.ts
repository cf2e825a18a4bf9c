// run/start, run/stop and run/restart: checks params, finds the container and its configured
// command, and hands them to the run service.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import { invalidParams } from '../../protocol/errors.js';
import type { RunRestartParams, RunStartParams, RunStartResult, RunStopParams } from '../../protocol/run.js';
import { abortSignalOf } from '../cancellation.js';
import { optBoolean, optString, optStringArray, paramsObject, reqString } from '../params.js';
import { projectContainerConfig } from '../run/config.js';
import type { RunService } from '../run/service.js';
import { resolveContainer } from '../run/target.js';
import type { Session } from '../session.js';
import type { EngineStateHub } from '../state.js';
import { workloadTarget } from './exec.js';
import { parseWorkload } from './portForward.js';

export function parseRunStartParams(raw: unknown): RunStartParams {
  const params = paramsObject(raw);
  const command = optStringArray(params, 'command');
  const container = optString(params, 'container');
  const restartOnSync = optBoolean(params, 'restartOnSync');
  if (command !== undefined && command.length === 0)
    throw invalidParams('params.command', 'params.command must not be empty');
  return {
    ...parseWorkload(params),
    ...(command !== undefined ? { command } : {}),
    ...(container !== undefined ? { container } : {}),
    ...(restartOnSync !== undefined ? { restartOnSync } : {}),
  };
}

export function parseRunStopParams(raw: unknown): RunStopParams {
  return { runId: reqString(paramsObject(raw), 'runId') };
}

export function parseRunRestartParams(raw: unknown): RunRestartParams {
  return { runId: reqString(paramsObject(raw), 'runId') };
}

export async function startRun(
  session: Session,
  state: EngineStateHub,
  runs: RunService,
  params: RunStartParams,
  token: CancellationToken,
): Promise<RunStartResult> {
  const kube = await session.kube();
  const workload = workloadTarget(session, params);
  const config = await projectContainerConfig(session.workspaceFolder, workload, params.container);
  const command = params.command ?? (config?.command.run.length ? config.command.run : undefined);
  if (command === undefined)
    throw invalidParams(
      'params.command',
      `No run command for ${workload.kind} ${workload.name}: pass params.command or set command.run in .podloop/config.yaml`,
    );
  const abort = abortSignalOf(token);
  let first = true;
  try {
    const runId = await runs.start(kube, {
      workload,
      command,
      restartOnSync: params.restartOnSync ?? config?.hotReload ?? true,
      // The first start follows the request's cancellation; restarts happen later, on their own.
      resolveTarget: () => {
        const signal = first ? abort.signal : AbortSignal.timeout(30_000);
        first = false;
        return resolveContainer(kube, state, workload, params.container, signal);
      },
    });
    return { runId };
  } finally {
    abort.dispose();
  }
}

export async function stopRun(runs: RunService, params: RunStopParams): Promise<{ exitCode?: number }> {
  const exitCode = await runs.stop(params.runId);
  return exitCode !== undefined ? { exitCode } : {};
}

export async function restartRun(runs: RunService, params: RunRestartParams): Promise<null> {
  if (!(await runs.restart(params.runId)))
    throw invalidParams('params.runId', `No run ${params.runId}; start one with run/start`);
  return null;
}
