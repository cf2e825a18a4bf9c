// `scripts/package-vscode.mjs` builds a .vsix that holds the extension and a working engine: the
// extension activates against a stand-in editor, the unpacked engine answers over stdio, and it
// starts the sandbox cluster from its own files.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SandboxDown, SandboxStatus, SandboxUp } from '../../protocol/sandbox.js';
import { WorkloadsList } from '../../protocol/workloads.js';
import { sandboxDown, stateDirProcesses } from '../../sandbox/control.js';
import { EngineClient } from '../../clients/vscode/src/engine/engineClient.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { run, startTestSandbox, tempDir, waitFor } from '../helpers/sandbox.js';
import type { TestSandbox } from '../helpers/sandbox.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const extensionDir = join(root, 'clients', 'vscode');

/** The parts of the `vscode` API the extension uses. */
const vscodeNames = [
  'commands',
  'debug',
  'EventEmitter',
  'MarkdownString',
  'ProgressLocation',
  'ThemeColor',
  'ThemeIcon',
  'TreeItem',
  'TreeItemCollapsibleState',
  'window',
  'workspace',
];

/**
 * A stand-in for the editor's `vscode` module that records what the extension shows: enough of the
 * API for activate(), the tree and the commands, in plain JavaScript (it is loaded by the bundle).
 */
const fakeVscodeHost = String.raw`
class EventEmitter {
  constructor() { this.listeners = new Set(); this.event = (listener) => { this.listeners.add(listener); return { dispose: () => this.listeners.delete(listener) }; }; }
  fire(value) { for (const listener of this.listeners) listener(value); }
  dispose() { this.listeners.clear(); }
}
const host = { settings: {}, inputs: [], lines: [], messages: [], commands: new Map(), trees: new Map(), progress: [] };
const channel = (name) => ({ name, append: (text) => host.lines.push(text), appendLine: (text) => host.lines.push(text + '\n'), show() {}, dispose() {} });
const message = (severity) => (text) => { host.messages.push({ severity, text }); return Promise.resolve(undefined); };
const noEvent = () => ({ dispose() {} });
module.exports = {
  __host: host,
  EventEmitter,
  ThemeIcon: class { constructor(id, color) { this.id = id; this.color = color; } },
  ThemeColor: class { constructor(id) { this.id = id; } },
  TreeItem: class { constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; } },
  MarkdownString: class { constructor(value) { this.value = value; } },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  window: {
    createOutputChannel: channel,
    createTreeView: (id, options) => { host.trees.set(id, options.treeDataProvider); return { dispose() {} }; },
    showInformationMessage: message('info'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    showQuickPick: () => Promise.resolve(undefined),
    showInputBox: () => Promise.resolve(host.inputs.shift()),
    withProgress: (options, task) => { host.progress.push(options.title); return task({ report() {} }, { isCancellationRequested: false, onCancellationRequested: noEvent }); },
    createTerminal: () => ({ show() {}, dispose() {} }),
  },
  workspace: {
    getConfiguration: () => ({ get: (key) => host.settings[key] }),
    workspaceFolders: undefined,
    onDidChangeConfiguration: noEvent,
  },
  commands: {
    registerCommand: (id, run) => { host.commands.set(id, run); return { dispose: () => host.commands.delete(id) }; },
    executeCommand: (id, ...args) => Promise.resolve(host.commands.get(id)?.(...args)),
  },
  debug: { startDebugging: () => Promise.resolve(false) },
};
`;

interface FakeHost {
  settings: Record<string, string>;
  /** Answers for the next input boxes, in order. */
  inputs: string[];
  lines: string[];
  messages: { severity: string; text: string }[];
  commands: Map<string, (...args: unknown[]) => Promise<void>>;
  trees: Map<string, { getChildren(node?: unknown): unknown[]; getTreeItem(node: unknown): Record<string, unknown> }>;
}

interface PackagedExtension {
  activate(context: unknown): void;
  deactivate(): Promise<void>;
}

/**
 * Loads the packaged extension bundle in a folder of its own, beside the stand-in `vscode` module,
 * and activates it with these settings.
 */
