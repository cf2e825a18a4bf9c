// Entry points for the streaming subresources (exec, attach, portforward) on an HTTP upgrade:
// picks the wire protocol (WebSocket channels, SPDY/3.1, or SPDY tunnelled in a WebSocket),
// answers refusals as Status responses and hands the upgraded connection to exec.ts/portforward.ts.

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import WebSocket, { WebSocketServer, createWebSocketStream } from 'ws';
import type { ContainerProcess, PodStreams } from '../kubelet/api.js';
import { ApiError, badRequest } from '../store/errors.js';
import {
  negotiate,
  negotiateExecProtocol,
  offeredProtocols,
  PORT_FORWARD_TUNNEL_PROTOCOL,
  PORT_FORWARD_WEBSOCKET_PROTOCOL,
  type ExecProtocol,
} from './channels.js';
import { parseExecQuery, serveSpdyExec, serveWebSocketExec, type ExecRequest } from './exec.js';
import {
  parsePorts,
  servePortForwardStreams,
  serveWebSocketPortForward,
  type PortForwardTarget,
} from './portforward.js';
import { SpdySession, type SpdyStream } from '../../server/kube/spdy/session.js';

export interface ExecTarget {
  namespace: string;
  pod: string;
  query: URLSearchParams;
  subresource: 'exec' | 'attach';
  /** Aborted when the pod goes away: the process is stopped and its Status ends the session. */
  signal?: AbortSignal;
}

export interface PortForwardUpgradeTarget {
  namespace: string;
  pod: string;
  query: URLSearchParams;
  /** The pod's uid, quoted in port-forward error messages like the kubelet does. */
  uid?: string;
  /** Aborted when the pod goes away: the session closes, so kubectl exits as with a real cluster. */
  signal?: AbortSignal;
}

/** Runs `onAbort` once when `signal` aborts, unless `closed` settles first. */
function onPodGone(signal: AbortSignal | undefined, closed: Promise<unknown>, onAbort: () => void): void {
  if (!signal) return;
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  void closed.finally(() => signal.removeEventListener('abort', onAbort));
}

function closedOf(emitter: { once(event: 'close', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

const SPDY_EXEC_PROTOCOLS: readonly ExecProtocol[] = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
const SPDY_PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** The subprotocol chosen for each request before ws completes the handshake. */
const chosenProtocols = new WeakMap<IncomingMessage, string>();

const webSockets = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
  handleProtocols: (_offered, request) => chosenProtocols.get(request) ?? false,
});

function upgradeKind(req: IncomingMessage): 'websocket' | 'spdy' | undefined {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade === 'spdy/3.1') return 'spdy';
  return undefined;
}

/** Refuses the upgrade with a plain HTTP Status response, which both clients decode. */
function refuse(socket: Duplex, error: unknown): void {
  const apiError =
    error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${String(error)}`);
  const body = JSON.stringify(apiError.toStatus());
  socket.end(
    `HTTP/1.1 ${apiError.code} ${STATUS_CODES[apiError.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Completes a direct SPDY/3.1 upgrade and returns the session over the raw socket. */
function acceptSpdy(
  socket: Duplex,
  head: Buffer,
  protocol: string,
  onStream: (stream: SpdyStream) => void,
): SpdySession {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Connection: Upgrade\r\n' +
      'Upgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  if (head.length > 0) socket.unshift(head);
  return new SpdySession(socket, { onStream });
}

function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string | undefined,
  onOpen: (ws: WebSocket) => void,
): void {
  if (protocol) chosenProtocols.set(req, protocol);
  webSockets.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => ws.terminate());
    onOpen(ws);
  });
}

/**
 * Takes over the output at once: Node discards a child's unread output when it exits, and the
 * client's streams may arrive after that. The PassThrough is bounded like any pipe.
 */
function holdOutput(started: ContainerProcess): ContainerProcess {
  const hold = (source: Readable | null): Readable | null => {
    if (!source) return null;
    const held = new PassThrough();
    source.on('error', () => held.end());
    return source.pipe(held);
  };
  return {
    stdin: started.stdin,
    stdout: hold(started.stdout),
    stderr: hold(started.stderr),
    resize: (columns, rows) => started.resize(columns, rows),
    exited: started.exited,
    kill: () => started.kill(),
  };
}

