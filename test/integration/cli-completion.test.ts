// Shell completion as a user installs it: the script `podloop completion` prints, loaded into the
// real bash and zsh, offers the commands and options of the real command tree.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../clients/cli/exitCodes.js';

const cliMain = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function podloop(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes `podloop completion <shell>` to a temporary file and returns its path. */
async function scriptFile(t: { after(fn: () => void): void }, shell: string): Promise<string> {
  const result = await podloop(['completion', shell]);
  assert.equal(result.code, ExitCode.Ok, result.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'podloop-completion-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `podloop.${shell}`);
  writeFileSync(file, result.stdout);
  return file;
}

/** What bash offers for the command line `words`, the cursor on its last word. */
function bashOffers(file: string, words: string[]): string[] {
  const result = spawnSync(
    'bash',
    [
      '-c',
      'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _podloop; printf "%s\\n" "${COMPREPLY[@]}"',
      'bash',
      file,
      ...words,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** The top-level commands as `podloop --help` lists them, minus commander's own `help`. */
async function helpCommandNames(): Promise<string[]> {
  const help = await podloop(['--help']);
  const section = help.stdout.split('Commands:\n')[1] ?? '';
  const names = [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1] ?? '');
  return names.filter((name) => name !== 'help');
}

void test('bash completes top-level commands from a prefix', async (t) => {
  const file = await scriptFile(t, 'bash');
  const offers = bashOffers(file, ['podloop', 'de']);
  assert.ok(offers.includes('dev'), `offers: ${offers.join(' ')}`);
  assert.ok(
    offers.every((word) => word.startsWith('de')),
    `offers: ${offers.join(' ')}`,
  );
});

void test('bash completes subcommands of dev and of nested sandbox image', async (t) => {
  const file = await scriptFile(t, 'bash');
  assert.deepEqual(bashOffers(file, ['podloop', 'dev', 's']).sort(), ['start', 'status']);
  assert.deepEqual(bashOffers(file, ['podloop', 'sandbox', 'image', '']), ['import']);
});

void test('bash completes global and command options, stepping over option values', async (t) => {
  const file = await scriptFile(t, 'bash');
  const offers = bashOffers(file, ['podloop', 'workloads', '--']);
  for (const flag of ['--namespace', '--json', '--all-namespaces']) assert.ok(offers.includes(flag), flag);
  // `-n dev` is a namespace called dev, not the dev command.
  assert.ok(bashOffers(file, ['podloop', '-n', 'dev', 'work']).includes('workloads'));
});

void test('the zsh script parses, lists every top-level command and completes nested commands', async (t) => {
  const file = await scriptFile(t, 'zsh');
  const zsh = spawnSync('sh', ['-c', 'command -v zsh'], { encoding: 'utf8' });
  // scripts/setup.mjs installs zsh; without it the script can only be checked as text.
  if (zsh.status === 0) {
    const parse = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    assert.equal(parse.status, 0, parse.stderr);
    // Outside a completion widget, stand-ins for compdef and _describe print what would be offered.
    const offers = spawnSync(
      'zsh',
      [
        '-fc',
        'compdef() { :; }; _describe() { print -rl -- "${(@P)${@[-1]}}" }; _files() { :; }; ' +
          'source "$1"; shift; words=("$@"); CURRENT=$#; _podloop',
        'zsh',
        file,
        'podloop',
        'sandbox',
        'image',
        '',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(offers.status, 0, offers.stderr);
    assert.deepEqual(
      offers.stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(':')[0]),
      ['import'],
    );
  } else {
    t.diagnostic('zsh is not installed (run scripts/setup.mjs as root): only the script text is checked');
  }
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^#compdef podloop$/m);
  const names = await helpCommandNames();
  assert.ok(names.includes('dev') && names.includes('completion'), `commands in --help: ${names.join(' ')}`);
  for (const name of names) assert.ok(text.includes(`'podloop ${name}'`), `${name} in the zsh script`);
});

void test('podloop completion fish is a usage error', async () => {
  const result = await podloop(['completion', 'fish']);
  assert.equal(result.code, ExitCode.Usage);
  assert.match(result.stderr, /bash and zsh/);
  assert.equal(result.stdout, '');
});
