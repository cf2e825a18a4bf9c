// Every podloop command: each one asks the engine (never Kubernetes) and shows the answer, with
// engine failures shown as one clear message and "not supported yet" as information, not alarm.
import * as vscode from 'vscode';
import { DebugStart } from '../../../../protocol/debug.js';
import { ErrorCodes } from '../../../../protocol/errors.js';
import type { AlreadyInDevModeData } from '../../../../protocol/errors.js';
import { DevEnd, DevReset, DevStart } from '../../../../protocol/dev.js';
import type { WorkloadParams } from '../../../../protocol/dev.js';
import { PortForwardList, PortForwardStart, PortForwardStop } from '../../../../protocol/portForward.js';
import { RunExited, RunRestart, RunStart, RunStop } from '../../../../protocol/run.js';
import { SandboxDown, SandboxUp } from '../../../../protocol/sandbox.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../../../../protocol/sync.js';
import type { SyncStatus } from '../../../../protocol/sync.js';
import { describeFailure, toEngineRequestError } from '../engine/errors.js';
import type { ViewModel } from '../model/store.js';
import type { ContextNode, TreeNode, WorkloadNode } from '../model/viewModel.js';
import type { EngineHost } from './engineHost.js';
import type { LogChannels } from './logs.js';
import { withEngineProgress } from './progress.js';
import { openWorkloadTerminal } from './terminal.js';

// The extension that provides each attach type the engine answers with (Node.js is built in).
const debugExtensions: Readonly<Record<string, string>> = {
  debugpy: 'Python Debugger (ms-python.debugpy)',
  go: 'Go (golang.go)',
  java: 'Debugger for Java (vscjava.vscode-java-debug)',
};

export interface CommandDeps {
  host: EngineHost;
  model: ViewModel;
  logs: LogChannels;
  output: vscode.OutputChannel;
}

function workloadParams(node: WorkloadNode): WorkloadParams {
  const { kind, name, namespace } = node.workload;
  return { kind, name, namespace };
}

function allWorkloads(model: ViewModel): WorkloadNode[] {
  const result: WorkloadNode[] = [];
  const walk = (node?: TreeNode): void => {
    for (const child of model.children(node)) {
      if (child.type === 'workload') result.push(child);
      else if (child.type !== 'message') walk(child);
    }
  };
  walk();
  return result;
}

/** The workload a command acts on: the tree item it was invoked on, else one the user picks. */
async function pickWorkload(model: ViewModel, node: unknown, filter?: (n: WorkloadNode) => boolean) {
  if (typeof node === 'object' && node !== null && (node as TreeNode).type === 'workload') return node as WorkloadNode;
  const candidates = allWorkloads(model).filter(filter ?? (() => true));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('podloop: no matching workloads in the current context.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((candidate) => ({
      label: candidate.workload.name,
      description: `${candidate.workload.kind} in ${candidate.workload.namespace}`,
      detail: candidate.description,
      candidate,
    })),
    { placeHolder: 'Workload' },
  );
  return picked?.candidate;
}

function describeSync(name: string, status: SyncStatus): string {
  const last =
    status.lastBatch !== undefined
      ? `; last batch ${status.lastBatch.files} files in ${status.lastBatch.latencyMs} ms`
      : '';
  return `podloop sync of ${name}: ${status.state}, ${status.pendingFiles} pending, ${status.totals.files} files synced${last}.`;
}

/**
 * For AlreadyInDevMode (another engine holds the workload): asks whether to take it over.
 * Any other failure is rethrown for showFailure.
 */
async function confirmTakeOver(method: string, error: unknown): Promise<boolean> {
  const failure = toEngineRequestError(method, error);
  if (failure.code !== ErrorCodes.AlreadyInDevMode) throw failure;
  const data = failure.data as Partial<AlreadyInDevModeData> | undefined;
  const holder = typeof data?.holder === 'string' ? ` (${data.holder})` : '';
  const choice = await vscode.window.showWarningMessage(
    `${failure.message.replace(/\.$/, '')}. Another podloop engine${holder} holds it; take it over?`,
    { modal: true },
    'Take Over',
  );
  return choice === 'Take Over';
}

function showFailure(method: string, error: unknown, output: vscode.OutputChannel): void {
  const failure = toEngineRequestError(method, error);
  if (failure.cancelled) return;
  output.appendLine(`${failure.method} failed: ${failure.codeName} ${failure.message}`);
  if (failure.notSupported) void vscode.window.showInformationMessage(describeFailure(failure));
  else
    void vscode.window.showErrorMessage(describeFailure(failure), 'Show Log').then((choice) => {
      if (choice !== undefined) output.show(true);
    });
}

