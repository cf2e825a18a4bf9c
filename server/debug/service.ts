// debug/start: runs the program under its debugger as a run, forwards the debug port, waits until
// the debugger listens, and answers IDE attach settings. Undoes what it started when a step fails.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, invalidParams } from '../../protocol/errors.js';
import type { DebugStartResult } from '../../protocol/debug.js';
import type { ForwardService } from '../forward/service.js';
import { runInContainer } from '../kube/exec.js';
import type { ContainerTarget } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';
import type { WorkloadTarget } from '../kube/pods.js';
import type { RunService } from '../run/service.js';
import {
  debugCommand,
  debuggerProbe,
  defaultDebugPorts,
  detectLanguage,
  listeningProbe,
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
  /** How long the debugger may take to listen. Default 60 s. */
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
  const probe = debuggerProbe(language);
  if (probe !== undefined) {
    const found = await runInContainer(kube, request.target, probe, { timeoutMs: 20_000, signal: request.signal });
    if (found.exitCode !== 0)
      throw new ResponseError(
        ErrorCodes.InvalidConfig,
        `Container ${request.target.container} has no ${language === 'python' ? 'debugpy (pip install debugpy)' : 'dlv (go install github.com/go-delve/delve/cmd/dlv@latest)'}; add it to the dev image`,
        { source: `container ${request.target.container}` },
      );
  }
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
    await waitUntilListening(kube, request.target, remotePort, request.readyTimeoutMs ?? 60_000, request.signal);
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

async function waitUntilListening(
  kube: Kube,
  target: ContainerTarget,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const result = await runInContainer(kube, target, listeningProbe(port), { timeoutMs: 10_000, signal });
    if (result.exitCode === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ResponseError(
    ErrorCodes.KubernetesError,
    `The debugger did not listen on port ${port} in container ${target.container} within ${Math.round(timeoutMs / 1000)} s; check the run's output`,
    { status: 504 },
  );
}
