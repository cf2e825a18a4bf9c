#!/usr/bin/env node
// Brings a fresh clone to a runnable state: checks Node, installs npm dependencies when they are
// missing or stale, installs the sandbox's Debian packages (bubblewrap, socat, the debuggers the dev
// images offer) when running as root, and with --build compiles the TypeScript. Every step is
// skipped when already done.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

function say(message) {
  process.stderr.write(`setup: ${message}\n`);
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    say(`'${command} ${argv.join(' ')}' failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function onPath(binary, env = process.env) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', binary], { stdio: 'ignore', env }).status === 0;
}

// Sandbox pods see the host's /usr and the kubelet's default PATH: a debugger elsewhere (~/go/bin, a
// pyenv interpreter) does not count.
const podEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
const inPods = (binary) => () => onPath(binary, podEnv);
const onHost = (binary) => () => onPath(binary);
const debianPythonHas = (module) => () =>
  spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  say(`Node.js ${process.versions.node} is too old: podloop needs Node.js 20.19 or newer.`);
  process.exit(1);
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  say('installing npm dependencies');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

const debianPackages = [
  [onHost('bwrap'), 'bubblewrap'],
  [onHost('socat'), 'socat'],
  [onHost('nsenter'), 'util-linux'],
  [onHost('setpriv'), 'util-linux'],
  [onHost('python3'), 'python3'],
  // The sync receiver is tested against busybox's tools, as minimal images have them.
  [onHost('busybox'), 'busybox-static'],
  // The shell completion test checks that the generated zsh script parses.
  [onHost('zsh'), 'zsh'],
  // The python-dev and go-dev images run these; the debug tests attach to them.
  [debianPythonHas('debugpy'), 'python3-debugpy'],
  [inPods('dlv'), 'delve'],
  [inPods('go'), 'golang-go'],
].filter(([present]) => !present()).map(([, pkg]) => pkg).filter((pkg, i, all) => all.indexOf(pkg) === i);
if (debianPackages.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    say(`installing ${debianPackages.join(', ')} with apt-get`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...debianPackages], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    say(`missing ${debianPackages.join(', ')}: install them (e.g. 'sudo apt-get install ${debianPackages.join(' ')}'); the sandbox cluster needs them`);
  }
}

if (args.has('--build')) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  } catch {
    say('the TypeScript build failed (errors above)');
    process.exit(1);
  }
}
