// Starting, stopping and inspecting the sandbox cluster as a background process with a state
// directory (kubeconfig, objects, pod files, pid file). Used by the engine's sandbox/* methods.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SandboxInfo {
  stateDir: string;
  /** Path of the kubeconfig that reaches this sandbox. */
  kubeconfigPath: string;
  /** API server URL, e.g. https://127.0.0.1:6443 */
  server: string;
  /** Pid of the sandbox process, when running. */
  pid?: number;
  running: boolean;
}

export interface SandboxOptions {
  /** Defaults to defaultStateDir(). */
  stateDir?: string;
  /** API server port; 0 or missing picks a free one on first start and keeps it afterwards. */
  port?: number;
}

/** Marks the daemon, and every process it starts, as belonging to one state dir. */
export const STATE_DIR_ENV = 'PODLOOP_SANDBOX_STATE_DIR';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/**
 * The daemon's entry file. This module runs from dist/sandbox/ or, bundled, from a file one folder
 * below the packed engine's root, where the daemon is sandbox/main.js: `../sandbox/main.js` names it
 * in both layouts.
 */
function sandboxEntry(): string {
  const entry = fileURLToPath(new URL('../sandbox/main.js', import.meta.url));
  if (!existsSync(entry)) throw new Error(`the sandbox program ${entry} is missing from this installation`);
  return entry;
}

export function defaultStateDir(): string {
  return process.env.PODLOOP_SANDBOX_DIR ?? join(homedir(), '.podloop', 'sandbox');
}

interface DaemonRecord {
  port: number;
  pid: number;
  server: string;
}

function stateDirOf(options: SandboxOptions): string {
  return resolve(options.stateDir ?? defaultStateDir());
}

function readRecord(stateDir: string): DaemonRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(stateDir, 'sandbox.json'), 'utf8')) as Partial<DaemonRecord>;
    if (typeof parsed.port !== 'number' || typeof parsed.pid !== 'number' || typeof parsed.server !== 'string')
      return undefined;
    return { port: parsed.port, pid: parsed.pid, server: parsed.server };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Whether the API server at `server` answers /readyz with "ok", trusting the sandbox's own CA. */
function isReady(stateDir: string, server: string): Promise<boolean> {
  let ca: string;
  try {
    ca = readFileSync(join(stateDir, 'pki', 'ca.crt'), 'utf8');
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const req = request(new URL('/readyz', server), { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done(res.statusCode === 200 && body.trim() === 'ok'));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

function info(stateDir: string, record: DaemonRecord | undefined, running: boolean): SandboxInfo {
  return {
    stateDir,
    kubeconfigPath: join(stateDir, 'kubeconfig'),
    server: record?.server ?? '',
    ...(running && record ? { pid: record.pid } : {}),
    running,
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function sandboxStatus(options: SandboxOptions = {}): Promise<SandboxInfo> {
  const stateDir = stateDirOf(options);
  const record = readRecord(stateDir);
  const running = record !== undefined && isAlive(record.pid) && (await isReady(stateDir, record.server));
  return info(stateDir, record, running);
}

/** Starts the sandbox in the background (or reuses a running one) and resolves once the API answers. */
export async function sandboxUp(options: SandboxOptions = {}): Promise<SandboxInfo> {
  const stateDir = stateDirOf(options);
  const current = await sandboxStatus({ stateDir });
  if (current.running) return current;
  // Leftovers of a daemon that died without cleaning up would hold ports and pod files.
  killStateDirProcesses(stateDir, 'SIGKILL');
  // Without an explicit port the daemon reuses the one in sandbox.json, so kubeconfigs stay valid.
  const port = options.port;
  const mainJs = sandboxEntry();
  mkdirSync(stateDir, { recursive: true });
  const logFd = openSync(join(stateDir, 'sandbox.log'), 'a');
  const args = [mainJs, '--state-dir', stateDir, ...(port ? ['--port', String(port)] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, [STATE_DIR_ENV]: stateDir },
  });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`the sandbox exited during start (code ${String(exited)}); see ${join(stateDir, 'sandbox.log')}`);
    }
    const record = readRecord(stateDir);
    if (record && record.pid === child.pid && (await isReady(stateDir, record.server)))
      return info(stateDir, record, true);
    await pause(100);
  }
  if (child.pid) killTree(child.pid, 'SIGKILL');
  throw new Error(
    `the sandbox did not become ready within ${START_TIMEOUT_MS / 1000}s; see ${join(stateDir, 'sandbox.log')}`,
  );
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Not a group leader (or gone): the process itself then.
  }
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Pids of processes marked with this state dir (environment) or running from it (command line). */
export function stateDirProcesses(stateDir: string): number[] {
  const marker = Buffer.from(`${STATE_DIR_ENV}=${stateDir}\0`);
  const pathMarker = Buffer.from(`${stateDir}/`);
  const found: number[] = [];
  // The caller (e.g. `podloop sandbox up --state-dir DIR`) and whatever started it must survive.
  const spared = new Set(ancestorsOf(process.pid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (spared.has(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`);
      const cmdArgs = cmdline.toString().split('\0');
      if (environ.includes(marker) || cmdArgs.includes(stateDir) || cmdline.includes(pathMarker)) {
        found.push(pid);
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; the fields after the last ')' do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** `pid` and its parent chain up to init. */
function ancestorsOf(pid: number): number[] {
  const chain: number[] = [];
  for (
    let current: number | undefined = pid;
    current !== undefined && !chain.includes(current);
    current = parentOf(current)
  ) {
    chain.push(current);
  }
  return chain;
}

/** Every process below `root`, from the parent links in /proc. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; the fields after the last ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function killStateDirProcesses(stateDir: string, signal: NodeJS.Signals): number {
  const pids = stateDirProcesses(stateDir);
  for (const pid of pids) killTree(pid, signal);
  return pids.length;
}

/** Stops the sandbox process and every pod process it started. */
export async function sandboxDown(options: SandboxOptions = {}): Promise<{ stopped: boolean }> {
  const stateDir = stateDirOf(options);
  const record = readRecord(stateDir);
  let stopped = false;
  let descendants: number[] = [];
  if (record && isAlive(record.pid)) {
    descendants = descendantsOf(record.pid);
    process.kill(record.pid, 'SIGTERM');
    stopped = true;
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(record.pid) && Date.now() < deadline) await pause(100);
    if (isAlive(record.pid)) killTree(record.pid, 'SIGKILL');
  }
  // Whatever still runs for this state dir (pods the kubelet could not stop) goes too.
  for (const pid of descendants) if (isAlive(pid)) killTree(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (killStateDirProcesses(stateDir, 'SIGKILL') > 0 && Date.now() < deadline) {
    stopped = true;
    await pause(100);
  }
  return { stopped };
}

/** Adds an image folder (manifest + files) to the sandbox's image store under NAME:TAG. */
export async function importImage(options: SandboxOptions & { dir: string; name: string }): Promise<{ name: string }> {
  const images = (await import('./kubelet/images.js')) as {
    importImage(stateDir: string, dir: string, name: string): Promise<{ name: string }>;
  };
  return images.importImage(stateDirOf(options), resolve(options.dir), options.name);
}