function activatePackaged(
  folder: string,
  settings: Record<string, string>,
): { host: FakeHost; extension: PackagedExtension } {
  const home = join(unpacked, folder);
  mkdirSync(join(home, 'node_modules', 'vscode'), { recursive: true });
  writeFileSync(join(home, 'node_modules', 'vscode', 'index.js'), fakeVscodeHost);
  copyFileSync(join(unpacked, 'extension', 'out', 'extension.js'), join(home, 'extension.js'));
  const load = createRequire(join(home, 'extension.js'));
  const host = (load('vscode') as { __host: FakeHost }).__host;
  host.settings = settings;
  const extension = load('./extension.js') as PackagedExtension;
  const { version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')) as { version: string };
  extension.activate({
    subscriptions: [],
    extensionPath: join(unpacked, 'extension'),
    extension: { packageJSON: { version } },
  });
  return { host, extension };
}

const execFileAsync = promisify(execFile);

/** Runs a command without stdin (a closed pipe must not fail the test) and returns its stdout. */
async function output(command: string, args: string[], timeoutMs = 50_000): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A Deployment of the built-in web-app image, ready only once its server answers /healthz. */
function webDeployment(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'podloop/web-app',
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
}

/** Creates a web Deployment in the cluster a kubeconfig reaches, with kubectl as a user would. */
async function applyWebDeployment(kubeconfig: string, name: string): Promise<void> {
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(unpacked, 'kube-cache') };
  const applied = await run('kubectl', ['apply', '-f', '-'], { env, input: webDeployment(name), timeoutMs: 60_000 });
  assert.equal(applied.code, 0, applied.stderr);
}

let cluster: TestSandbox;
let unpacked: string;
let vsix: string;

before(async () => {
  unpacked = tempDir('vsix');
  const wanted = join(unpacked, 'podloop.vsix');
  vsix = (await output(process.execPath, [join(root, 'scripts', 'package-vscode.mjs'), '--out', wanted])).trim();
  assert.equal(vsix, wanted);
  await output('unzip', ['-q', vsix, '-d', unpacked]);
  cluster = await startTestSandbox({ port: 0, apiOnly: true });
});

after(async () => {
  await cluster?.close();
  if (unpacked !== undefined) rmSync(unpacked, { recursive: true, force: true });
});

test('the .vsix holds the manifest, the extension bundle and the engine, and no sources', async () => {
  const listing = await output('unzip', ['-Z1', vsix]);
  const entries = listing.split('\n');
  for (const entry of ['extension/package.json', 'extension/out/extension.js', 'extension/engine/server/main.js']) {
    assert.ok(entries.includes(entry), `${entry} in ${listing}`);
  }
  assert.ok(!entries.some((entry) => entry.startsWith('extension/src/')), 'no TypeScript sources in the .vsix');
  const manifest = JSON.parse(readFileSync(join(unpacked, 'extension', 'package.json'), 'utf8')) as {
    version: string;
    main: string;
    contributes: { views: Record<string, { id: string }[]> };
  };
  const source = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')) as { version: string };
  assert.equal(manifest.version, source.version);
  assert.equal(manifest.main, './out/extension.js');
  assert.ok(
    Object.values(manifest.contributes.views)
      .flat()
      .some((view) => view.id === 'podloop.workloads'),
  );
});

