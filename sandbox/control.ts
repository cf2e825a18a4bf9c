// Starting, stopping and inspecting the sandbox cluster as a background process with a state
// directory (kubeconfig, objects, pod files, pid file). Used by the engine's sandbox/* methods.

import { homedir } from 'node:os';
import { join } from 'node:path';

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

export function defaultStateDir(): string {
  return process.env.PODLOOP_SANDBOX_DIR ?? join(homedir(), '.podloop', 'sandbox');
}

/** Starts the sandbox in the background (or reuses a running one) and resolves once the API answers. */
export async function sandboxUp(_options: SandboxOptions = {}): Promise<SandboxInfo> {
  throw new Error('sandboxUp: not implemented yet');
}

/** Stops the sandbox process and every pod process it started. */
export async function sandboxDown(_options: SandboxOptions = {}): Promise<{ stopped: boolean }> {
  throw new Error('sandboxDown: not implemented yet');
}

export async function sandboxStatus(_options: SandboxOptions = {}): Promise<SandboxInfo> {
  throw new Error('sandboxStatus: not implemented yet');
}

/** Adds an image folder (manifest + files) to the sandbox's image store under NAME:TAG. */
export async function importImage(_options: SandboxOptions & { dir: string; name: string }): Promise<{ name: string }> {
  throw new Error('importImage: not implemented yet');
}
