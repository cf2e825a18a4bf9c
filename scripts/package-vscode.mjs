#!/usr/bin/env node
// Builds the installable VS Code extension: bundles the extension (vscode stays external) and the
// engine into a private staging folder, then packs it with vsce, offline. Usage:
//   node scripts/package-vscode.mjs [--out FILE.vsix]   (default clients/vscode/podloop-<version>.vsix)
//   node scripts/package-vscode.mjs --dev   bundles into clients/vscode itself, for an Extension Development Host
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extensionDir = join(root, 'clients', 'vscode');
const { values: options } = parseArgs({ options: { out: { type: 'string' }, dev: { type: 'boolean' } } });
const dev = options.dev === true;
// Packaging never writes into the source tree, so two runs at once cannot mix their files.
const stagingDir = dev ? extensionDir : mkdtempSync(join(tmpdir(), 'podloop-vsix-'));
const engineDir = join(stagingDir, 'engine');
const manifestFiles = ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media'];

function say(message) {
  process.stderr.write(`package-vscode: ${message}\n`);
}

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: false, logLevel: 'warning' };

async function bundleExtension() {
  rmSync(join(stagingDir, 'out'), { recursive: true, force: true });
  // VS Code loads a CommonJS main; `vscode` is provided by the editor at run time.
  await build({
    ...common,
    entryPoints: [join(extensionDir, 'src', 'extension.ts')],
    outfile: join(stagingDir, 'out', 'extension.js'),
    format: 'cjs',
    external: ['vscode'],
  });
}

// Every engine file sits one folder below engine/, as the compiled files sit one folder below dist/,
// so paths derived from import.meta.url (../images, ../sandbox/main.js, ../../package.json) hold in
// both layouts.
async function bundleEngine() {
  rmSync(engineDir, { recursive: true, force: true });
  await build({
    ...common,
    // The sandbox daemon is a second entry the engine spawns; code both use is shared in chunks/.
    entryPoints: { 'server/main': join(root, 'server', 'main.ts'), 'sandbox/main': join(root, 'sandbox', 'main.ts') },
    outdir: engineDir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    // Optional native speed-ups of ws: absent, ws falls back to JavaScript.
    external: ['bufferutil', 'utf-8-validate'],
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: {
      js: "import { createRequire as __podloopCreateRequire } from 'node:module'; const require = __podloopCreateRequire(import.meta.url);",
    },
  });
  // The extension's manifest is not an ES module package; the engine's folder is.
  writeFileSync(join(engineDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  // The sandbox's built-in images (manifests and small root filesystems), read at run time.
  const images = join(root, 'sandbox', 'images');
  cpSync(images, join(engineDir, 'images'), { recursive: true, filter: (path) => path !== join(images, 'README.md') });
}

function pack() {
  const { version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  const vsix = resolve(options.out ?? join(extensionDir, `podloop-${version}.vsix`));
  rmSync(vsix, { force: true });
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix], {
    cwd: stagingDir,
    // vsce's report goes to stderr: stdout carries only the .vsix path.
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0) {
    throw new Error(`vsce failed with exit code ${String(result.status)}`);
  }
  return vsix;
}

try {
  if (!dev) {
    for (const file of manifestFiles) cpSync(join(extensionDir, file), join(stagingDir, file), { recursive: true });
  }
  say('bundling the extension');
  await bundleExtension();
  say('bundling the engine');
  await bundleEngine();
  if (!dev) {
    say('packing the .vsix');
    process.stdout.write(`${pack()}\n`);
  }
} finally {
  if (!dev) rmSync(stagingDir, { recursive: true, force: true });
}