/** Wraps a command body so every failure (engine or not) lands in showFailure. */
function guarded(method: string, deps: CommandDeps, body: (...args: unknown[]) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    try {
      await body(...args);
    } catch (error) {
      showFailure(method, error, deps.output);
    }
  };
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { host, model, logs, output } = deps;
  const inDevMode = (node: WorkloadNode): boolean => node.dev !== 'none';
  const register = (id: string, method: string, body: (...args: unknown[]) => Promise<void>) =>
    vscode.commands.registerCommand(id, guarded(method, deps, body));

  return [
    register('podloop.refresh', 'workloads/list', async () => {
      await host.get();
      await model.refresh();
    }),
    register('podloop.restartEngine', 'initialize', () => host.restart()),
    register('podloop.showEngineLog', 'engine/log', () => Promise.resolve(output.show(true))),
    register('podloop.useContext', 'initialize', async (node) => {
      let name = (node as ContextNode | undefined)?.type === 'context' ? (node as ContextNode).name : undefined;
      name ??= await vscode.window.showQuickPick(
        model.state.contexts.map((context) => context.name),
        { placeHolder: 'Kube context' },
      );
      if (name !== undefined) await host.useContext(name);
    }),
    register('podloop.sandboxStart', SandboxUp.method, async () => {
      const engine = await host.get();
      const sandbox = await withEngineProgress('podloop: starting the sandbox cluster', (options) =>
        engine.request(SandboxUp.type, {}, options),
      );
      // The engine reads its kubeconfig at initialize: a new engine reaches the sandbox.
      await host.useKubeconfig(sandbox.kubeconfigPath);
      void vscode.window.showInformationMessage(
        `podloop: the sandbox cluster runs at ${sandbox.server} (kubeconfig ${sandbox.kubeconfigPath}).`,
      );
    }),
    register('podloop.sandboxStop', SandboxDown.method, async () => {
      const engine = await host.get();
      const { stopped } = await withEngineProgress('podloop: stopping the sandbox cluster', (options) =>
        engine.request(SandboxDown.type, {}, options),
      );
      if (host.kubeconfigOverride !== undefined) await host.useKubeconfig(undefined);
      void vscode.window.showInformationMessage(
        stopped
          ? 'podloop: the sandbox cluster is stopped; its objects are kept for the next start.'
          : 'podloop: the sandbox cluster was not running.',
      );
    }),
    register('podloop.devStart', DevStart.method, async (node) => {
      const target = await pickWorkload(model, node);
      if (target === undefined) return;
      const engine = await host.get();
      const start = (force: boolean) =>
        withEngineProgress(`podloop: dev mode for ${target.workload.name}`, (options) =>
          engine.request(DevStart.type, { ...workloadParams(target), ...(force ? { force } : {}) }, options),
        );
      const result = await start(false).then(undefined, async (error: unknown) =>
        (await confirmTakeOver(DevStart.method, error)) ? start(true) : undefined,
      );
      if (result === undefined) return;
      void vscode.window.showInformationMessage(
        `podloop: ${target.workload.name} is in dev mode (container ${result.session.container}).`,
      );
    }),
    register('podloop.devEnd', DevEnd.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const engine = await host.get();
      const end = (force: boolean) =>
        withEngineProgress(`podloop: ending dev mode of ${target.workload.name}`, (options) =>
          engine.request(DevEnd.type, { ...workloadParams(target), ...(force ? { force } : {}) }, options),
        );
      const result = await end(false).then(undefined, async (error: unknown) =>
        (await confirmTakeOver(DevEnd.method, error)) ? end(true) : undefined,
      );
      if (result === undefined) return;
      void vscode.window.showInformationMessage(
        result.restored
          ? `podloop: ${target.workload.name} is restored.`
          : `podloop: ${target.workload.name} was not in dev mode.`,
      );
      await model.refresh();
    }),
    register('podloop.devReset', DevReset.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const confirmed = await vscode.window.showWarningMessage(
        `Restore ${target.workload.kind} ${target.workload.name} and remove podloop's dev pods and leases, whoever holds them?`,
        { modal: true },
        'Reset',
      );
      if (confirmed === undefined) return;
      const result = await (await host.get()).request(DevReset.type, workloadParams(target));
      void vscode.window.showInformationMessage(
        result.changed
          ? `podloop: ${target.workload.name} is reset.`
          : `podloop: ${target.workload.name} needed no reset.`,
      );
      await model.refresh();
    }),
    register('podloop.syncStatus', SyncStatusRequest.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const engine = await host.get();
      const { status } = await engine.request(SyncStatusRequest.type, workloadParams(target));
      void vscode.window.showInformationMessage(describeSync(target.workload.name, status));
    }),
    register('podloop.syncPause', SyncPause.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const { status } = await (await host.get()).request(SyncPause.type, workloadParams(target));
      void vscode.window.showInformationMessage(describeSync(target.workload.name, status));
    }),
    register('podloop.syncResume', SyncResume.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const { status } = await (await host.get()).request(SyncResume.type, workloadParams(target));
      void vscode.window.showInformationMessage(describeSync(target.workload.name, status));
    }),
    register('podloop.syncVerify', SyncVerify.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const engine = await host.get();
      const result = await withEngineProgress(`podloop: verifying ${target.workload.name}`, (options) =>
        engine.request(SyncVerify.type, workloadParams(target), options),
      );
      if (result.inSync) {
        void vscode.window.showInformationMessage(`podloop: ${result.files} files are identical on both sides.`);
        return;
      }
      output.appendLine(`sync/verify ${target.workload.name}: ${result.differences.length} differences`);
      for (const difference of result.differences) output.appendLine(`  ${difference.reason}  ${difference.path}`);
      output.show(true);
      void vscode.window.showWarningMessage(
        `podloop: ${result.differences.length} paths differ (listed in the podloop output).`,
      );
    }),
    register('podloop.logs', 'logs/follow', async (node) => {
      const target = await pickWorkload(model, node);
      if (target === undefined) return;
      await logs.follow(await host.get(), workloadParams(target));
    }),
    register('podloop.logsStop', 'logs/stop', async () => {
      const key = await vscode.window.showQuickPick(logs.keys('logs:'), { placeHolder: 'Log stream to stop' });
      if (key !== undefined) await logs.close(key);
    }),
    register('podloop.run', RunStart.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const engine = await host.get();
      const workload = workloadParams(target);
      const key = `run:${target.id}`;
      await logs.open(
        engine,
        key,
        `podloop run: ${target.workload.name}`,
        async () => (await engine.request(RunStart.type, workload)).runId,
        (runId) => engine.request(RunStop.type, { runId }),
      );
      const runId = logs.streamIdOf(key);
      logs.own(
        key,
        engine.onNotification(RunExited.type, (exited) => {
          if (exited.runId !== runId) return;
          logs.note(key, `exited with code ${exited.exitCode}${exited.restarting ? ', restarting' : ''}`);
        }),
      );
    }),
    register('podloop.runRestart', RunRestart.method, async () => {
      const key = await vscode.window.showQuickPick(logs.keys('run:'), { placeHolder: 'Run to restart' });
      const runId = key !== undefined ? logs.streamIdOf(key) : undefined;
      if (runId !== undefined) await (await host.get()).request(RunRestart.type, { runId });
    }),
    register('podloop.runStop', RunStop.method, async () => {
      const key = await vscode.window.showQuickPick(logs.keys('run:'), { placeHolder: 'Run to stop' });
      if (key !== undefined) await logs.close(key);
    }),
    register('podloop.portForwardStop', PortForwardStop.method, async () => {
      const engine = await host.get();
      const { forwards } = await engine.request(PortForwardList.type, {});
      if (forwards.length === 0) {
        void vscode.window.showInformationMessage('podloop: no port forwards.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        forwards.map((forward) => ({
          label: `${forward.localAddress}:${forward.localPort} → ${forward.workload.name}:${forward.remotePort}`,
          description: forward.state,
          forward,
        })),
        { placeHolder: 'Port forward to stop' },
      );
      if (picked !== undefined) await engine.request(PortForwardStop.type, { id: picked.forward.id });
    }),
    register('podloop.portForward', PortForwardStart.method, async (node) => {
      const target = await pickWorkload(model, node);
      if (target === undefined) return;
      const answer = await vscode.window.showInputBox({
        prompt: `Forward to ${target.workload.name}: REMOTE or LOCAL:REMOTE (LOCAL 0 picks a free port)`,
        validateInput: (value) => (/^(\d{1,5}:)?\d{1,5}$/.test(value.trim()) ? undefined : 'e.g. 8080 or 18080:8080'),
      });
      if (answer === undefined) return;
      const [first, second] = answer.trim().split(':');
      const remotePort = Number(second ?? first);
      const localPort = Number(first);
      const engine = await host.get();
      const forward = await engine.request(PortForwardStart.type, { ...workloadParams(target), remotePort, localPort });
      void vscode.window.showInformationMessage(
        `podloop: ${forward.localAddress}:${forward.localPort} → ${target.workload.name}:${forward.remotePort}`,
      );
    }),
    register('podloop.debug', DebugStart.method, async (node) => {
      const target = await pickWorkload(model, node, inDevMode);
      if (target === undefined) return;
      const engine = await host.get();
      const result = await withEngineProgress(`podloop: starting the debugger in ${target.workload.name}`, (options) =>
        engine.request(DebugStart.type, workloadParams(target), options),
      );
      const launch = result.vscodeLaunchConfig;
      const configuration: vscode.DebugConfiguration = {
        name: `podloop: ${target.workload.name}`,
        ...launch,
        type: typeof launch.type === 'string' ? launch.type : 'node',
        request: typeof launch.request === 'string' ? launch.request : 'attach',
      };
      const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], configuration);
      if (!started) {
        const extension = debugExtensions[configuration.type];
        const hint = extension === undefined ? '' : ` Is the ${extension} extension installed?`;
        void vscode.window.showErrorMessage(
          `podloop: VS Code could not start a ${configuration.type} debug session.${hint}`,
        );
      }
    }),
    register('podloop.terminal', 'exec/run', async (node) => {
      const target = await pickWorkload(model, node);
      if (target === undefined) return;
      openWorkloadTerminal(await host.get(), workloadParams(target), target.session?.container);
    }),
  ];
}
