// `podloop sandbox up|status|down` as a user runs them, and the sandbox they start answering
// `podloop workloads`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sandboxDown } from '../../sandbox/control.js';

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