/** A 4xx from the kubelet is answered before upgrading; anything else becomes a Status on the error stream. */
async function startProcess(start: () => Promise<ContainerProcess>): Promise<ContainerProcess | Error> {
  try {
    return holdOutput(await start());
  } catch (error) {
    if (error instanceof ApiError && error.code < 500) throw error;
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** pods/exec and pods/attach: WebSocket (v5 … channel.k8s.io) or SPDY/3.1 remotecommand. */
export function handleExecUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ExecTarget,
  streams: PodStreams,
): void {
  socket.on('error', () => socket.destroy());
  const kind = upgradeKind(req);
  let request: ExecRequest;
  let protocol: ExecProtocol | undefined;
  try {
    request = parseExecQuery(target.query, target.subresource);
    if (kind === 'websocket') {
      const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
      // No subprotocol at all is the original channel protocol.
      protocol = offered.length === 0 ? 'channel.k8s.io' : negotiateExecProtocol(offered);
      if (!protocol) throw badRequest(`unable to upgrade: no supported subprotocol among ${offered.join(', ')}`);
    } else if (kind === 'spdy') {
      const offered = offeredProtocols(req.headers['x-stream-protocol-version']);
      protocol =
        offered.length === 0 ? 'channel.k8s.io' : (negotiate(offered, SPDY_EXEC_PROTOCOLS) as ExecProtocol | undefined);
      if (!protocol) throw badRequest(`unable to upgrade: no supported stream protocol among ${offered.join(', ')}`);
    } else {
      throw badRequest('Upgrade request required');
    }
  } catch (error) {
    refuse(socket, error);
    return;
  }
  const chosen = protocol;
  const { command, container, options } = request;
  const start = (): Promise<ContainerProcess> =>
    target.subresource === 'exec'
      ? streams.exec(target.namespace, target.pod, container, command, options)
      : streams.attach(target.namespace, target.pod, container, options);

  void startProcess(start).then(
    (containerProcess) => {
      if (socket.destroyed) {
        if (!(containerProcess instanceof Error)) containerProcess.kill();
        return;
      }
      if (!(containerProcess instanceof Error)) {
        onPodGone(target.signal, closedOf(socket), () => containerProcess.kill());
      }
      if (kind === 'websocket') {
        const headerProtocol = req.headers['sec-websocket-protocol'] ? chosen : undefined;
        acceptWebSocket(req, socket, head, headerProtocol, (ws) =>
          serveWebSocketExec(ws, chosen, containerProcess, command),
        );
      } else {
        let handler: (stream: SpdyStream) => void = (stream) => stream.reset();
        const session = acceptSpdy(socket, head, chosen, (stream) => handler(stream));
        handler = serveSpdyExec(session, chosen, options, containerProcess, command);
      }
    },
    (error: unknown) => refuse(socket, error),
  );
}

/** pods/portforward: client-node's WebSocket v4, kubectl's SPDY-in-WebSocket tunnel, or direct SPDY/3.1. */
export function handlePortForwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: PortForwardUpgradeTarget,
  streams: PodStreams,
): void {
  socket.on('error', () => socket.destroy());
  const pod: PortForwardTarget = {
    namespace: target.namespace,
    pod: target.pod,
    ...(target.uid ? { uid: target.uid } : {}),
  };
  const kind = upgradeKind(req);
  try {
    if (kind === 'websocket') {
      const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
      if (offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
        acceptWebSocket(req, socket, head, PORT_FORWARD_TUNNEL_PROTOCOL, (ws) => {
          const transport = createWebSocketStream(ws);
          transport.on('error', () => transport.destroy());
          const session = new SpdySession(transport, {
            onStream: servePortForwardStreams(pod, streams),
            endTransport: () => ws.close(1000),
          });
          onPodGone(target.signal, session.closed, () => session.close());
        });
        return;
      }
      // The kubelet serves port-forward on v4 (or no subprotocol) only, whatever else is offered.
      const protocol = offered.length === 0 ? undefined : negotiate(offered, [PORT_FORWARD_WEBSOCKET_PROTOCOL]);
      if (offered.length > 0 && !protocol)
        throw badRequest(`unable to upgrade: no supported subprotocol among ${offered.join(', ')}`);
      const ports = parsePorts(target.query);
      acceptWebSocket(req, socket, head, protocol, (ws) => {
        onPodGone(target.signal, closedOf(ws), () => ws.close(1000));
        serveWebSocketPortForward(ws, pod, ports, streams);
      });
      return;
    }
    if (kind === 'spdy') {
      const offered = offeredProtocols(req.headers['x-stream-protocol-version']);
      if (offered.length > 0 && !offered.includes(SPDY_PORT_FORWARD_PROTOCOL)) {
        throw badRequest(`unable to upgrade: no supported stream protocol among ${offered.join(', ')}`);
      }
      const session = acceptSpdy(socket, head, SPDY_PORT_FORWARD_PROTOCOL, servePortForwardStreams(pod, streams));
      onPodGone(target.signal, session.closed, () => session.close());
      return;
    }
    throw badRequest('Upgrade request required');
  } catch (error) {
    refuse(socket, error);
  }
}
