// The live view model: holds the current ViewState, loads it through the engine and keeps it
// current from `engine/state`. Listeners hear of every change. Never imports `vscode`.
import { ClusterContexts } from '../../../../protocol/cluster.js';
import { ErrorCodes } from '../../../../protocol/errors.js';
import { WorkloadsList } from '../../../../protocol/workloads.js';
import type { WorkloadInfo } from '../../../../protocol/workloads.js';
import type { EngineStateParams } from '../../../../protocol/state.js';
import type { RequestType } from 'vscode-jsonrpc/node.js';
import type { Disposable } from '../engine/engineClient.js';
import { toEngineRequestError } from '../engine/errors.js';
import {
  childrenOf,
  devWorkloadsChanged,
  emptyViewState,
  withContexts,
  withEngineState,
  withListError,
  withWorkloads,
} from './viewModel.js';
import type { TreeNode, ViewState } from './viewModel.js';

/** The part of the engine client the model needs; tests may pass the real client. */
export interface ModelEngine {
  request<P extends object, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  onState(listener: (snapshot: EngineStateParams) => void): Disposable;
  readonly state: EngineStateParams | undefined;
}

export class ViewModel {
  private current: ViewState = emptyViewState();
  private readonly listeners = new Set<(state: ViewState) => void>();
  private subscription: Disposable | undefined;
  private engine: ModelEngine | undefined;

  get state(): ViewState {
    return this.current;
  }

  children(node?: TreeNode): TreeNode[] {
    return childrenOf(this.current, node);
  }

  onDidChange(listener: (state: ViewState) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Follows a (new) engine: its state notifications from now on, then a full refresh. */
  async attach(engine: ModelEngine): Promise<void> {
    this.subscription?.dispose();
    this.engine = engine;
    this.subscription = engine.onState((snapshot) => {
      const before = this.current;
      this.update(withEngineState(before, snapshot));
      // A workload entering or leaving dev mode changes its listing (annotation, ready pods).
      if (devWorkloadsChanged(before, this.current)) void this.refresh();
    });
    this.update({ ...emptyViewState() });
    if (engine.state !== undefined) this.update(withEngineState(this.current, engine.state));
    await this.refresh();
  }

  /** Forgets the engine (it stopped); the tree keeps its last contents. */
  detach(): void {
    this.subscription?.dispose();
    this.subscription = undefined;
    this.engine = undefined;
  }

  /** Reloads contexts and workloads; a failure shows in the tree rather than throwing. */
  async refresh(): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) return;
    try {
      this.update(withContexts(this.current, await engine.request(ClusterContexts.type, {})));
    } catch (error) {
      this.update(withListError(this.current, toEngineRequestError(ClusterContexts.method, error).message));
      return;
    }
    try {
      this.update(withWorkloads(this.current, await this.listWorkloads(engine)));
    } catch (error) {
      this.update(withListError(this.current, toEngineRequestError(WorkloadsList.method, error).message));
    }
  }

  /** Every namespace; users who may not list across namespaces see the session's namespace. */
  private async listWorkloads(engine: ModelEngine): Promise<WorkloadInfo[]> {
    try {
      return (await engine.request(WorkloadsList.type, { allNamespaces: true })).items;
    } catch (error) {
      const failure = toEngineRequestError(WorkloadsList.method, error);
      if (failure.code !== ErrorCodes.Unauthorized) throw failure;
      return (await engine.request(WorkloadsList.type, {})).items;
    }
  }

  dispose(): void {
    this.detach();
    this.listeners.clear();
  }

  private update(next: ViewState): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
