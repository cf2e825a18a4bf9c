// The VS Code view model as pure data: the contexts → namespaces → workloads tree, and how
// `engine/state` snapshots set dev-mode, sync and forward state on the workloads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DevSessionInfo } from '../../protocol/dev.js';
import type { EngineStateParams } from '../../protocol/state.js';
import type { WorkloadInfo } from '../../protocol/workloads.js';
import {
  childrenOf,
  devWorkloadsChanged,
  emptyViewState,
  withContexts,
  withEngineState,
  withListError,
  withWorkloads,
} from '../../clients/vscode/src/model/viewModel.js';
import type { TreeNode, ViewState, WorkloadNode } from '../../clients/vscode/src/model/viewModel.js';
import { ViewModel } from '../../clients/vscode/src/model/store.js';
import type { ModelEngine } from '../../clients/vscode/src/model/store.js';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import type { RequestType } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';

function workload(kind: WorkloadInfo['kind'], name: string, namespace: string, devMode = false): WorkloadInfo {
  return { kind, name, namespace, replicas: 1, readyReplicas: 1, containers: ['app'], images: ['app:1'], devMode };
}

function session(name: string, namespace: string, overrides: Partial<DevSessionInfo> = {}): DevSessionInfo {
  return {
    workload: { kind: 'Deployment', name, namespace },
    container: 'app',
    phase: 'running',
    holder: 'engine-1',
    ownedByThisEngine: true,
    ...overrides,
  };
}

function snapshot(seq: number, devSessions: DevSessionInfo[], forwards: EngineStateParams['forwards'] = []) {
  return { seq, reason: 'test', devSessions, forwards } satisfies EngineStateParams;
}

function listed(): ViewState {
  let state = withContexts(emptyViewState(), {
    kubeconfig: '/tmp/kubeconfig',
    currentContext: 'sandbox',
    contexts: [
      { name: 'sandbox', cluster: 'sandbox', server: 'https://127.0.0.1:6443', user: 'admin' },
      { name: 'prod', cluster: 'prod', server: 'https://prod.example:6443', user: 'me' },
    ],
  });
  state = withWorkloads(state, [
    workload('Pod', 'shell', 'shop'),
    workload('Deployment', 'web', 'shop'),
    workload('StatefulSet', 'db', 'shop'),
    workload('Deployment', 'agent', 'infra', true),
  ]);
  return state;
}

function workloadsOf(state: ViewState, namespace: string): WorkloadNode[] {
  const context = childrenOf(state).find((node) => node.type === 'context' && node.active);
  const ns = childrenOf(state, context).find((node: TreeNode) => node.type === 'namespace' && node.name === namespace);
  return childrenOf(state, ns) as WorkloadNode[];
}

test('the tree lists every context, namespaces only under the active one, workloads in kind order', () => {
  const state = listed();
  const roots = childrenOf(state);
  assert.deepEqual(
    roots.map((node) => [node.type, node.id, node.type === 'context' && node.active]),
    [
      ['context', 'sandbox', true],
      ['context', 'prod', false],
    ],
  );
  assert.deepEqual(childrenOf(state, roots[1]), []);
  assert.deepEqual(
    childrenOf(state, roots[0]).map((node) => node.id),
    ['sandbox/infra', 'sandbox/shop'],
  );
  assert.deepEqual(
    workloadsOf(state, 'shop').map((node) => `${node.workload.kind}/${node.workload.name}`),
    ['Deployment/web', 'StatefulSet/db', 'Pod/shell'],
  );
});

test('a workload in dev mode by another engine shows as elsewhere until this engine reports it', () => {
  const state = listed();
  const [agent] = workloadsOf(state, 'infra');
  assert.equal(agent?.dev, 'elsewhere');
  assert.match(agent?.description ?? '', /dev mode \(other engine\)/);
});

test('an engine/state snapshot sets dev phase, sync state and forwards on the workload', () => {
  const state = withEngineState(
    listed(),
    snapshot(
      1,
      [
        session('web', 'shop', {
          sync: { state: 'syncing', pendingFiles: 3, pendingBytes: 10, totals: { files: 5, bytes: 50, batches: 1 } },
        }),
      ],
      [
        {
          id: 'f1',
          workload: { kind: 'Deployment', name: 'web', namespace: 'shop' },
          localAddress: '127.0.0.1',
          localPort: 18080,
          remotePort: 8080,
          state: 'active',
        },
      ],
    ),
  );
  const web = workloadsOf(state, 'shop').find((node) => node.workload.name === 'web');
  assert.equal(web?.dev, 'running');
  assert.equal(web?.sync?.state, 'syncing');
  assert.equal(web?.description, '1/1 · dev running · sync syncing, 3 pending · :18080→8080');
  const shop = childrenOf(state, childrenOf(state)[0]).find((node) => node.id === 'sandbox/shop');
  assert.equal(shop?.type === 'namespace' && shop.devCount, 1);
});

