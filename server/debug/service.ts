// debug/start: runs the program under its debugger as a run, forwards the debug port, waits until
// the debugger listens, and answers IDE attach settings. Undoes what it started when a step fails.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, invalidParams } from '../../protocol/errors.js';
import type { DebuggerNotFoundData } from '../../protocol/errors.js';
import type { DebugStartResult } from '../../protocol/debug.js';
import type { ForwardService } from '../forward/service.js';
import { runInContainer } from '../kube/exec.js';
import type { ContainerTarget } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';
import type { WorkloadTarget } from '../kube/pods.js';
import type { RunService } from '../run/service.js';
import {
  buildsBeforeListening,
  debugCommand,
  debugCommandProblem,
  debuggerRequirements,
  defaultDebugPorts,
  detectLanguage,
  listeningProbe,
  pythonScript,
  vscodeLaunchConfig,
} from './languages.js';
import type { DebugLanguage } from './languages.js';

export interface DebugRequest {
  workload: WorkloadTarget;
  target: ContainerTarget;
  /** The program (without debugger flags) or, with `preparedCommand`, the full debug command. */
  command: string[];
  /** The command already starts the debugger (the config's debug command). */
  preparedCommand: boolean;
  language?: DebugLanguage;
  remotePort?: number;
  localPort?: number;
  remoteRoot: string;
  /** How long the debugger may take to listen. Default 60 s, 5 min when it builds the program first. */
  readyTimeoutMs?: number;
  signal: AbortSignal;
}

export async function startDebugging(
  kube: Kube,
  runs: RunService,
  forwards: ForwardService,
  request: DebugRequest,
): Promise<DebugStartResult> {
  const language = request.language ?? detectLanguage(request.command);
  if (language === undefined)
    throw invalidParams(
      'params.language',
      `Cannot tell the language of '${request.command.join(' ')}'; pass params.language (node, python, java or go)`,
    );
  const remotePort = request.remotePort ?? defaultDebugPorts[language];
  if (!request.preparedCommand) {
    const problem = debugCommandProblem(language, request.command);
    if (problem !== undefined) throw invalidParams('params.command', problem);
  }
  await requireDebugger(kube, request, language);
  if (language === 'python' && !request.preparedCommand) await requireScript(kube, request);
  await requirePortFree(kube, request.target, remotePort, request.signal);
  const command = request.preparedCommand ? request.command : debugCommand(language, request.command, remotePort);
  const runId = await runs.start(kube, {
    workload: request.workload,
    command,
    restartOnSync: false,
    resolveTarget: () => Promise.resolve(request.target),
    prefix: 'debug',
  });
  let forwardId: string | undefined;
  try {
    await waitUntilListening(
      kube,
      runs,
      runId,
      request.target,
      remotePort,
      request.readyTimeoutMs ?? (buildsBeforeListening(language, command) ? 300_000 : 60_000),
      request.signal,
    );
    // The debugged process lives in this pod only: forward to it, not to whichever pod is newest.
    const forward = await forwards.start(kube, {
      workload: { kind: 'Pod', name: request.target.pod, namespace: request.target.namespace },
      remotePort,
      localPort: request.localPort ?? 0,
      localAddress: '127.0.0.1',
    });
    forwardId = forward.id;
    return {
      vscodeLaunchConfig: vscodeLaunchConfig(language, request.workload.name, forward.localPort, request.remoteRoot),
      jetbrains: { host: '127.0.0.1', port: forward.localPort },
      forwardId: forward.id,
      runId,
      localPort: forward.localPort,
    };
  } catch (error) {
    if (forwardId !== undefined) await forwards.stop(forwardId);
    await runs.stop(runId);
    throw error;
  }
}

/** Fails fast, before anything starts, when the container lacks the debugger the command needs. */
async function requireDebugger(kube: Kube, request: DebugRequest, language: DebugLanguage): Promise<void> {
  const { target, workload } = request;
  for (const requirement of debuggerRequirements(language, request.command)) {
    const found = await runInContainer(kube, target, requirement.probe, { timeoutMs: 20_000, signal: request.signal });
    if (found.exitCode === 0) continue;
    const data: DebuggerNotFoundData = {
      kind: workload.kind,
      name: workload.name,
      namespace: workload.namespace,
      container: target.container,
      language,
      missing: requirement.name,
    };
    throw new ResponseError(
      ErrorCodes.DebuggerNotFound,
      `Container ${target.container} of ${workload.kind} ${workload.name} has no ${requirement.name}, which debugging ${language} needs: ${requirement.install}`,
      data,
    );
  }
}

async function requireScript(kube: Kube, request: DebugRequest): Promise<void> {
  const script = pythonScript(request.command);
  if (script === undefined) return;
  const found = await runInContainer(kube, request.target, ['test', '-f', script], {
    timeoutMs: 20_000,
    signal: request.signal,
  });
  if (found.exitCode !== 0)
    throw invalidParams(
      'params.command',
      `${script} is not a file in container ${request.target.container} (a relative path starts at its working directory); is it synced yet?`,
    );
}

/**
 * The debug port must be free, or the readiness check would pass at once against an old debugger
 * (debugpy's adapter outlives its program for a moment after a stop).
 */
async function requirePortFree(kube: Kube, target: ContainerTarget, port: number, signal: AbortSignal): Promise<void> {
  if (await pollPort(kube, target, port, false, 5000, signal)) return;
  throw invalidParams(
    'params.remotePort',
    `Port ${port} in container ${target.container} is already taken, perhaps by a debugger still running from an earlier debug/start; stop that run (run/stop) or pass params.remotePort`,
  );
}

async function waitUntilListening(
  kube: Kube,
  runs: RunService,
  runId: string,
  target: ContainerTarget,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  // A program that fails to start (a compile error under dlv, a missing script) never listens.
  const exited = (): void => {
    const exitCode = runs.exitCode(runId);
    if (exitCode !== undefined)
      throw new ResponseError(
        ErrorCodes.KubernetesError,
        `The debug command exited with code ${exitCode} before its debugger listened on port ${port}; its output is in the logs/lines stream ${runId}`,
        { status: 500 },
      );
  };
  if (await pollPort(kube, target, port, true, timeoutMs, signal, exited)) return;
  throw new ResponseError(
    ErrorCodes.KubernetesError,
    `The debugger did not listen on port ${port} in container ${target.container} within ${Math.round(timeoutMs / 1000)} s; check the run's output`,
    { status: 504 },
  );
}

/** Polls until something listens on `port` (or, with `listening` false, nothing does); false after the deadline. */
async function pollPort(
  kube: Kube,
  target: ContainerTarget,
  port: number,
  listening: boolean,
  timeoutMs: number,
  signal: AbortSignal,
  check: () => void = () => undefined,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    check();
    const result = await runInContainer(kube, target, listeningProbe(port), { timeoutMs: 10_000, signal });
    if ((result.exitCode === 0) === listening) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
