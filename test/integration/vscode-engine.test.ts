// The VS Code extension's engine client and view model against the real built engine and a real
// sandbox cluster: initialize, the workloads tree, and engine errors as typed values.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RequestType } from 'vscode-jsonrpc/node.js';
import { PortForwardStart, PortForwardStop } from '../../protocol/portForward.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { EngineClient } from '../../clients/vscode/src/engine/engineClient.js';
import { EngineRequestError, describeFailure } from '../../clients/vscode/src/engine/errors.js';
import { ViewModel } from '../../clients/vscode/src/model/store.js';
import type { NamespaceNode, TreeNode, WorkloadNode } from '../../clients/vscode/src/model/viewModel.js';
import { engineMain } from '../helpers/engine.js';
import { startTestSandbox, waitFor } from '../helpers/sandbox.js';
import type { TestSandbox } from '../helpers/sandbox.js';

let cluster: TestSandbox;
let engine: EngineClient;
let engineLog = '';

before(async () => {
  cluster = await startTestSandbox({ port: 0, apiOnly: true });
  const create = (plural: string, object: Record<string, unknown>) =>
    cluster.sandbox.store.create(resourceByPlural(plural), object as never);
  const spec = (app: string) => ({
    replicas: 2,
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: `example/${app}:1` }] } },
  });
  create('namespaces', { metadata: { name: 'vscode-shop' } });
  create('deployments', { metadata: { name: 'web', namespace: 'vscode-shop' }, spec: spec('web') });
  create('deployments', {
    metadata: { name: 'api', namespace: 'vscode-shop', annotations: { 'podloop.dev/original': '{}' } },
    spec: spec('api'),
  });
  engine = await EngineClient.start({
    enginePath: engineMain,
    clientName: 'podloop-vscode-test',
    settings: { kubeconfig: cluster.sandbox.kubeconfigPath },
    env: { PODLOOP_LOG_LEVEL: 'warn' },
    onStderr: (text) => (engineLog += text),
  });
});

after(async () => {
  await engine?.dispose();
  await cluster?.close();
});

test('the engine client initializes the built engine with the settings kubeconfig', () => {
  assert.equal(engine.info.serverInfo.name, 'podloop-engine');
  assert.equal(engine.info.namespace, 'default');
  assert.ok(engine.info.context !== undefined, `a context from the sandbox kubeconfig; engine log: ${engineLog}`);
  assert.ok(engine.supports('workloads/list'));
});

test('the view model shows the sandbox workloads under the active context and namespace', async () => {
  const model = new ViewModel();
  try {
    await model.attach(engine);
    const [context] = model.children();
    assert.ok(context?.type === 'context' && context.active, `an active context, got ${JSON.stringify(context)}`);
    const namespaces = model.children(context);
    const shop = namespaces.find(
      (node): node is NamespaceNode => node.type === 'namespace' && node.name === 'vscode-shop',
    );
    assert.ok(shop, `namespace vscode-shop among ${JSON.stringify(namespaces.map((n: TreeNode) => n.id))}`);
    assert.equal(shop.devCount, 1);
    const workloads = model.children(shop) as WorkloadNode[];
    assert.deepEqual(
      workloads.map((node) => [node.workload.kind, node.workload.name, node.dev]),
      [
        ['Deployment', 'api', 'elsewhere'],
        ['Deployment', 'web', 'none'],
      ],
    );
    assert.match(workloads[1]?.description ?? '', /^0\/2/);
  } finally {
    model.dispose();
  }
});

test('the view model picks up a workload created after the first listing on refresh', async () => {
  const model = new ViewModel();
  try {
    await model.attach(engine);
    cluster.sandbox.store.create(resourceByPlural('pods'), {
      metadata: { name: 'shell', namespace: 'vscode-shop' },
      spec: { containers: [{ name: 'shell', image: 'example/shell:1' }] },
    } as never);
    let changes = 0;
    model.onDidChange(() => changes++);
    await model.refresh();
    await waitFor('the pod in the tree', () =>
      model.state.workloads?.some((workload) => workload.kind === 'Pod' && workload.name === 'shell'),
    );
    assert.ok(changes > 0);
  } finally {
    model.dispose();
  }
});