test('a snapshot older than the one applied is ignored, a newer one ending dev mode clears it', () => {
  const running = withEngineState(listed(), snapshot(5, [session('web', 'shop')]));
  assert.equal(withEngineState(running, snapshot(4, [])), running);
  const ended = withEngineState(running, snapshot(6, []));
  assert.equal(workloadsOf(ended, 'shop').find((node) => node.workload.name === 'web')?.dev, 'none');
});

test('only a workload entering or leaving dev mode counts as a dev change, not sync progress', () => {
  const base = listed();
  const started = withEngineState(base, snapshot(1, [session('web', 'shop')]));
  const syncing = withEngineState(
    started,
    snapshot(2, [
      session('web', 'shop', {
        sync: { state: 'syncing', pendingFiles: 1, pendingBytes: 1, totals: { files: 0, bytes: 0, batches: 0 } },
      }),
    ]),
  );
  assert.equal(devWorkloadsChanged(base, started), true);
  assert.equal(devWorkloadsChanged(started, syncing), false);
  assert.equal(devWorkloadsChanged(syncing, withEngineState(syncing, snapshot(3, []))), true);
});

test('a session held by another engine shows as elsewhere, an errored one as error', () => {
  const state = withEngineState(
    listed(),
    snapshot(1, [
      session('web', 'shop', { ownedByThisEngine: false, holder: 'engine-2' }),
      {
        ...session('db', 'shop', { phase: 'error', message: 'image pull failed' }),
        workload: { kind: 'StatefulSet', name: 'db', namespace: 'shop' },
      },
    ]),
  );
  const byName = new Map(workloadsOf(state, 'shop').map((node) => [node.workload.name, node.dev]));
  assert.equal(byName.get('web'), 'elsewhere');
  assert.equal(byName.get('db'), 'error');
  assert.equal(byName.get('shell'), 'none');
});

test('a listing failure shows as one error message under the active context, then the sandbox offer', () => {
  const state = withListError(listed(), 'The API server could not be reached');
  const children = childrenOf(state, childrenOf(state)[0]);
  assert.deepEqual(
    children.map((node) => node.type === 'message' && [node.severity, node.text, node.command]),
    [
      ['error', 'The API server could not be reached', undefined],
      ['info', 'Start the local sandbox cluster instead', 'podloop.sandboxStart'],
    ],
  );
  assert.equal(withWorkloads(state, []).listError, undefined);
});

test('an empty kubeconfig shows one message instead of contexts, and a click on it starts the sandbox', () => {
  const roots = childrenOf(emptyViewState());
  assert.equal(roots.length, 1);
  assert.equal(roots[0]?.type, 'message');
  assert.equal(roots[0]?.type === 'message' && roots[0].command, 'podloop.sandboxStart');
});

test('a user who may not list every namespace sees the session namespace instead of an error', async () => {
  const asked: unknown[] = [];
  const engine: ModelEngine = {
    state: undefined,
    onState: () => ({ dispose: () => undefined }),
    request<P extends object, R, E>(type: RequestType<P, R, E>, params: P): Promise<R> {
      asked.push({ method: type.method, ...params });
      if (type.method === 'cluster/contexts') {
        return Promise.resolve({
          kubeconfig: '/tmp/kubeconfig',
          currentContext: 'team',
          contexts: [{ name: 'team', cluster: 'c', server: 'https://127.0.0.1:1', user: 'u' }],
        } as R);
      }
      if ((params as { allNamespaces?: boolean }).allNamespaces === true) {
        return Promise.reject(new ResponseError(ErrorCodes.Unauthorized, 'namespaces is forbidden', { status: 403 }));
      }
      return Promise.resolve({ items: [workload('Deployment', 'web', 'team')] } as R);
    },
  };
  const model = new ViewModel();
  await model.attach(engine);
  assert.deepEqual(asked, [
    { method: 'cluster/contexts' },
    { method: 'workloads/list', allNamespaces: true },
    { method: 'workloads/list' },
  ]);
  assert.equal(model.state.listError, undefined);
  assert.deepEqual(
    model.state.workloads?.map((item) => item.name),
    ['web'],
  );
  model.dispose();
});
