// The run supervisor's shell scripts in the local shell: the standby start stops the recorded
// process tree before it starts the command, and leaves without a trace on end of input.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { standbyCommand, supervisedCommand } from '../../server/run/runProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'podloop-standby-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(argv: readonly string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [command = '', ...args] = argv;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

void test('the standby stops the running tree, then starts the command in its place', async () => {
  const pidFile = join(dir, 'running.pid');
  const old = start(supervisedCommand(pidFile, ['sh', '-c', 'echo "old $$"; exec sleep 60']));
  await until('the old process to record its pid', () => old.output().startsWith('old '));
  const oldPid = Number(old.output().split(' ')[1]);
  const next = start(standbyCommand(pidFile, 100, ['sh', '-c', 'echo "new $$"; exit 5']));
  next.child.stdin?.end('running\n');
  assert.equal(await next.exited, 5, 'the exit code is the new command’s');
  assert.match(next.output(), /^new \d+\n$/);
  assert.notEqual(await old.exited, 0, 'the old tree was signalled');
  assert.ok(gone(oldPid));
});

void test('told the old process runs, the standby waits for its pid file before stopping it', async () => {
  const pidFile = join(dir, 'late.pid');
  const next = start(standbyCommand(pidFile, 100, ['sh', '-c', 'echo started']));
  next.child.stdin?.end('running\n');
  // Had the standby not waited, the old process would outlive it and this test never end.
  const old = start(supervisedCommand(pidFile, ['sleep', '60']));
  assert.equal(await next.exited, 0);
  assert.equal(next.output(), 'started\n');
  assert.notEqual(await old.exited, 0, 'the late old process was stopped first');
});

void test('on end of input the standby leaves and touches nothing', async () => {
  const pidFile = join(dir, 'kept.pid');
  writeFileSync(pidFile, '999999\n');
  const next = start(standbyCommand(pidFile, 100, ['sh', '-c', 'echo started']));
  next.child.stdin?.end();
  assert.equal(await next.exited, 0);
  assert.equal(next.output(), '');
  assert.ok(existsSync(pidFile));
  assert.equal(readFileSync(pidFile, 'utf8'), '999999\n');
});
