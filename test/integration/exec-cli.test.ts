// The podloop CLI's exec, logs and port-forward against a sandbox workload, as a user runs them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/sandbox.js';
import { startCluster, webApp } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

const cliMain = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));
let cluster: Cluster;

before(async () => {
  cluster = await startCluster('cli', [webApp('web')]);
  await cluster.waitForReadyPod('web');
});

after(async () => {
  await cluster?.close();
});

function podloop(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, '-n', 'cli', ...args], { env: cluster.sandbox.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

void test('podloop exec exits with the command exit code and relays stdin with -i', async () => {
  const plain = await podloop(['exec', 'deploy/web', '--', 'sh', '-c', 'echo out; exit 4']);
  assert.equal(plain.code, 4);
  assert.equal(plain.stdout, 'out\n');
  const piped = await podloop(['exec', '-i', 'deploy/web', '--', 'tr', 'a-z', 'A-Z'], 'shout\n');
  assert.equal(piped.code, 0);
  assert.equal(piped.stdout, 'SHOUT\n');
});

void test('podloop logs prints the history prefixed with pod and container', async () => {
  const result = await podloop(['logs', 'deploy/web', '--tail', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\[web-[a-z0-9-]+\/app\] \S.*\n$/);
});

void test('podloop port-forward serves HTTP until interrupted', async () => {
  const child = spawn(process.execPath, [cliMain, '-n', 'cli', 'port-forward', 'deploy/web', ':8080'], {
    env: cluster.sandbox.env,
  });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const port = await waitFor('the forwarding line', () => /127\.0\.0\.1:(\d+) -> 8080/.exec(stdout)?.[1]);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.match(await response.text(), /Hello/);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 130);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

void test('podloop exec -it gives the command a terminal and exits with its code', async () => {
  // `script` runs podloop on a pseudo-terminal, as a user's shell would.
  const inner = [
    process.execPath,
    cliMain,
    '-n',
    'cli',
    'exec',
    '-it',
    'deploy/web',
    '--',
    'sh',
    '-c',
    'tty; stty size; exit 3',
  ]
    .map((arg) => `'${arg}'`)
    .join(' ');
  const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn('script', ['-qefc', `stty cols 120 rows 40; exec ${inner}`, '/dev/null'], {
      env: cluster.sandbox.env,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end();
  });
  assert.equal(result.code, 3, result.stdout);
  assert.match(result.stdout, /\/dev\/pts\/\d+/);
  assert.match(result.stdout, /40 120/);
});

void test('podloop run streams the process output, and a line r on stdin restarts it', async () => {
  const child = spawn(
    process.execPath,
    [cliMain, '-n', 'cli', 'run', 'deploy/web', '--', 'sh', '-c', 'echo run-started; exec sleep 600'],
    { env: cluster.sandbox.env },
  );
  try {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor('the first start', () => stdout.includes('run-started'), 30_000);
    child.stdin.write('r\n');
    await waitFor('the restart', () => stdout.split('run-started').length - 1 === 2, 30_000);
    assert.match(stderr, /restarting/);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
  } finally {
    child.kill('SIGKILL');
  }
});
