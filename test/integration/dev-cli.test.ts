// The podloop CLI's dev and config commands as a user runs them: dev start/status/end with --json against
// the sandbox, and config init/validate with file:line:column errors and the documented exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../clients/cli/exitCodes.js';
import { run, tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, snapshot, startDevCluster, type DevCluster } from './dev-helpers.js';

const cli = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));
let cluster: DevCluster;

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
});

function podloop(args: string[]) {
  return run(process.execPath, [cli, ...args], {
    env: { ...cluster.sandbox.env, KUBECONFIG: cluster.sandbox.sandbox.kubeconfigPath },
    timeoutMs: 60_000,
  });
}

test('podloop dev start, status and end with --json', async () => {
  const namespace = cluster.namespace('cli');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const original = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');

  const started = await podloop([
    '--json',
    '-n',
    namespace,
    'dev',
    'start',
    'deployment/shop',
    '--image',
    'podloop/node-dev',
    '-c',
    'web',
    '--local',
    tempDir('cli-src'),
    '--detach',
  ]);
  assert.equal(started.code, 0, started.stderr);
  const result = JSON.parse(started.stdout) as {
    session: { container: string; pod?: string; phase: string };
    timings: Record<string, number>;
  };
  assert.equal(result.session.container, 'web');
  assert.equal(result.session.phase, 'running');
  assert.ok(result.timings['waiting for the pod'] !== undefined);

  // Another engine (this command's) sees the session in the cluster, held by the engine that started it.
  const status = await podloop(['--json', '-n', namespace, 'dev', 'status']);
  assert.equal(status.code, 0, status.stderr);
  const sessions = (
    JSON.parse(status.stdout) as { sessions: Array<{ workload: { name: string }; ownedByThisEngine: boolean }> }
  ).sessions;
  assert.deepEqual(
    sessions.map((s) => [s.workload.name, s.ownedByThisEngine]),
    [['shop', false]],
  );

  const ended = await podloop(['--json', '-n', namespace, 'dev', 'end', 'deployment/shop']);
  assert.equal(ended.code, 0, ended.stderr);
  assert.equal((JSON.parse(ended.stdout) as { restored: boolean }).restored, true);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), original);
});

test('podloop dev start on a missing workload exits with the not-found code', async () => {
  const namespace = cluster.namespace('cli-missing');
  const result = await podloop([
    '--json',
    '-n',
    namespace,
    'dev',
    'start',
    'deployment/nope',
    '--image',
    'podloop/node-dev',
    '--detach',
  ]);
  assert.equal(result.code, ExitCode.NotFound);
  assert.equal((JSON.parse(result.stderr) as { error: { name: string } }).error.name, 'WorkloadNotFound');
});

test('podloop config init writes a valid starter and validate points at file:line:column and field', async () => {
  const project = tempDir('cli-config');
  try {
    writeFileSync(join(project, 'requirements.txt'), 'flask\n');
    const init = await podloop(['--json', 'config', 'init', '--dir', project]);
    assert.equal(init.code, 0, init.stderr);
    assert.equal((JSON.parse(init.stdout) as { language: string }).language, 'python');
    const valid = await podloop(['config', 'validate', join(project, '.podloop', 'config.yaml')]);
    assert.equal(valid.code, 0, valid.stderr);

    const bad = join(project, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 1\nworkloads:\n  - kind: Deployment\n    name: web\n    containers:\n      - workDir: relative\n',
    );
    const invalid = await podloop(['config', 'validate', bad]);
    assert.equal(invalid.code, ExitCode.ClusterUnreachable, 'InvalidConfig maps to exit code 3');
    assert.match(
      invalid.stderr,
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:18: workloads\\[0\\]\\.containers\\[0\\]\\.workDir: must be an absolute path`,
      ),
    );
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('podloop dev start stays to sync edits until Ctrl-C, and leaves the workload in dev mode', async (t) => {
  const namespace = cluster.namespace('cli-attached');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const original = await snapshot(cluster.objects, 'Deployment', namespace, 'shop');
  const project = tempDir('cli-attached');
  writeFileSync(join(project, 'index.js'), 'console.log(1);\n');
  const child = spawn(
    process.execPath,
    [
      cli,
      '-n',
      namespace,
      'dev',
      'start',
      'deployment/shop',
      '--image',
      'podloop/node-dev',
      '-c',
      'web',
      '--local',
      project,
    ],
    { env: { ...cluster.sandbox.env, KUBECONFIG: cluster.sandbox.sandbox.kubeconfigPath, NO_COLOR: '1' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(project, { recursive: true, force: true });
  });

  await waitFor('dev start to report that it is syncing', () => stdout.includes('press Ctrl-C'), 60_000);
  writeFileSync(join(project, 'index.js'), 'console.log(2);\n');
  await waitFor('a sync batch line', () => /synced 1 files/.test(stdout), 30_000);
  child.kill('SIGINT');
  assert.equal(await exited, ExitCode.Cancelled, stderr);

  const status = await podloop(['--json', '-n', namespace, 'dev', 'status']);
  const sessions = (JSON.parse(status.stdout) as { sessions: Array<{ workload: { name: string } }> }).sessions;
  assert.deepEqual(
    sessions.map((s) => s.workload.name),
    ['shop'],
  );
  const ended = await podloop(['--json', '-n', namespace, 'dev', 'end', 'deployment/shop']);
  assert.equal(ended.code, 0, ended.stderr);
  assert.deepEqual(await snapshot(cluster.objects, 'Deployment', namespace, 'shop'), original);
});
