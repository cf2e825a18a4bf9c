// Test helpers for the sandbox: an in-process sandbox in a fresh state dir, the real kubectl
// pointed at it (own kubeconfig and discovery cache), and polling with a deadline.

import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingMaterial } from '../../sandbox/apiserver/certs.js';
import { startSandbox, type RunningSandbox, type SandboxStartOptions } from '../../sandbox/index.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  stateDir: string;
  /** KUBECONFIG and KUBECACHEDIR of this sandbox, on top of the process environment. */
  env: NodeJS.ProcessEnv;
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `podloop-${prefix}-`));
}

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

let pkiTemplate: Promise<string> | undefined;

/** Credentials made once per test process and copied into each sandbox: key generation is slow. */
function sharedPki(): Promise<string> {
  pkiTemplate ??= (async () => {
    const dir = tempDir('pki');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await ensureServingMaterial(dir);
    return join(dir, 'pki');
  })();
  return pkiTemplate;
}

/** Starts a sandbox in a fresh state dir; `apiOnly` leaves out controllers and kubelet. */
export async function startTestSandbox(options: Omit<SandboxStartOptions, 'stateDir'> = {}): Promise<TestSandbox> {
  const stateDir = tempDir('sandbox');
  cpSync(await sharedPki(), join(stateDir, 'pki'), { recursive: true });
  const sandbox = await startSandbox({ ...options, stateDir });
  const env = { ...process.env, KUBECONFIG: sandbox.kubeconfigPath, KUBECACHEDIR: join(stateDir, 'kube-cache') };
  return {
    sandbox,
    stateDir,
    env,
    kubectl: (args, opts = {}) => run('kubectl', args, { env, ...opts }),
    async close() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
