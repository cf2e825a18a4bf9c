// run/start, run/restart and run/stop through the real engine in a sandbox container: output as
// log lines, exit codes in run/exited, and the old process tree gone after a restart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ExecRun, LogLines, RunExited, RunRestart, RunStart, RunStop } from '../../protocol/index.js';
import type { LogLinesParams, RunExitedParams } from '../../protocol/index.js';
import { waitFor } from '../helpers/sandbox.js';
import { deployment, startCluster } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

let cluster: Cluster;
const batches: LogLinesParams[] = [];
const exits: RunExitedParams[] = [];

before(async () => {
  cluster = await startCluster('run', [deployment('dev', { image: 'podloop/node-dev:1.0' })]);
  cluster.engine.connection.onNotification(LogLines.type, (params) => void batches.push(params));
  cluster.engine.connection.onNotification(RunExited.type, (params) => void exits.push(params));
  await cluster.waitForReadyPod('dev');
});

after(async () => {
  await cluster?.close();
});

const textOf = (streamId: string): string[] =>
  batches.filter((batch) => batch.streamId === streamId).flatMap((batch) => batch.lines.map((line) => line.text));

async function alive(pid: string): Promise<boolean> {
  const result = await cluster.engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name: 'dev',
    // A zombie (killed, not yet reaped by PID 1) counts as gone.
    command: ['sh', '-c', 'read -r _ _ st _ < "/proc/$0/stat" && [ "$st" != Z ]', pid],
  });
  return result.exitCode === 0;
}

void test('a run streams its output, restarts as a new process tree and stops with its exit code', async () => {
  const child = 'setInterval(() => {}, 1000)';
  const { runId } = await cluster.engine.connection.sendRequest(RunStart.type, {
    kind: 'Deployment',
    name: 'dev',
    command: ['sh', '-c', `node -e "${child}" & echo "started $$ child $!"; wait`],
  });
  const started = (): string[] => textOf(runId).filter((line) => line.startsWith('started '));
  await waitFor('the first start line', () => started().length === 1);
  const [, shellPid = '', , childPid = ''] = (started()[0] ?? '').split(' ');
  assert.ok(await alive(childPid), 'the child runs');

  await cluster.engine.connection.sendRequest(RunRestart.type, { runId });
  await waitFor('the second start line', () => started().length === 2);
  assert.ok(exits.some((exit) => exit.runId === runId && exit.restarting));
  assert.equal(await alive(shellPid), false, 'the old shell is gone');
  assert.equal(await alive(childPid), false, 'the old child is gone with its tree');

  const stopped = await cluster.engine.connection.sendRequest(RunStop.type, { runId });
  assert.equal(typeof stopped.exitCode, 'number');
  await waitFor('the end of the output stream', () => batches.some((batch) => batch.streamId === runId && batch.end));
});

void test('a run that exits by itself reports its exit code', async () => {
  const { runId } = await cluster.engine.connection.sendRequest(RunStart.type, {
    kind: 'Deployment',
    name: 'dev',
    command: ['sh', '-c', 'echo bye >&2; exit 7'],
  });
  const exit = await waitFor('run/exited', () => exits.find((entry) => entry.runId === runId));
  assert.deepEqual(exit, { runId, exitCode: 7, restarting: false });
  await waitFor('its stderr line', () => textOf(runId).includes('bye'));
  await cluster.engine.connection.sendRequest(RunStop.type, { runId });
});

/** Starts `command` as a run in the dev container; `started()` lists its output lines that begin with "started ". */
async function startRun(command: string[]): Promise<{ runId: string; started: () => string[] }> {
  const { runId } = await cluster.engine.connection.sendRequest(RunStart.type, {
    kind: 'Deployment',
    name: 'dev',
    command,
  });
  return { runId, started: () => textOf(runId).filter((line) => line.startsWith('started ')) };
}

/** Command lines in the dev container that mention `text`; the search's own (with its script) are left out. */
async function processesMentioning(text: string): Promise<string[]> {
  const result = await cluster.engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name: 'dev',
    command: [
      'sh',
      '-c',
      'for f in /proc/[0-9]*/cmdline; do c=$(tr "\\0" " " < "$f" 2>/dev/null) || continue; case "$c" in *"$0"*) echo "$c";; esac; done',
      text,
    ],
  });
  return result.stdout.split('\n').filter((line) => line.length > 0 && !line.includes('/proc/'));
}

void test('restart requests made while one runs fold into one restart after it, leaving one process tree', async () => {
  const { runId, started } = await startRun(['sh', '-c', 'echo "started $$"; exec sleep 600']);
  await waitFor('the first start line', () => started().length === 1);

  await Promise.all([1, 2, 3].map(() => cluster.engine.connection.sendRequest(RunRestart.type, { runId })));
  await waitFor('the third start line', () => started().length === 3);
  const restarts = exits.filter((exit) => exit.runId === runId && exit.restarting);
  assert.equal(restarts.length, 2, 'one restart, then one for the two requests made while it ran');
  const pids = started().map((line) => line.split(' ')[1] ?? '');
  assert.deepEqual(await Promise.all(pids.map((pid) => alive(pid))), [false, false, true], 'only the last tree runs');

  const pidFile = `.podloop-run-${runId}.pid`;
  assert.ok((await processesMentioning(pidFile)).length > 0, 'the run has processes that name its pid file');
  await cluster.engine.connection.sendRequest(RunStop.type, { runId });
  assert.deepEqual(await processesMentioning(pidFile), [], 'nothing of the run is left');
});

void test('a run that exited by itself starts again on run/restart', async () => {
  const { runId, started } = await startRun(['sh', '-c', 'echo "started $$"; exit 3']);
  await waitFor('its exit', () => exits.some((exit) => exit.runId === runId && exit.exitCode === 3));
  await cluster.engine.connection.sendRequest(RunRestart.type, { runId });
  await waitFor('the second start line', () => started().length === 2);
  await waitFor('the second exit', () => exits.filter((exit) => exit.runId === runId).length === 2);
  await cluster.engine.connection.sendRequest(RunStop.type, { runId });
});
