// The podloop command as a user runs it: help, contexts from a kubeconfig file, --json output,
// and the documented exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../clients/cli/exitCodes.js';
import { ErrorCodes } from '../../protocol/errors.js';

const cliMain = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function podloop(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function kubeconfigFile(t: { after(fn: () => void): void }, server = 'https://127.0.0.1:1'): string {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: alpha
  cluster: {server: "${server}", insecure-skip-tls-verify: true}
- name: beta
  cluster: {server: "https://10.0.0.2:6443"}
users:
- name: me
  user: {token: not-for-logs}
contexts:
- name: alpha-ctx
  context: {cluster: alpha, user: me, namespace: shop}
- name: beta-ctx
  context: {cluster: beta, user: me}
current-context: beta-ctx
`,
  );
  return path;
}

void test('podloop --help lists every command and the exit codes', async () => {
  const result = await podloop(['--help']);
  assert.equal(result.code, 0);
  for (const command of [
    'contexts',
    'workloads',
    'sandbox',
    'dev',
    'sync',
    'logs',
    'port-forward',
    'debug',
    'run',
    'exec',
  ]) {
    assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} listed`);
  }
  assert.match(result.stdout, /--json/);
  assert.match(result.stdout, /130 cancelled/);
});

void test('podloop contexts prints an aligned table that marks the current context', async (t) => {
  const result = await podloop(['contexts', '--kubeconfig', kubeconfigFile(t)]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? '', /^CURRENT\s+NAME\s+CLUSTER\s+SERVER\s+NAMESPACE$/);
  assert.match(lines[2] ?? '', /^\*\s+beta-ctx\s+beta\s+https:\/\/10\.0\.0\.2:6443$/);
  const column = (lines[0] ?? '').indexOf('SERVER');
  assert.equal((lines[1] ?? '').indexOf('https://'), column, 'columns are aligned');
  assert.ok(!result.stdout.includes('not-for-logs'));
});

void test('podloop --json contexts prints one JSON document with the contexts', async (t) => {
  const result = await podloop(['--json', 'contexts', '--kubeconfig', kubeconfigFile(t), '--context', 'alpha-ctx']);
  assert.equal(result.code, 0, result.stderr);
  const document = JSON.parse(result.stdout) as {
    currentContext: string;
    activeContext: string;
    contexts: { name: string; namespace?: string }[];
  };
  assert.equal(document.currentContext, 'beta-ctx');
  assert.equal(document.activeContext, 'alpha-ctx');
  assert.deepEqual(
    document.contexts.map((context) => context.name),
    ['alpha-ctx', 'beta-ctx'],
  );
});

void test('podloop workloads against an unreachable cluster exits 3 with a JSON error on stderr', async (t) => {
  const result = await podloop([
    'workloads',
    '--json',
    '--kubeconfig',
    kubeconfigFile(t, 'http://127.0.0.1:1'),
    '--context',
    'alpha-ctx',
  ]);
  assert.equal(result.code, ExitCode.ClusterUnreachable);
  assert.equal(result.stdout, '');
  const error = JSON.parse(result.stderr) as { error: { code: number; name: string; data: { server: string } } };
  assert.equal(error.error.code, ErrorCodes.ClusterUnreachable);
  assert.equal(error.error.name, 'ClusterUnreachable');
  assert.equal(error.error.data.server, 'http://127.0.0.1:1');
});

void test('usage errors exit 2', async () => {
  assert.equal((await podloop(['no-such-command'])).code, ExitCode.Usage);
  assert.equal((await podloop(['workloads', '--bogus'])).code, ExitCode.Usage);
  const badRef = await podloop(['dev', 'end', 'web']);
  assert.equal(badRef.code, ExitCode.Usage);
  assert.match(badRef.stderr, /not KIND\/NAME/);
});

void test('Ctrl-C in a terminal cancels the request in flight and exits 130', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const address = silent.address();
  assert.ok(address !== null && typeof address === 'object');
  const child = spawn(
    process.execPath,
    [
      cliMain,
      'workloads',
      '--kubeconfig',
      kubeconfigFile(t, `http://127.0.0.1:${address.port}`),
      '--context',
      'alpha-ctx',
    ],
    // Its own process group, so the signal below reaches the whole group as a terminal's Ctrl-C does.
    { stdio: 'ignore', detached: true },
  );
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (sockets.size === 0) {
    assert.ok(Date.now() < deadline, 'the engine dialled the API server');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.kill(-(child.pid ?? 0), 'SIGINT');
  assert.equal(await exited, ExitCode.Cancelled);
});
