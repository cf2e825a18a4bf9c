// Commands in a pod's container over the Kubernetes exec API: byte channels (file sync, terminals)
// and run-to-completion with output and exit code. Never builds shell strings.
import { PassThrough, type Writable } from 'node:stream';
import { clientNode } from './clientNode.js';
import { execStdin } from './execStdin.js';
import type { SyncChannel, SyncTransport } from '../sync/transport.js';
import type { Kube } from './index.js';
import { webSocketConnector } from './webSockets.js';

/** One container of one pod. */
export interface ContainerTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecChannel extends SyncChannel {
  /** Tells the TTY its new size; a no-op without a TTY. */
  resize(columns: number, rows: number): void;
}

export interface ExecChannelOptions {
  /** Allocate a TTY (stderr then merges into stdout). */
  tty?: boolean;
  /** Initial TTY size. */
  columns?: number;
  rows?: number;
  signal?: AbortSignal;
}

/** Exit code from the exec Status; pure. Success is 0, a NonZeroExitCode carries the code. */
export function exitCodeOfStatus(status: unknown): number {
  if (typeof status !== 'object' || status === null) return -1;
  const fields = status as { status?: unknown; details?: { causes?: { reason?: unknown; message?: unknown }[] } };
  if (fields.status === 'Success') return 0;
  const cause = fields.details?.causes?.find((entry) => entry.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : -1;
}

/** A writable that client-node sees as a resizable terminal, so it sends resize messages. */
function terminalSink(columns: number, rows: number): PassThrough & { columns: number; rows: number } {
  return Object.assign(new PassThrough(), { columns, rows });
}

/** Starts `command` in the container with stdin open; resolves once the stream is connected. */
export async function openExecChannel(
  kube: Kube,
  target: ContainerTarget,
  command: string[],
  options: ExecChannelOptions = {},
): Promise<ExecChannel> {
  const tty = options.tty === true;
  // client-node forwards a stdin stream chunk by chunk, each in its own frame and without waiting
  // for the socket; it gets one that stays silent and execStdin writes the frames instead.
  const silentStdin = new PassThrough();
  const terminal = tty ? terminalSink(options.columns ?? 80, options.rows ?? 24) : undefined;
  const stdout = terminal ?? new PassThrough();
  const stderr = new PassThrough();
  let settle: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    settle = resolve;
  });
  let exitCode: number | undefined;
  const { Exec } = await clientNode();
  const socket = await new Exec(kube.config, webSocketConnector(kube.config)).exec(
    target.namespace,
    target.pod,
    target.container,
    command,
    stdout,
    tty ? null : stderr,
    silentStdin,
    tty,
    (status) => {
      exitCode = exitCodeOfStatus(status);
    },
  );
  const stdin: Writable = execStdin(socket);
  const finish = (): void => {
    if (!stdout.writableEnded) stdout.end();
    if (!stderr.writableEnded) stderr.end();
    settle(exitCode ?? -1);
  };
  socket.on('close', finish);
  socket.on('error', () => undefined);
  const close = (): void => {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close();
    finish();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  void exited.then(() => options.signal?.removeEventListener('abort', close));
  // A dropped channel surfaces through `exited`; writes after it must not throw.
  stdin.on('error', () => undefined);
  return {
    stdin,
    stdout,
    stderr,
    exited,
    close,
    resize(columns, rows) {
      if (terminal === undefined) return;
      terminal.columns = columns;
      terminal.rows = rows;
      terminal.emit('resize');
    },
  };
}

export interface RunOptions {
  /** Bytes for stdin; stdin is closed right after. */
  stdin?: string;
  /** Kill the command after this long. Default 60 s. */
  timeoutMs?: number;
  /** Output kept per stream; the rest is dropped. Default 1 MiB. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the timeout ended the command. */
  timedOut: boolean;
}

function capped(stream: NodeJS.ReadableStream, maxBytes: number): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size >= maxBytes) return;
    const piece = chunk.subarray(0, maxBytes - size);
    chunks.push(piece);
    size += piece.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Runs `command` to completion and returns its output and exit code. */
export async function runInContainer(
  kube: Kube,
  target: ContainerTarget,
  command: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const channel = await openExecChannel(kube, target, command, options.signal ? { signal: options.signal } : {});
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const stdout = capped(channel.stdout, maxBytes);
  const stderr = capped(channel.stderr, maxBytes);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    channel.close();
  }, options.timeoutMs ?? 60_000);
  channel.stdin.end(options.stdin ?? '');
  try {
    const exitCode = await channel.exited;
    // The output streams may still hold the last chunks: let them drain.
    await new Promise((resolve) => setImmediate(resolve));
    return { exitCode, stdout: stdout(), stderr: stderr(), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** File sync's transport over Kubernetes exec into one container. */
export function kubeExecTransport(kube: Kube, target: ContainerTarget): SyncTransport {
  return {
    openChannel: (command, signal) => openExecChannel(kube, target, command, signal ? { signal } : {}),
  };
}
