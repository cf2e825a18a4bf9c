// Shared fixtures for the sync tests: temp folders, a receiver process driven by raw frames,
// and waiting on conditions with a deadline.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receiverCommand } from '../../server/sync/receiver/receiverScript.js';
import { RecordReader } from '../../server/sync/receiverProtocol.js';
import { localProcessTransport, type SyncTransport } from '../../server/sync/transport.js';

export function tempDir(prefix: string): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Tool sets to run the receiver with: the system's, and busybox's when it is installed. */
export function toolsets(scratch: string): { name: string; env: NodeJS.ProcessEnv; shell: string }[] {
  const sets = [{ name: 'system', env: { ...process.env }, shell: 'sh' }];
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((candidate) => existsSync(candidate));
  if (busybox) {
    const bin = join(scratch, 'busybox-bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of [
      'sh',
      'tar',
      'find',
      'head',
      'rm',
      'rmdir',
      'mkdir',
      'sha1sum',
      'md5sum',
      'xargs',
      'stat',
      'readlink',
      'tr',
      'cut',
      'cat',
      'grep',
      'printf',
    ]) {
      symlinkSync(busybox, join(bin, tool));
    }
    sets.push({ name: 'busybox', env: { ...process.env, PATH: bin }, shell: join(bin, 'sh') });
  }
  return sets;
}

/** Runs sync commands as local processes with one tool set, its own `sh` included. */
export function toolsetTransport(tools: { env: NodeJS.ProcessEnv; shell: string }): SyncTransport {
  const base = localProcessTransport({ env: tools.env });
  return {
    openChannel: (command, signal) =>
      base.openChannel(command[0] === 'sh' ? [tools.shell, ...command.slice(1)] : command, signal),
  };
}

export interface RawReceiver {
  child: ChildProcessWithoutNullStreams;
  reader: RecordReader;
  stop(): Promise<void>;
}

export function startRawReceiver(workDir: string, env: NodeJS.ProcessEnv = process.env, shell = 'sh'): RawReceiver {
  const [, ...args] = receiverCommand(workDir);
  const child = spawn(shell, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  const reader = new RecordReader(child.stdout);
  return {
    child,
    reader,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGKILL');
        await closed;
      }
    },
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
