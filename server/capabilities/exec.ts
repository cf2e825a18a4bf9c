// exec/run: a command to completion in a workload's container, with output and exit code.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import { invalidParams } from '../../protocol/errors.js';
import type {
  ExecInputParams,
  ExecResizeParams,
  ExecRunParams,
  ExecRunResult,
  ExecStartParams,
  ExecStartResult,
  ExecStopParams,
} from '../../protocol/exec.js';
import { abortSignalOf } from '../cancellation.js';
import { runInContainer } from '../kube/exec.js';
import type { WorkloadTarget } from '../kube/pods.js';
import { resolveContainer } from '../run/target.js';
import type { EngineStateHub } from '../state.js';
import { optBoolean, optInteger, optString, optStringArray, paramsObject, reqString } from '../params.js';
import type { ExecSessions } from '../run/execSessions.js';
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

export function workloadTarget(
  session: Session,
  params: { kind: string; name: string; namespace?: string },
): WorkloadTarget {
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

export function parseExecStartParams(raw: unknown): ExecStartParams {
  const params = paramsObject(raw);
  const command = optStringArray(params, 'command');
  if (command === undefined || command.length === 0)
    throw invalidParams('params.command', 'params.command must be a non-empty array of strings');
  const container = optString(params, 'container');
  const tty = optBoolean(params, 'tty');
  const columns = optInteger(params, 'columns', 1, 10_000);
  const rows = optInteger(params, 'rows', 1, 10_000);
  return {
    ...parseWorkload(params),
    command,
    ...(container !== undefined ? { container } : {}),
    ...(tty !== undefined ? { tty } : {}),
    ...(columns !== undefined ? { columns } : {}),
    ...(rows !== undefined ? { rows } : {}),
  };
}

export function parseExecInputParams(raw: unknown): ExecInputParams {
  const params = paramsObject(raw);
  const data = optString(params, 'data');
  const eof = optBoolean(params, 'eof');
  return {
    sessionId: reqString(params, 'sessionId'),
    ...(data !== undefined ? { data } : {}),
    ...(eof !== undefined ? { eof } : {}),
  };
}

export function parseExecResizeParams(raw: unknown): ExecResizeParams {
  const params = paramsObject(raw);
  const columns = optInteger(params, 'columns', 1, 10_000);
  const rows = optInteger(params, 'rows', 1, 10_000);
  if (columns === undefined || rows === undefined)
    throw invalidParams('params.columns', 'columns and rows are required');
  return { sessionId: reqString(params, 'sessionId'), columns, rows };
}

export function parseExecStopParams(raw: unknown): ExecStopParams {
  return { sessionId: reqString(paramsObject(raw), 'sessionId') };
}

export async function execStart(
  session: Session,
  state: EngineStateHub,
  sessions: ExecSessions,
  params: ExecStartParams,
  token: CancellationToken,
): Promise<ExecStartResult> {
  const kube = await session.kube();
  const abort = abortSignalOf(token);
  try {
    const target = await resolveContainer(kube, state, workloadTarget(session, params), params.container, abort.signal);
    const sessionId = await kube.call(
      abort.signal,
      () =>
        sessions.start(kube, {
          target,
          command: params.command,
          tty: params.tty ?? false,
          ...(params.columns !== undefined ? { columns: params.columns } : {}),
          ...(params.rows !== undefined ? { rows: params.rows } : {}),
        }),
      { timeoutMs: false },
    );
    return { sessionId };
  } finally {
    abort.dispose();
  }
}

/** exec/input: a notification, so bad params are dropped rather than answered. */
export function execInput(sessions: ExecSessions, raw: unknown): void {
  const params = parseExecInputParams(raw);
  sessions.input(params.sessionId, Buffer.from(params.data ?? '', 'base64'), params.eof === true);
}

export function execResize(sessions: ExecSessions, raw: unknown): void {
  const params = parseExecResizeParams(raw);
  sessions.resize(params.sessionId, params.columns, params.rows);
}