test('the packaged extension activates, fills its tree, forwards a port and shows engine errors cleanly', async () => {
  const pods = resourceByPlural('pods');
  const served = cluster.sandbox.store.create(pods, {
    metadata: { name: 'served', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
  } as never);
  cluster.sandbox.store.update(pods, { ...served, status: { phase: 'Running' } } as never, { subresource: 'status' });
  cluster.sandbox.store.create(resourceByPlural('deployments'), {
    metadata: { name: 'shown', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'shown' } },
      template: {
        metadata: { labels: { app: 'shown' } },
        spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
      },
    },
  } as never);
  const { host, extension } = activatePackaged('activate', { kubeconfig: cluster.sandbox.kubeconfigPath });
  try {
    const tree = host.trees.get('podloop.workloads');
    assert.ok(tree, 'the extension registered the podloop.workloads tree');
    type Node = { type: string; name?: string; workload?: { name: string } };
    const find = (name: string): Node | undefined => {
      const [context] = tree.getChildren() as Node[];
      const namespace = (tree.getChildren(context) as Node[]).find((node) => node.name === 'default');
      if (namespace === undefined) return undefined;
      return (tree.getChildren(namespace) as Node[]).find((node) => node.workload?.name === name);
    };
    const shown = await waitFor('the deployment in the tree', () => find('shown'));
    const item = tree.getTreeItem(shown);
    assert.equal(item.label, 'shown');
    assert.equal(item.contextValue, 'podloop.workload');
    assert.match(String(item.description), /^Deployment · \d\/1/);
    assert.equal((item.iconPath as { id: string }).id, 'package');

    // sync/status on a workload not in dev mode: either not implemented yet or NotInDevMode; both
    // must arrive as one readable message, never as an exception out of the command.
    await host.commands.get('podloop.syncStatus')?.(shown);
    assert.equal(host.messages.length, 1, JSON.stringify(host.messages));
    assert.match(
      host.messages[0]?.text ?? '',
      /^podloop: (sync\/status is not supported by this engine yet\.|.*\(NotInDevMode\))$/,
    );

    // Forward a port the way a user does: the command, an input box answer, then the tree shows it.
    host.inputs.push('0:8080');
    await host.commands.get('podloop.portForward')?.(await waitFor('the pod in the tree', () => find('served')));
    const forwarded = /^podloop: 127\.0\.0\.1:(\d+) → served:8080$/.exec(host.messages[1]?.text ?? '');
    assert.ok(forwarded, JSON.stringify(host.messages));
    await waitFor('the forward in the tree', () =>
      String(tree.getTreeItem(find('served')).description).endsWith(`:${forwarded[1]}→8080`),
    );
  } finally {
    await extension.deactivate();
  }
  assert.ok(host.lines.join('').includes('podloop engine exited (code 0)'), host.lines.join(''));
});

test('the extension bundle loads as CommonJS with only vscode left to the editor', () => {
  const bundle = readFileSync(join(unpacked, 'extension', 'out', 'extension.js'), 'utf8');
  assert.match(bundle, /require\("vscode"\)/);
  // A stand-in `vscode` that accepts any use, so loading proves every other import is bundled.
  const home = join(unpacked, 'load');
  mkdirSync(join(home, 'node_modules', 'vscode'), { recursive: true });
  writeFileSync(
    join(home, 'node_modules', 'vscode', 'index.js'),
    [
      'const any = new Proxy(function () {}, { get: (_, key) => (key === "then" ? undefined : any), construct: () => any, apply: () => any });',
      `for (const name of ${JSON.stringify(vscodeNames)}) exports[name] = any;`,
    ].join('\n'),
  );
  copyFileSync(join(unpacked, 'extension', 'out', 'extension.js'), join(home, 'extension.js'));
  const loaded = createRequire(join(home, 'extension.js'))('./extension.js') as Record<string, unknown>;
  assert.equal(typeof loaded.activate, 'function');
  assert.equal(typeof loaded.deactivate, 'function');
});

