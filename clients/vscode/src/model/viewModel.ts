// The tree the extension shows, as plain data: contexts → namespaces → workloads, each workload
// with its dev-mode, sync and forward state. Pure functions over an immutable state; never `vscode`.
import type { ClusterContextsResult, ContextInfo } from '../../../../protocol/cluster.js';
import type { DevSessionInfo } from '../../../../protocol/dev.js';
import type { PortForwardInfo } from '../../../../protocol/portForward.js';
import type { EngineStateParams } from '../../../../protocol/state.js';
import type { SyncStatus } from '../../../../protocol/sync.js';
import type { WorkloadInfo } from '../../../../protocol/workloads.js';
import { workloadKinds } from '../../../../protocol/workloads.js';

export interface ViewState {
  /** Kubeconfig contexts, in file order. */
  contexts: ContextInfo[];
  /** The context the engine is connected to. */
  activeContext?: string;
  /** Workloads of the active context, every namespace; undefined until listed. */
  workloads?: WorkloadInfo[];
  /** Why listing failed, shown in place of the namespaces. */
  listError?: string;
  /** From the newest `engine/state`. */
  devSessions: DevSessionInfo[];
  forwards: PortForwardInfo[];
  /** seq of the newest `engine/state` applied; older ones are ignored. */
  stateSeq: number;
}

/** Dev-mode state of a workload as the user sees it. */
export type DevState = 'none' | 'starting' | 'running' | 'ending' | 'error' | 'elsewhere';

export interface ContextNode {
  type: 'context';
  id: string;
  name: string;
  active: boolean;
  server: string;
}

export interface NamespaceNode {
  type: 'namespace';
  id: string;
  context: string;
  name: string;
  /** Workloads in dev mode in this namespace. */
  devCount: number;
}

export interface WorkloadNode {
  type: 'workload';
  id: string;
  context: string;
  workload: WorkloadInfo;
  dev: DevState;
  session?: DevSessionInfo;
  sync?: SyncStatus;
  forwards: PortForwardInfo[];
  /** One line for the tree: readiness, dev and sync state, forwards. */
  description: string;
}

export interface MessageNode {
  type: 'message';
  id: string;
  text: string;
  severity: 'info' | 'error';
  /** The command a click on the message runs. */
  command?: string;
}

export type TreeNode = ContextNode | NamespaceNode | WorkloadNode | MessageNode;

export function emptyViewState(): ViewState {
  return { contexts: [], devSessions: [], forwards: [], stateSeq: -1 };
}

export function withContexts(state: ViewState, result: ClusterContextsResult): ViewState {
  const activeContext = result.activeContext ?? result.currentContext;
  return { ...state, contexts: result.contexts, ...(activeContext !== undefined ? { activeContext } : {}) };
}

export function withWorkloads(state: ViewState, items: WorkloadInfo[]): ViewState {
  const { listError: _dropped, ...rest } = state;
  return { ...rest, workloads: items };
}

export function withListError(state: ViewState, message: string): ViewState {
  const { workloads: _dropped, ...rest } = state;
  return { ...rest, listError: message };
}

/** Applies an `engine/state` snapshot; a snapshot older than the one applied changes nothing. */
export function withEngineState(state: ViewState, snapshot: EngineStateParams): ViewState {
  if (snapshot.seq <= state.stateSeq) return state;
  return { ...state, devSessions: snapshot.devSessions, forwards: snapshot.forwards, stateSeq: snapshot.seq };
}

/** Whether two snapshots differ in which workloads are in dev mode (the listing's flags go stale). */
export function devWorkloadsChanged(before: ViewState, after: ViewState): boolean {
  const keys = (state: ViewState) =>
    state.devSessions
      .map(({ workload }) => `${workload.namespace}/${workload.kind}/${workload.name}`)
      .sort()
      .join('\n');
  return keys(before) !== keys(after);
}

const sameWorkload = (a: { kind: string; name: string; namespace?: string }, b: WorkloadInfo): boolean =>
  a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;

