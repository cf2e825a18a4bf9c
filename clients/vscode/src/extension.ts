// The podloop VS Code extension's entry point: wires the engine host, view model, tree and
// commands together on activation and takes them down (engine included) on deactivation.
import * as vscode from 'vscode';
import { registerCommands } from './adapter/commands.js';
import { EngineHost } from './adapter/engineHost.js';
import { LogChannels } from './adapter/logs.js';
import { WorkloadTreeProvider } from './adapter/treeView.js';
import { describeFailure, toEngineRequestError } from './engine/errors.js';
import { ViewModel } from './model/store.js';

let host: EngineHost | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('podloop');
  const model = new ViewModel();
  const logs = new LogChannels();
  host = new EngineHost(context, output, model);
  const tree = new WorkloadTreeProvider(model);
  context.subscriptions.push(
    output,
    logs,
    tree,
    { dispose: () => model.dispose() },
    vscode.window.createTreeView('podloop.workloads', { treeDataProvider: tree, showCollapseAll: true }),
    ...registerCommands({ host, model, logs, output }),
  );
  // Start the engine now so the tree fills in; a failure is shown once, the tree offers a retry.
  host.get().catch((error: unknown) => {
    const failure = toEngineRequestError('initialize', error);
    output.appendLine(`podloop engine failed to start: ${failure.message}`);
    void vscode.window.showErrorMessage(describeFailure(failure), 'Restart Engine').then((choice) => {
      if (choice !== undefined) void vscode.commands.executeCommand('podloop.restartEngine');
    });
  });
}

export async function deactivate(): Promise<void> {
  const running = host;
  host = undefined;
  await running?.dispose();
}
