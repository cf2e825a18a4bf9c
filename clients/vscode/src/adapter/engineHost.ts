// Owns the one engine process of the window: starts it from the `podloop.*` settings, restarts it
// when they change or the user picks another context or kubeconfig, and mirrors its log.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { LogLevel } from '../../../../protocol/lifecycle.js';
import { EngineClient } from '../engine/engineClient.js';
import type { EngineSettings } from '../engine/engineClient.js';
import type { ViewModel } from '../model/store.js';

/** What the user picked in this window, over the settings: a context, or another kubeconfig. */
interface KubeOverride {
  context?: string;
  kubeconfig?: string;
}

function readSettings(override: KubeOverride): EngineSettings {
  const config = vscode.workspace.getConfiguration('podloop');
  const text = (key: string): string | undefined => {
    const value = config.get<string>(key);
    return value !== undefined && value.trim() !== '' ? value : undefined;
  };
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // The context setting names a context of the configured kubeconfig, not of another one.
  const context = override.kubeconfig !== undefined ? override.context : (override.context ?? text('context'));
  const kubeconfig = override.kubeconfig ?? text('kubeconfig');
  const namespace = text('namespace');
  const logLevel = text('engineLogLevel') as LogLevel | undefined;
  return {
    ...(folder !== undefined ? { workspaceFolder: folder } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(logLevel !== undefined ? { logLevel } : {}),
  };
}

export class EngineHost implements vscode.Disposable {
  private engine: Promise<EngineClient> | undefined;
  /** The engine expected to be running; cleared before a deliberate stop. */
  private current: EngineClient | undefined;
  private override: KubeOverride = {};
  private readonly listeners: vscode.Disposable[] = [];
  private readonly started = new vscode.EventEmitter<EngineClient>();
  /** Fires with each engine once it is initialized. */
  readonly onDidStart = this.started.event;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly model: ViewModel,
  ) {
    this.listeners.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('podloop')) void this.restart();
      }),
    );
  }

  /** The running engine, started on first use. */
  get(): Promise<EngineClient> {
    this.engine ??= this.start();
    return this.engine;
  }

  /** Switches to another kube context by restarting the engine with it. */
  async useContext(name: string): Promise<void> {
    this.override = { ...this.override, context: name };
    await this.restart();
  }

  /** The kubeconfig the engine uses instead of the settings' one (the sandbox's), if any. */
  get kubeconfigOverride(): string | undefined {
    return this.override.kubeconfig;
  }

  /** Switches to another kubeconfig (its current context), or back to the settings with undefined. */
  async useKubeconfig(path: string | undefined): Promise<void> {
    this.override = path !== undefined ? { kubeconfig: path } : {};
    await this.restart();
  }

  async restart(): Promise<void> {
    const previous = this.engine;
    this.engine = undefined;
    this.current = undefined;
    this.model.detach();
    if (previous !== undefined) await previous.then((engine) => engine.dispose()).catch(() => undefined);
    await this.get();
  }

  private async start(): Promise<EngineClient> {
    const config = vscode.workspace.getConfiguration('podloop');
    const nodePath = config.get<string>('nodePath');
    const enginePath = join(this.extension.extensionPath, 'engine', 'server', 'main.js');
    const engine = await EngineClient.start({
      enginePath,
      ...(nodePath !== undefined && nodePath.trim() !== '' ? { nodePath } : {}),
      clientName: 'podloop-vscode',
      clientVersion: String(this.extension.extension.packageJSON.version),
      settings: readSettings(this.override),
      onStderr: (text) => this.output.append(text),
    });
    engine.onEngineLog((line) =>
      this.output.appendLine(
        `[${line.level}]${line.component !== undefined ? ` ${line.component}:` : ''} ${line.message}`,
      ),
    );
    engine.onExit((code) => {
      this.output.appendLine(`podloop engine exited (code ${String(code)})`);
      // Still the current engine: nobody asked it to stop, so it crashed or was killed.
      if (this.current === engine) {
        this.engine = undefined;
        this.current = undefined;
        this.model.detach();
        void vscode.window
          .showWarningMessage('podloop: the engine stopped unexpectedly.', 'Restart Engine', 'Show Log')
          .then((choice) => {
            if (choice === 'Restart Engine') void this.get();
            else if (choice === 'Show Log') this.output.show(true);
          });
      }
    });
    this.current = engine;
    const info = engine.info;
    this.output.appendLine(
      `podloop engine ${info.serverInfo.version}: context ${info.context ?? '(none)'}, namespace ${info.namespace}`,
    );
    this.started.fire(engine);
    void this.model.attach(engine);
    return engine;
  }

  dispose(): Promise<void> {
    for (const listener of this.listeners) listener.dispose();
    this.started.dispose();
    const engine = this.engine;
    this.engine = undefined;
    this.current = undefined;
    return engine === undefined ? Promise.resolve() : engine.then((e) => e.dispose()).catch(() => undefined);
  }
}
