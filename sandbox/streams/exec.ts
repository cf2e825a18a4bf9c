// pods/exec and pods/attach once the connection is upgraded: the WebSocket channel protocol
// (channel.k8s.io … v5) and the SPDY remotecommand protocol, plus the Status objects the kubelet
// writes on the error stream. The process itself comes from the kubelet (PodStreams).

import type { Readable } from 'node:stream';
import type WebSocket from 'ws';
import type { ContainerProcess, ExecOptions } from '../kubelet/api.js';
import { ApiError, badRequest } from '../store/errors.js';
import {
  decodeChannelFrame,
  ERROR,
  execProtocolFeatures,
  parseQueryBool,
  ResizeDecoder,
  RESIZE,
  STDERR,
  STDIN,
  STDOUT,
  type ExecProtocol,
} from './channels.js';
import type { SpdySession, SpdyStream } from '../../server/kube/spdy/session.js';
import { pumpToChannel, sendChannel, writeToSink } from './websocket-io.js';

export interface ExecRequest {
  command: string[];
  container: string | undefined;
  options: ExecOptions;
}

/** Reads the exec/attach query the way the API server does; throws a 400 ApiError when invalid. */
export function parseExecQuery(query: URLSearchParams, subresource: 'exec' | 'attach'): ExecRequest {
  const flag = (name: keyof ExecOptions): boolean => {
    const value = parseQueryBool(query.get(name));
    if (value === undefined) throw badRequest(`invalid value for ${name}: ${JSON.stringify(query.get(name))}`);
    return value;
  };
  const options: ExecOptions = {
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
  // With a TTY stderr is merged into stdout, as the kubelet does.
  if (options.tty) options.stderr = false;
  const command = query.getAll('command');
  if (subresource === 'exec' && command.length === 0) throw badRequest('you must specify at least 1 command');
  if (!options.stdin && !options.stdout && !options.stderr) {
    throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  return { command, container: query.get('container') ?? undefined, options };
}

export type Status = Record<string, unknown>;

/** The Status the kubelet writes when the process ended with `exitCode`. */
export function exitStatus(exitCode: number, command: readonly string[]): Status {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  const what =
    command.length > 0
      ? `error executing command [${command.join(' ')}], exit code ${exitCode}`
      : `exit code ${exitCode}`;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${what}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The Status for a failure to run the process at all. */
export function failureStatus(error: unknown): Status {
  if (error instanceof ApiError) return error.toStatus();
  const message = error instanceof Error ? error.message : String(error);
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** v4+ send the Status as JSON; older protocols send only a failure's message as text. */
function encodeStatus(status: Status, statusJson: boolean): Buffer | undefined {
  if (statusJson) return Buffer.from(JSON.stringify(status));
  if (status.status === 'Success') return undefined;
  return Buffer.from(typeof status.message === 'string' ? status.message : 'error');
}

/** Resolves with the final Status once the process ended and all its output was handed on. */
async function finalStatus(
  containerProcess: ContainerProcess,
  outputs: Promise<void>[],
  command: readonly string[],
): Promise<Status> {
  try {
    const [{ exitCode }] = await Promise.all([containerProcess.exited, ...outputs]);
    return exitStatus(exitCode, command);
  } catch (error) {
    return failureStatus(error);
  }
}

/**
 * Serves an upgraded WebSocket: stdin on 0 (v5 CLOSE ends it), stdout 1, stderr 2, resize 4, then
 * the Status on 3 and a normal close. `containerProcess` is an Error when starting it failed.
 */
export function serveWebSocketExec(
  ws: WebSocket,
  protocol: ExecProtocol,
  containerProcess: ContainerProcess | Error,
  command: readonly string[],
): void {
  const features = execProtocolFeatures(protocol);
  const finish = (status: Status): void => {
    const payload = encodeStatus(status, features.statusJson);
    if (payload) sendChannel(ws, ERROR, payload);
    ws.close(1000);
  };
  if (containerProcess instanceof Error) {
    finish(failureStatus(containerProcess));
    return;
  }
  // The kubelet opens with an empty message on the lowest channel it will write.
  sendChannel(ws, containerProcess.stdout ? STDOUT : containerProcess.stderr ? STDERR : ERROR);

  const resize = new ResizeDecoder();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const message = decodeChannelFrame(data, features.close);
    if (message.kind === 'close') {
      if (message.channel === STDIN) containerProcess.stdin?.end();
    } else if (message.kind === 'data') {
      if (message.channel === STDIN && containerProcess.stdin) writeToSink(ws, containerProcess.stdin, message.payload);
      else if (message.channel === RESIZE && features.resize) {
        for (const size of resize.push(message.payload)) containerProcess.resize(size.width, size.height);
      }
    }
  });
  let exited = false;
  ws.on('close', () => {
    // The client is gone: its stdin has ended and nobody will read the output any more.
    containerProcess.stdin?.end();
    if (!exited) containerProcess.kill();
  });
  containerProcess.stdin?.on('error', () => undefined);

  const outputs = [pumpOutput(ws, STDOUT, containerProcess.stdout), pumpOutput(ws, STDERR, containerProcess.stderr)];
  void finalStatus(containerProcess, outputs, command).then((status) => {
    exited = true;
    finish(status);
  });
}

function pumpOutput(ws: WebSocket, channel: number, source: Readable | null): Promise<void> {
  return source ? pumpToChannel(ws, channel, source) : Promise.resolve();
}

/** How long the client has to open every stream it asked for (the kubelet's streamCreationTimeout). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

type SpdyExecStreams = Partial<Record<'error' | 'stdin' | 'stdout' | 'stderr' | 'resize', SpdyStream>>;

/**
 * Serves the SPDY remotecommand protocol on an established session: waits for the client's
 * error/stdin/stdout/stderr/resize streams, wires them to the process, then writes the Status on
 * the error stream and closes the session.
 */
export function serveSpdyExec(
  session: SpdySession,
  protocol: ExecProtocol,
  options: ExecOptions,
  containerProcess: ContainerProcess | Error,
  command: readonly string[],
): (stream: SpdyStream) => void {
  const features = execProtocolFeatures(protocol);
  const expected = new Set<keyof SpdyExecStreams>(['error']);
  if (options.stdin) expected.add('stdin');
  if (options.stdout) expected.add('stdout');
  if (options.stderr && !options.tty) expected.add('stderr');
  if (options.tty && features.resize) expected.add('resize');
  const streams: SpdyExecStreams = {};
  let started = false;

  const timer = setTimeout(() => {
    if (started) return;
    if (!(containerProcess instanceof Error)) containerProcess.kill();
    session.dispose();
  }, STREAM_CREATION_TIMEOUT_MS);
  timer.unref();
  let finished = false;
  void session.closed.then(() => {
    clearTimeout(timer);
    // The client went away before the process ended.
    if (!(containerProcess instanceof Error) && !finished) {
      containerProcess.stdin?.end();
      containerProcess.kill();
    }
  });

  const start = (): void => {
    started = true;
    clearTimeout(timer);
    const errorStream = streams.error!;
    const finish = (status: Status): void => {
      const payload = encodeStatus(status, features.statusJson);
      if (payload) errorStream.write(payload);
      errorStream.end(() => session.close());
    };
    if (containerProcess instanceof Error) {
      for (const stream of Object.values(streams)) if (stream !== errorStream) stream.end();
      finish(failureStatus(containerProcess));
      return;
    }
    const stdin = streams.stdin;
    if (stdin && containerProcess.stdin) {
      const sink = containerProcess.stdin;
      sink.on('error', () => undefined);
      // Once the process stops reading, drop the rest so the shared connection never stalls on it.
      sink.once('close', () => {
        stdin.unpipe(sink);
        stdin.resume();
      });
      stdin.pipe(sink);
    } else stdin?.resume();
    if (streams.resize) {
      const decoder = new ResizeDecoder();
      streams.resize.on('data', (chunk: Buffer) => {
        for (const size of decoder.push(chunk)) containerProcess.resize(size.width, size.height);
      });
    }
    errorStream.resume();
    const outputs = [
      copyOutput(containerProcess.stdout, streams.stdout),
      copyOutput(containerProcess.stderr, streams.stderr),
    ];
    void finalStatus(containerProcess, outputs, command).then((status) => {
      finished = true;
      finish(status);
    });
  };

  return (stream: SpdyStream) => {
    const type = stream.headers['streamtype'] as keyof SpdyExecStreams | undefined;
    if (!type || !expected.has(type) || streams[type] || started) {
      stream.reset();
      return;
    }
    stream.reply();
    streams[type] = stream;
    if (Object.keys(streams).length === expected.size) start();
  };
}

/** Copies process output onto a SPDY stream and FINs it; resolves when everything was written. */
function copyOutput(source: Readable | null, target: SpdyStream | undefined): Promise<void> {
  if (!source) {
    target?.end();
    return Promise.resolve();
  }
  if (!target) {
    source.resume();
    return new Promise((resolve) => {
      source.once('end', resolve);
      source.once('close', resolve);
    });
  }
  return new Promise((resolve) => {
    source.pipe(target);
    target.once('finish', resolve);
    target.once('close', resolve);
    source.once('error', () => target.end());
    source.once('close', () => {
      if (!target.writableEnded) target.end();
    });
  });
}