test('the engine unpacked from the .vsix initializes and lists the sandbox workloads', async () => {
  cluster.sandbox.store.create(resourceByPlural('pods'), {
    metadata: { name: 'from-vsix', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
  } as never);
  let engineLog = '';
  const engine = await EngineClient.start({
    enginePath: join(unpacked, 'extension', 'engine', 'server', 'main.js'),
    clientName: 'podloop-vscode-test',
    settings: { kubeconfig: cluster.sandbox.kubeconfigPath },
    env: { PODLOOP_LOG_LEVEL: 'warn' },
    onStderr: (text) => (engineLog += text),
  });
  try {
    const { version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')) as { version: string };
    assert.equal(engine.info.serverInfo.version, version);
    const listed = await engine.request(WorkloadsList.type, { namespace: 'default', kinds: ['Pod'] });
    const names = listed.items.map((item) => `${item.kind}/${item.name}`);
    assert.ok(names.includes('Pod/from-vsix'), `${names.join(', ')}; engine log: ${engineLog}`);
  } finally {
    await engine.dispose();
  }
  assert.equal(await engine.exited, 0);
});

test('the engine unpacked from the .vsix starts the sandbox, runs a built-in image in it and stops it', async () => {
  const stateDir = tempDir('vsix-sandbox');
  let engineLog = '';
  const start = (settings: { kubeconfig?: string }) =>
    EngineClient.start({
      enginePath: join(unpacked, 'extension', 'engine', 'server', 'main.js'),
      clientName: 'podloop-vscode-test',
      settings,
      env: { PODLOOP_LOG_LEVEL: 'warn' },
      onStderr: (text) => (engineLog += text),
    });
  const engine = await start({});
  try {
    const up = await engine.request(SandboxUp.type, { stateDir });
    assert.equal(up.running, true, engineLog);
    assert.equal(up.kubeconfigPath, join(stateDir, 'kubeconfig'));
    assert.deepEqual(await engine.request(SandboxStatus.type, { stateDir }), up);

    // The engine reads its kubeconfig at initialize, so the sandbox's workloads need a new engine.
    await applyWebDeployment(up.kubeconfigPath, 'web');
    const onSandbox = await start({ kubeconfig: up.kubeconfigPath });
    try {
      // Ready means the pod ran the image's server from the files packed beside the engine.
      const web = await waitFor(
        'the web Deployment ready in the sandbox',
        async () => {
          const listed = await onSandbox.request(WorkloadsList.type, { namespace: 'default' });
          return listed.items.find((item) => item.name === 'web' && item.readyReplicas === 1);
        },
        60_000,
      );
      assert.deepEqual([web.kind, web.images], ['Deployment', ['podloop/web-app']]);
    } finally {
      await onSandbox.dispose();
    }

    assert.deepEqual(await engine.request(SandboxDown.type, { stateDir }), { stopped: true });
    assert.equal((await engine.request(SandboxStatus.type, { stateDir })).running, false);
    assert.deepEqual(stateDirProcesses(stateDir), []);
  } finally {
    await engine.dispose();
    await sandboxDown({ stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('the packaged extension offers the sandbox when no context works, then shows its workloads', async () => {
  const stateDir = tempDir('vsix-sandbox-command');
  // The engine the extension spawns inherits this process's environment.
  process.env.PODLOOP_SANDBOX_DIR = stateDir;
  const { host, extension } = activatePackaged('sandbox-command', {
    kubeconfig: join(unpacked, 'no-such-kubeconfig'),
  });
  try {
    const tree = host.trees.get('podloop.workloads');
    assert.ok(tree, 'the extension registered the podloop.workloads tree');
    type Node = { type: string; name?: string; command?: string; active?: boolean; workload?: { name: string } };
    const offer = await waitFor('the sandbox offer in the tree', () =>
      (tree.getChildren() as Node[]).find((node) => node.type === 'message' && node.command !== undefined),
    );
    const offerItem = tree.getTreeItem(offer);
    assert.equal((offerItem.command as { command: string }).command, 'podloop.sandboxStart');

    // A click on the offer runs its command; the tree then shows the sandbox's context.
    await host.commands.get('podloop.sandboxStart')?.();
    const started = /^podloop: the sandbox cluster runs at (https:\/\/127\.0\.0\.1:\d+) \(kubeconfig (.+)\)\.$/.exec(
      host.messages.at(-1)?.text ?? '',
    );
    assert.ok(started, JSON.stringify(host.messages));
    assert.equal(started[2], join(stateDir, 'kubeconfig'));
    await applyWebDeployment(started[2]!, 'shown-in-tree');
    await host.commands.get('podloop.refresh')?.();
    const [context] = tree.getChildren() as Node[];
    assert.equal(context?.active, true, JSON.stringify(context));
    const namespace = (tree.getChildren(context) as Node[]).find((node) => node.name === 'default');
    assert.ok(namespace, 'the default namespace in the tree');
    const names = (tree.getChildren(namespace) as Node[]).map((node) => node.workload?.name);
    assert.deepEqual(names, ['shown-in-tree']);

    await host.commands.get('podloop.sandboxStop')?.();
    assert.equal(
      host.messages.at(-1)?.text,
      'podloop: the sandbox cluster is stopped; its objects are kept for the next start.',
    );
    assert.deepEqual(stateDirProcesses(stateDir), []);
    // Back on the settings' kubeconfig, which has no contexts: the offer again.
    await waitFor('the sandbox offer back in the tree', () =>
      (tree.getChildren() as Node[]).find((node) => node.type === 'message' && node.command !== undefined),
    );
  } finally {
    await extension.deactivate();
    await sandboxDown({ stateDir });
    delete process.env.PODLOOP_SANDBOX_DIR;
    rmSync(stateDir, { recursive: true, force: true });
  }
});
