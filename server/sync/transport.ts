// How file sync reaches a container: a command run with its stdio as a byte channel. The engine
// implements it with Kubernetes exec; localProcessTransport runs the command on this machine.

import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface SyncChannel {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Exit code of the command; -1 when it ended without one (killed, or the channel dropped). */
  exited: Promise<number>;
  /** Ends the command and the channel; idempotent. */
  close(): void;
}

export interface SyncTransport {
  /** Starts `command` in the container, stdin kept open. Rejects when it cannot be started. */
  openChannel(command: string[], signal?: AbortSignal): Promise<SyncChannel>;
  /**
   * Which container instance the last channel reached (pod UID and restart count), where the transport knows:
   * two channels with the same value see the same filesystem. Undefined when unknown.
   */
  readonly instance?: string | undefined;
}

/** Runs commands as local processes: the receiver against a local folder, for tests and local use. */
export function localProcessTransport(options: { env?: NodeJS.ProcessEnv } = {}): SyncTransport {
  return {
    openChannel(command, signal) {
      return new Promise((resolve, reject) => {
        const [file, ...args] = command;
        if (!file) {
          reject(new Error('empty command'));
          return;
        }
        const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], signal, env: options.env ?? process.env });
        const exited = new Promise<number>((resolveExit) => {
          child.once('close', (code) => resolveExit(code ?? -1));
        });
        child.once('error', (error) => reject(error));
        child.once('spawn', () => {
          // A dropped channel surfaces through `exited`; these keep EPIPE from crashing the engine.
          child.stdin.on('error', () => undefined);
          child.stdout.on('error', () => undefined);
          resolve({
            stdin: child.stdin,
            stdout: child.stdout,
            stderr: child.stderr,
            exited,
            close: () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            },
          });
        });
      });
    },
  };
}