test('a port forward shows on its workload through engine/state and leaves it when stopped', async () => {
  assert.ok(engine.state !== undefined, 'a baseline engine/state arrived after initialized');
  const pods = resourceByPlural('pods');
  const created = cluster.sandbox.store.create(pods, {
    metadata: { name: 'served', namespace: 'vscode-shop' },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
  } as never);
  cluster.sandbox.store.update(pods, { ...created, status: { phase: 'Running' } } as never, { subresource: 'status' });
  const model = new ViewModel();
  try {
    await model.attach(engine);
    const served = (): WorkloadNode | undefined => {
      const [context] = model.children();
      const namespace = model
        .children(context)
        .find((node) => node.type === 'namespace' && node.name === 'vscode-shop');
      return (model.children(namespace) as WorkloadNode[]).find((node) => node.workload.name === 'served');
    };
    const forward = await engine.request(PortForwardStart.type, {
      kind: 'Pod',
      name: 'served',
      namespace: 'vscode-shop',
      remotePort: 8080,
      localPort: 0,
    });
    assert.ok(forward.localPort > 0);
    await waitFor('the forward on the workload', () => served()?.description.endsWith(`:${forward.localPort}→8080`));
    assert.deepEqual(
      served()?.forwards.map((entry) => entry.id),
      [forward.id],
    );
    await engine.request(PortForwardStop.type, { id: forward.id });
    await waitFor('the forward gone from the workload', () => served()?.forwards.length === 0);
    assert.ok(!served()?.description.includes('→'));
  } finally {
    model.dispose();
  }
});

test('an invalid request rejects with the InvalidParams code and the engine keeps serving', async () => {
  const type = new RequestType<Record<string, unknown>, unknown, unknown>('workloads/list');
  const error = await engine.request(type, { kinds: 'Deployment' }).then(
    () => assert.fail('workloads/list accepted kinds as a string'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof EngineRequestError);
  assert.equal(error.codeName, 'InvalidParams');
  assert.match(describeFailure(error), /\(InvalidParams\)$/);
  assert.ok(engine.supports('cluster/contexts'));
});

test('a killed engine is reported once and later requests fail as a typed error, not a hang', async () => {
  const doomed = await EngineClient.start({
    enginePath: engineMain,
    clientName: 'podloop-vscode-test',
    settings: { kubeconfig: cluster.sandbox.kubeconfigPath },
    env: { PODLOOP_LOG_LEVEL: 'warn' },
  });
  const exits: (number | null)[] = [];
  doomed.onExit((code) => exits.push(code));
  assert.ok(doomed.pid !== undefined);
  process.kill(doomed.pid, 'SIGKILL');
  assert.equal(await doomed.exited, null);
  await waitFor('the exit event', () => exits.length === 1);
  const error = await doomed.request(PortForwardStop.type, { id: 'pf-none' }).then(
    () => assert.fail('a dead engine answered'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof EngineRequestError);
  assert.equal(error.codeName, 'InternalError');
  assert.match(error.message, /did not answer portForward\/stop/);
  await doomed.dispose();
});

test('dispose shuts the engine down with exit code 0 and is idempotent', async () => {
  const second = await EngineClient.start({
    enginePath: engineMain,
    clientName: 'podloop-vscode-test',
    settings: { kubeconfig: cluster.sandbox.kubeconfigPath },
    env: { PODLOOP_LOG_LEVEL: 'warn' },
  });
  const exits: (number | null)[] = [];
  second.onExit((code) => exits.push(code));
  await Promise.all([second.dispose(), second.dispose()]);
  assert.equal(await second.exited, 0);
  await waitFor('the exit event', () => exits.length === 1);
  assert.deepEqual(exits, [0]);
});
