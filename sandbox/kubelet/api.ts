// What the API server asks of the kubelet for the streaming subresources (exec, attach,
// port-forward, log). The API server speaks the wire protocols; the kubelet only hands over
// processes, byte streams and log readers. Errors are ApiErrors (e.g. 404 pod, 400 container
// not running) so the API server can answer them as Status objects.

import type { Duplex, Readable, Writable } from 'node:stream';

export interface ExecOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A process running inside a container, as exec or attach produced it. */
export interface ContainerProcess {
  /** Present when stdin was requested; ending it closes the process's stdin. */
  stdin: Writable | null;
  stdout: Readable | null;
  /** Null with a TTY: stderr is merged into stdout. */
  stderr: Readable | null;
  /** Resizes the TTY (only meaningful with tty: true). */
  resize(columns: number, rows: number): void;
  /** Resolves when the process ends. exitCode is 128+n for a signal n. */
  exited: Promise<{ exitCode: number }>;
  /** Stops the process (the client went away). Idempotent. */
  kill(): void;
}

export interface LogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

export interface PodStreams {
  /** Runs `command` in the container (default: the pod's first container). */
  exec(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    options: ExecOptions,
  ): Promise<ContainerProcess>;
  /** Attaches to the container's main process (its stdin only if the container has `stdin: true`). */
  attach(
    namespace: string,
    pod: string,
    container: string | undefined,
    options: ExecOptions,
  ): Promise<ContainerProcess>;
  /** Opens a TCP connection to `port` inside the pod's network namespace. */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
  /** The container's log as a stream; with `follow` it ends when the container instance ends. */
  logs(namespace: string, pod: string, options: LogOptions): Promise<Readable>;
}
