// The VS Code client's contract with protocol/ and with its own manifest: every protocol method has
// a stated use in the extension, and every command it names is contributed and registered.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { methods } from '../../protocol/methods.js';
import { methodUse } from '../../clients/vscode/src/engine/methodUse.js';

const extensionDir = fileURLToPath(new URL('../../../clients/vscode/', import.meta.url));

interface Manifest {
  main: string;
  engines: { vscode: string };
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string }[]>;
    views: Record<string, { id: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(`${extensionDir}package.json`, 'utf8')) as Manifest;
const contributed = new Set(manifest.contributes.commands.map((entry) => entry.command));
const commandsSource = readFileSync(`${extensionDir}src/adapter/commands.ts`, 'utf8');
const registered = new Set([...commandsSource.matchAll(/register\('(podloop\.[A-Za-z]+)'/g)].map((match) => match[1]));

test('every protocol method has a stated use in the VS Code client, and no retired method lingers', () => {
  const protocolMethods = methods.map((info) => info.method).sort();
  assert.deepEqual(Object.keys(methodUse).sort(), protocolMethods);
});

test('every command that sends a protocol method is contributed by the manifest', () => {
  for (const [method, use] of Object.entries(methodUse)) {
    if ('command' in use) assert.ok(contributed.has(use.command), `${use.command} (for ${method}) in package.json`);
  }
});

test('the adapter registers exactly the commands the manifest contributes', () => {
  assert.deepEqual([...registered].sort(), [...contributed].sort());
});

test('menus only name contributed commands and the tree view exists', () => {
  for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
    for (const entry of entries) assert.ok(contributed.has(entry.command), `${entry.command} in menu ${menu}`);
  }
  assert.ok(
    Object.values(manifest.contributes.views)
      .flat()
      .some((view) => view.id === 'podloop.workloads'),
  );
  assert.equal(manifest.main, './out/extension.js');
  assert.match(manifest.engines.vscode, /^\^1\.\d+\.\d+$/);
});
