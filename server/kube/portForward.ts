// Carries local TCP connections to a pod's port over the Kubernetes port-forward API: one SPDY/3.1
// connection per pod with a stream pair per TCP connection, as kubectl does, or one WebSocket per
// TCP connection (client-node's v4) where the API server refuses SPDY. Owns the SPDY session and
// the WebSockets; the caller owns the sockets' listener.
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { Logger } from '../logger.js';
import { clientNode } from './clientNode.js';
import type { Kube } from './index.js';
import { forwardOverSpdy } from './spdy/portForward.js';
import { SpdySession } from './spdy/session.js';
import { upgradeToSpdy } from './spdy/upgrade.js';
import { webSocketConnector } from './webSockets.js';

/** kubectl's keep-alive period on a port-forward connection. */
const PING_INTERVAL_MS = 10_000;

export interface PodPort {
  namespace: string;
  pod: string;
  port: number;
}

export interface PodConnection {
  /** Resolves when either side closed; with the error text the pod side reported, if any. */
  closed: Promise<string | undefined>;
  close(): void;
}

interface ClosableSocket {
  readyState: number;
  OPEN: number;
  CONNECTING: number;
  close(): void;
  on(event: 'close' | 'error', listener: () => void): unknown;
}

/**
 * Connects `socket` to the pod port over its own WebSocket. Rejects when the stream cannot be
 * opened (pod gone, API unreachable); afterwards errors close the socket and show in `closed`.
 */
export async function connectOverWebSocket(kube: Kube, target: PodPort, socket: Socket): Promise<PodConnection> {
  const input = new PassThrough();
  let podError: string | undefined;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (socket.writable) socket.write(chunk);
      callback();
    },
  });
  const errors = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      podError = (podError ?? '') + chunk.toString('utf8');
      callback();
    },
  });
  // Bytes arriving while the stream opens wait in `input`.
  socket.pause();
  const { PortForward } = await clientNode();
  const ws = (await new PortForward(kube.config, true, webSocketConnector(kube.config)).portForward(
    target.namespace,
    target.pod,
    [target.port],
    output,
    errors,
    input,
  )) as unknown as ClosableSocket;
  let resolveClosed: (reason: string | undefined) => void = () => undefined;
  const closed = new Promise<string | undefined>((resolve) => {
    resolveClosed = resolve;
  });
  const close = (): void => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    if (!socket.destroyed) socket.end();
    input.end();
    resolveClosed(podError);
  };
  ws.on('close', close);
  ws.on('error', close);
  socket.on('data', (chunk: Buffer) => input.write(chunk));
  socket.on('end', close);
  socket.on('close', close);
  socket.on('error', close);
  socket.resume();
  return { closed, close };
}

/** Forwarded connections to one pod, for as long as a forward targets it. */
export interface PodForward {
  /**
   * Carries one accepted local connection to the pod port. Rejects when the pod cannot be reached
   * (gone, API unreachable); afterwards errors close the socket and show in `closed`.
   */
  connect(socket: Socket): Promise<PodConnection>;
  /** Closes the SPDY connection and with it every connection it carries. Idempotent. */
  dispose(): void;
}

/** API servers (by URL) that refused a SPDY upgrade: their forwards use a WebSocket per connection. */
const webSocketOnly = new Set<string>();

function podPath(target: PodPort): string {
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/portforward`;
}

/**
 * Starts forwarding to one pod. The SPDY connection opens with the first local connection and
 * again after it dropped, so a new local connection costs two stream openings, not a handshake.
 */
export function openPodForward(kube: Kube, target: PodPort, log: Logger): PodForward {
  let current: Promise<SpdySession | undefined> | undefined;
  let nextRequestId = 0;
  let disposed = false;

  /** A refusal other than "no such pod" means SPDY does not get through to this cluster. */
  const dial = async (): Promise<SpdySession | undefined> => {
    const result = await upgradeToSpdy(kube.config, podPath(target), 'portforward.k8s.io');
    if (!result.upgraded) {
      if (result.status === 404) throw new Error(`pod ${target.pod} not found: ${result.message}`);
      if (!webSocketOnly.has(kube.server)) {
        webSocketOnly.add(kube.server);
        log.warn(
          { server: kube.server, status: result.status, reason: result.message },
          'the API server refused a SPDY port-forward upgrade; forwarding over one WebSocket per connection for this cluster',
        );
      }
      return undefined;
    }
    const session = new SpdySession(result.socket, {
      role: 'client',
      flowControl: true,
      pingIntervalMs: PING_INTERVAL_MS,
      storedHeaders: true,
    });
    log.debug({ pod: target.pod, port: target.port }, 'SPDY port-forward connection opened');
    if (disposed) session.dispose();
    return session;
  };

  const session = async (): Promise<SpdySession | undefined> => {
    for (;;) {
      if (disposed) throw new Error(`the forward to pod ${target.pod} is closed`);
      if (webSocketOnly.has(kube.server)) return undefined;
      const pending = (current ??= dial());
      let opened: SpdySession | undefined;
      try {
        opened = await pending;
      } catch (error) {
        if (current === pending) current = undefined;
        throw error;
      }
      if (opened === undefined || opened.acceptsStreams) return opened;
      // Dropped or said goodbye: the next connection dials again.
      if (current === pending) current = undefined;
    }
  };

  return {
    async connect(socket) {
      const opened = await session();
      if (opened === undefined) return connectOverWebSocket(kube, target, socket);
      return forwardOverSpdy(opened, target.port, nextRequestId++, socket);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      void current?.then(
        (opened) => opened?.close(),
        () => undefined,
      );
    },
  };
}
