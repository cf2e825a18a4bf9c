// pods/portforward once the connection is upgraded: client-node's WebSocket v4 channel pairs and
// kubectl's SPDY stream pairs (over a WebSocket tunnel or a direct upgrade), each pair bridged to
// one TCP connection into the pod that the kubelet (PodStreams) opens.

import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { PodStreams } from '../kubelet/api.js';
import { badRequest } from '../store/errors.js';
import { decodeChannelFrame, encodePortPrefix } from './channels.js';
import { RstStatus } from '../../server/kube/spdy/frames.js';
import type { SpdyStream } from '../../server/kube/spdy/session.js';
import { pumpToChannel, sendChannel, writeToSink } from './websocket-io.js';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  /** Appears in error messages, as the kubelet reports them. */
  uid?: string;
}

/** The `ports` query (repeated or comma-separated); throws a 400 ApiError when invalid. */
export function parsePorts(query: URLSearchParams): number[] {
  const ports = query
    .getAll('ports')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0)
    .map((value) => {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw badRequest(`invalid port "${value}"`);
      return port;
    });
  if (ports.length === 0) throw badRequest('query parameter "port" is required');
  return ports;
}

/** The text the kubelet writes on the error stream when the pod port cannot be reached. */
export function forwardingError(target: PortForwardTarget, port: number, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return `error forwarding port ${port} to pod ${target.pod}, uid ${target.uid ?? ''}: ${reason}`;
}

/**
 * Serves client-node's protocol: data on channel 2i and errors on 2i+1 for the i-th port, each
 * channel opened by the port number as uint16 LE; one pod connection per port, and the WebSocket
 * closes once every connection is done.
 */
export function serveWebSocketPortForward(
  ws: WebSocket,
  target: PortForwardTarget,
  ports: number[],
  streams: PodStreams,
): void {
  const sockets: (Duplex | undefined)[] = ports.map(() => undefined);
  let remaining = ports.length;
  const connectionDone = (): void => {
    remaining--;
    if (remaining === 0) ws.close(1000);
  };
  ports.forEach((port, i) => {
    sendChannel(ws, 2 * i, encodePortPrefix(2 * i, port).subarray(1));
    sendChannel(ws, 2 * i + 1, encodePortPrefix(2 * i + 1, port).subarray(1));
  });

  // Hold client data until every connection is dialled, so none of it is dropped.
  ws.pause();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const message = decodeChannelFrame(data, false);
    if (message.kind !== 'data' || message.channel % 2 !== 0) return;
    const socket = sockets[message.channel / 2];
    if (socket) writeToSink(ws, socket, message.payload);
  });
  ws.on('close', () => {
    for (const socket of sockets) socket?.destroy();
  });

  const dials = ports.map(async (port, i) => {
    try {
      const socket = await streams.portForward(target.namespace, target.pod, port);
      if (ws.readyState !== ws.OPEN) {
        socket.destroy();
        return;
      }
      sockets[i] = socket;
      socket.on('error', () => socket.destroy());
      void pumpToChannel(ws, 2 * i, socket).then(() => {
        socket.destroy();
        connectionDone();
      });
    } catch (error) {
      sendChannel(ws, 2 * i + 1, Buffer.from(forwardingError(target, port, error)));
      connectionDone();
    }
  });
  void Promise.all(dials).then(() => ws.resume());
}

/** How long a request's error and data streams may arrive apart (the kubelet's streamCreationTimeout). */
const STREAM_PAIR_TIMEOUT_MS = 30_000;
/** After the client stopped sending, how long an idle pod connection may stay before it is closed. */
const HALF_CLOSED_IDLE_MS = 1_000;

interface StreamPair {
  port: number;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * Returns the stream handler for a kubectl port-forward SPDY session: pairs `error` and `data`
 * streams by `requestid`, dials the pod for each pair, and reports a failed dial on the error stream.
 */
export function servePortForwardStreams(target: PortForwardTarget, streams: PodStreams): (stream: SpdyStream) => void {
  const pairs = new Map<string, StreamPair>();

  return (stream: SpdyStream) => {
    const type = stream.headers['streamtype'];
    const port = Number(stream.headers['port']);
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535) {
      stream.reset(RstStatus.ProtocolError);
      return;
    }
    // Very old clients send no requestid: the error stream comes first, its data stream two ids later.
    const requestId = stream.headers['requestid'] ?? String(type === 'error' ? stream.id : stream.id - 2);
    stream.reply();
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        const current = created;
        const message = `timed out waiting for streams of request ${requestId}`;
        current.error?.end(message);
        current.data?.end();
      }, STREAM_PAIR_TIMEOUT_MS);
      timer.unref();
      const created: StreamPair = { port, timer };
      pair = created;
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      stream.reset(RstStatus.ProtocolError);
      return;
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      pairs.delete(requestId);
      clearTimeout(pair.timer);
      void forwardPair(target, streams, port, pair.error, pair.data);
    }
  };
}

async function forwardPair(
  target: PortForwardTarget,
  streams: PodStreams,
  port: number,
  errorStream: SpdyStream,
  dataStream: SpdyStream,
): Promise<void> {
  // The client half-closes the error stream at once; read it so it never holds the session back.
  errorStream.resume();
  errorStream.on('error', () => undefined);
  dataStream.on('error', () => undefined);
  let socket: Duplex;
  try {
    socket = await streams.portForward(target.namespace, target.pod, port);
  } catch (error) {
    errorStream.end(forwardingError(target, port, error));
    dataStream.end();
    return;
  }
  if (dataStream.destroyed) {
    socket.destroy();
    return;
  }
  bridge(socket, dataStream, errorStream);
}

/** Copies both ways; the pod's EOF FINs the data stream and then the error stream. */
function bridge(socket: Duplex, dataStream: SpdyStream, errorStream: SpdyStream): void {
  let idleTimer: NodeJS.Timeout | undefined;
  let clientDone = false;
  const close = (): void => {
    clearTimeout(idleTimer);
    socket.destroy();
    // Whatever the client still sends is dropped, so the shared connection never stalls on it.
    dataStream.unpipe(socket);
    dataStream.resume();
    if (!dataStream.writableEnded) dataStream.end();
    if (!errorStream.writableEnded) errorStream.end();
  };
  const armIdleTimer = (): void => {
    if (!clientDone) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(close, HALF_CLOSED_IDLE_MS);
  };
  socket.on('error', close);
  socket.on('data', armIdleTimer);
  socket.on('close', close);
  dataStream.on('close', () => {
    clearTimeout(idleTimer);
    socket.destroy();
  });
  dataStream.on('end', () => {
    clientDone = true;
    armIdleTimer();
  });
  dataStream.pipe(socket);
  socket.pipe(dataStream, { end: false });
  socket.on('end', () => {
    dataStream.end();
    errorStream.end();
  });
}
