// `podloop sandbox up|status|down` as a user runs them, and the sandbox they start answering
// `podloop workloads`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sandboxDown } from '../../sandbox/control.js';
import { run, waitFor } from '../helpers/sandbox.js';

const cliMain = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));

function podloop(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

void test('sandbox up starts a cluster that podloop workloads reaches, and sandbox down stops it', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-cli-sandbox-'));
  t.after(async () => {
    await sandboxDown({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const up = await podloop(['--json', 'sandbox', 'up', '--state-dir', stateDir, '--port', '0']);
  assert.equal(up.code, 0, up.stderr);
  const info = JSON.parse(up.stdout) as { running: boolean; kubeconfigPath: string; server: string; stateDir: string };
  assert.equal(info.running, true);
  assert.match(info.server, /^https:\/\/127\.0\.0\.1:\d+$/);

  const workloads = await podloop(['--json', 'workloads', '-A', '--kubeconfig', info.kubeconfigPath]);
  assert.equal(workloads.code, 0, workloads.stderr);
  assert.ok(Array.isArray((JSON.parse(workloads.stdout) as { items: unknown }).items));

  const status = await podloop(['sandbox', 'status', '--state-dir', stateDir]);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /is running/);
  assert.ok(status.stdout.includes(`export KUBECONFIG=${info.kubeconfigPath}`));

  const down = await podloop(['--json', 'sandbox', 'down', '--state-dir', stateDir]);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(JSON.parse(down.stdout), { stopped: true });
  const after = await podloop(['--json', 'sandbox', 'status', '--state-dir', stateDir]);
  assert.equal((JSON.parse(after.stdout) as { running: boolean }).running, false);
});

void test('sandbox up with an unusable state directory exits 1 with SandboxFailed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-cli-sandbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A state directory below a regular file can never be created.
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const result = await podloop(['--json', 'sandbox', 'up', '--state-dir', join(blocker, 'state')]);
  assert.equal(result.code, 1);
  const error = JSON.parse(result.stderr) as { error: { name: string; data: { stateDir: string } } };
  assert.equal(error.error.name, 'SandboxFailed');
  assert.equal(error.error.data.stateDir, join(blocker, 'state'));
});

void test('sandbox image import adds an image folder that pods then run by name', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-cli-image-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'podloop-cli-kubecache-'));
  t.after(async () => {
    await sandboxDown({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });
  const imageDir = join(stateDir, 'image-src');
  mkdirSync(join(imageDir, 'rootfs', 'app'), { recursive: true });
  writeFileSync(join(imageDir, 'rootfs', 'app', 'motd'), 'hello from an imported image\n');
  writeFileSync(
    join(imageDir, 'manifest.json'),
    JSON.stringify({ entrypoint: ['sh', '-c', 'cat /app/motd; exec sleep 3600'], workingDir: '/app' }),
  );

  const imported = await podloop([
    '--json',
    'sandbox',
    'image',
    'import',
    imageDir,
    '--name',
    'shop/motd:1.0',
    '--state-dir',
    stateDir,
  ]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout), { name: 'shop/motd:1.0' });

  const up = await podloop(['--json', 'sandbox', 'up', '--state-dir', stateDir, '--port', '0']);
  assert.equal(up.code, 0, up.stderr);
  const { kubeconfigPath } = JSON.parse(up.stdout) as { kubeconfigPath: string };
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir };
  const created = await run('kubectl', ['run', 'motd', '--image=shop/motd:1.0', '--restart=Never'], { env });
  assert.equal(created.code, 0, created.stderr);
  await waitFor(
    'the imported image to print its file',
    async () => {
      const logs = await run('kubectl', ['logs', 'motd'], { env });
      return logs.code === 0 && logs.stdout.includes('hello from an imported image');
    },
    30_000,
  );
});

void test('sandbox image import of a folder without a manifest exits 1 and names the folder', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-cli-image-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const empty = join(stateDir, 'empty');
  mkdirSync(empty);
  const result = await podloop(['sandbox', 'image', 'import', empty, '--name', 'x:1', '--state-dir', stateDir]);
  assert.equal(result.code, 1);
  assert.ok(result.stderr.includes(empty), result.stderr);
});