function devStateOf(workload: WorkloadInfo, session: DevSessionInfo | undefined): DevState {
  if (session === undefined) return workload.devMode ? 'elsewhere' : 'none';
  if (!session.ownedByThisEngine) return 'elsewhere';
  return session.phase;
}

function describe(workload: WorkloadInfo, dev: DevState, sync: SyncStatus | undefined, forwards: PortForwardInfo[]) {
  const parts = [`${workload.readyReplicas}/${workload.replicas}`];
  if (dev === 'elsewhere') parts.push('dev mode (other engine)');
  else if (dev !== 'none') parts.push(`dev ${dev}`);
  if (sync !== undefined) {
    parts.push(sync.pendingFiles > 0 ? `sync ${sync.state}, ${sync.pendingFiles} pending` : `sync ${sync.state}`);
  }
  for (const forward of forwards) parts.push(`:${forward.localPort}→${forward.remotePort}`);
  return parts.join(' · ');
}

export function workloadNode(state: ViewState, context: string, workload: WorkloadInfo): WorkloadNode {
  const session = state.devSessions.find((candidate) => sameWorkload(candidate.workload, workload));
  const forwards = state.forwards.filter((forward) =>
    sameWorkload({ ...forward.workload, namespace: forward.workload.namespace ?? workload.namespace }, workload),
  );
  const dev = devStateOf(workload, session);
  const sync = session?.sync;
  return {
    type: 'workload',
    id: `${context}/${workload.namespace}/${workload.kind}/${workload.name}`,
    context,
    workload,
    dev,
    ...(session !== undefined ? { session } : {}),
    ...(sync !== undefined ? { sync } : {}),
    forwards,
    description: describe(workload, dev, sync, forwards),
  };
}

function kindOrder(workload: WorkloadInfo): number {
  return workloadKinds.indexOf(workload.kind);
}

// When no cluster answers, the tree offers the sandbox, which needs nothing but this machine.
const START_SANDBOX = 'podloop.sandboxStart';

/** The children of a node (the roots for undefined), in display order. */
export function childrenOf(state: ViewState, node?: TreeNode): TreeNode[] {
  if (node === undefined) {
    if (state.contexts.length === 0) {
      return [
        {
          type: 'message',
          id: 'no-contexts',
          text: 'No kubeconfig contexts found: click to start the local sandbox cluster',
          severity: 'info',
          command: START_SANDBOX,
        },
      ];
    }
    return state.contexts.map((context) => ({
      type: 'context',
      id: context.name,
      name: context.name,
      active: context.name === state.activeContext,
      server: context.server,
    }));
  }
  if (node.type === 'context') {
    if (!node.active) return [];
    if (state.listError !== undefined) {
      return [
        { type: 'message', id: `${node.id}/error`, text: state.listError, severity: 'error' },
        {
          type: 'message',
          id: `${node.id}/sandbox`,
          text: 'Start the local sandbox cluster instead',
          severity: 'info',
          command: START_SANDBOX,
        },
      ];
    }
    if (state.workloads === undefined) {
      return [{ type: 'message', id: `${node.id}/loading`, text: 'Loading…', severity: 'info' }];
    }
    const namespaces = [...new Set(state.workloads.map((workload) => workload.namespace))].sort();
    return namespaces.map((name) => ({
      type: 'namespace',
      id: `${node.name}/${name}`,
      context: node.name,
      name,
      devCount: workloadsIn(state, node.name, name).filter((workload) => workload.dev !== 'none').length,
    }));
  }
  if (node.type === 'namespace') return workloadsIn(state, node.context, node.name);
  return [];
}

function workloadsIn(state: ViewState, context: string, namespace: string): WorkloadNode[] {
  return (state.workloads ?? [])
    .filter((workload) => workload.namespace === namespace)
    .sort((a, b) => kindOrder(a) - kindOrder(b) || a.name.localeCompare(b.name))
    .map((workload) => workloadNode(state, context, workload));
}
