// debug/start: checks params, finds the container, the program and the language from params or
// the project config, and hands them to the debug service.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import { invalidParams } from '../../protocol/errors.js';
import type { DebugStartParams, DebugStartResult } from '../../protocol/debug.js';
import { abortSignalOf } from '../cancellation.js';
import { startDebugging } from '../debug/service.js';
import type { EngineClient } from '../engineClient.js';
import type { ForwardService } from '../forward/service.js';
import { optEnum, optInteger, optProgressToken, optString, optStringArray, paramsObject } from '../params.js';
import { beginProgress } from '../progress.js';
import { projectContainerConfig } from '../run/config.js';
import type { RunService } from '../run/service.js';
import { resolveContainer } from '../run/target.js';
import type { Session } from '../session.js';
import type { EngineStateHub } from '../state.js';
import { workloadTarget } from './exec.js';
import { parseWorkload } from './portForward.js';

const languages = ['node', 'python', 'go', 'java'] as const;

export function parseDebugStartParams(raw: unknown): DebugStartParams {
  const params = paramsObject(raw);
  const language = optEnum(params, 'language', languages);
  const remotePort = optInteger(params, 'remotePort', 1, 65535);
  const localPort = optInteger(params, 'localPort', 0, 65535);
  const command = optStringArray(params, 'command');
  const container = optString(params, 'container');
  const workDoneToken = optProgressToken(params);
  if (command !== undefined && command.length === 0)
    throw invalidParams('params.command', 'params.command must not be empty');
  return {
    ...parseWorkload(params),
    ...(language !== undefined ? { language } : {}),
    ...(remotePort !== undefined ? { remotePort } : {}),
    ...(localPort !== undefined ? { localPort } : {}),
    ...(command !== undefined ? { command } : {}),
    ...(container !== undefined ? { container } : {}),
    ...(workDoneToken !== undefined ? { workDoneToken } : {}),
  };
}

export async function startDebug(
  session: Session,
  state: EngineStateHub,
  client: EngineClient,
  runs: RunService,
  forwards: ForwardService,
  params: DebugStartParams,
  token: CancellationToken,
): Promise<DebugStartResult> {
  const kube = await session.kube();
  const workload = workloadTarget(session, params);
  const progress = beginProgress(client, params.workDoneToken, 'Starting the debugger');
  const abort = abortSignalOf(token);
  try {
    const target = await resolveContainer(kube, state, workload, params.container, abort.signal);
    const config = await projectContainerConfig(session.workspaceFolder, workload, target.container);
    const configured = config?.command.debug.length ? config.command.debug : undefined;
    const program = params.command ?? configured ?? (config?.command.run.length ? config.command.run : undefined);
    if (program === undefined)
      throw invalidParams(
        'params.command',
        `No program to debug for ${workload.kind} ${workload.name}: pass params.command or set command.debug or command.run in .podloop/config.yaml`,
      );
    const language = params.language ?? config?.debug?.language;
    const remotePort = params.remotePort ?? config?.debug?.remotePort;
    const devSession = state
      .devSessions()
      .find((info) => info.workload.name === workload.name && info.workload.namespace === workload.namespace);
    progress.report(undefined, `starting ${program.join(' ')} under the debugger`);
    return await startDebugging(kube, runs, forwards, {
      workload,
      target,
      command: program,
      preparedCommand: params.command === undefined && configured !== undefined,
      ...(language !== undefined ? { language } : {}),
      ...(remotePort !== undefined ? { remotePort } : {}),
      ...(params.localPort !== undefined ? { localPort: params.localPort } : {}),
      remoteRoot: devSession?.remoteDir ?? config?.workDir ?? '/app',
      signal: abort.signal,
    });
  } finally {
    abort.dispose();
    progress.done();
  }
}
