// Carries one local TCP connection to a pod's port over the Kubernetes port-forward API
// (client-node, WebSocket v4). Owns the WebSocket; the caller owns the socket's listener.
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { clientNode } from './clientNode.js';
import type { Kube } from './index.js';
import { webSocketConnector } from './webSockets.js';

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
 * Connects `socket` to the pod port. Rejects when the stream cannot be opened (pod gone, API
 * unreachable); afterwards errors close the socket and show in `closed`.
 */
export async function connectToPod(kube: Kube, target: PodPort, socket: Socket): Promise<PodConnection> {
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
