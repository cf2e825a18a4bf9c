// `scripts/package-vscode.mjs` builds a .vsix that holds the extension and a working engine: the
// engine unpacked from the .vsix is spawned and answers a sandbox's workloads over stdio.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkloadsList } from '../../protocol/workloads.js';
import { EngineClient } from '../../clients/vscode/src/engine/engineClient.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { run, startTestSandbox, tempDir } from '../helpers/sandbox.js';
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

let cluster: TestSandbox;
let unpacked: string;
let vsix: string;

before(async () => {
  const packaged = await run(process.execPath, [join(root, 'scripts', 'package-vscode.mjs')], { timeoutMs: 50_000 });
  assert.equal(packaged.code, 0, `package-vscode failed: ${packaged.stderr}`);
  vsix = packaged.stdout.trim();
  unpacked = tempDir('vsix');
  const extracted = await run('unzip', ['-q', vsix, '-d', unpacked]);
  assert.equal(extracted.code, 0, extracted.stderr);
  cluster = await startTestSandbox({ port: 0, apiOnly: true });
});

after(async () => {
  await cluster?.close();
  if (unpacked !== undefined) rmSync(unpacked, { recursive: true, force: true });
});

test('the .vsix is named after the manifest version and holds the extension and the engine', async () => {
  const { version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')) as { version: string };
  assert.equal(vsix, join(extensionDir, `podloop-${version}.vsix`));
  const listing = await run('unzip', ['-Z1', vsix]);
  const entries = listing.stdout.split('\n');
  for (const entry of ['extension/package.json', 'extension/out/extension.js', 'extension/engine/server/main.js']) {
    assert.ok(entries.includes(entry), `${entry} in ${listing.stdout}`);
  }
  assert.ok(!entries.some((entry) => entry.startsWith('extension/src/')), 'no TypeScript sources in the .vsix');
  const manifest = JSON.parse(readFileSync(join(unpacked, 'extension', 'package.json'), 'utf8')) as {
    main: string;
    contributes: { views: Record<string, { id: string }[]> };
  };
  assert.equal(manifest.main, './out/extension.js');
  assert.ok(Object.values(manifest.contributes.views).flat().some((view) => view.id === 'podloop.workloads'));
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
    const listed = await engine.request(WorkloadsList.type, { namespace: 'default' });
    assert.deepEqual(
      listed.items.map((item) => `${item.kind}/${item.name}`),
      ['Pod/from-vsix'],
      `engine log: ${engineLog}`,
    );
  } finally {
    await engine.dispose();
  }
  assert.equal(await engine.exited, 0);
});
