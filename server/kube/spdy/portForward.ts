// One local TCP connection carried over a port-forward SPDY session, as kubectl does it: an error
// stream and a data stream under a fresh requestID. Owns the two streams; the caller owns the session.
import type { Socket } from 'node:net';
import type { PodConnection } from '../portForward.js';
import type { SpdySession, SpdyStream } from './session.js';

/** How long the error stream may stay open after the connection ended before it is reset. */
const ERROR_STREAM_GRACE_MS = 1_000;

function ended(stream: SpdyStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
  });
}

/**
 * Pipes `socket` both ways over a new stream pair for `port`. Local EOF half-closes the data
 * stream (FIN) and the pod's EOF ends the socket; text on the error stream (nothing listening on
 * the pod port, say) ends the connection and shows in `closed`.
 */
export function forwardOverSpdy(session: SpdySession, port: number, requestId: number, socket: Socket): PodConnection {
  const headers = { port: String(port), requestid: String(requestId) };
  const errorStream = session.openStream({ streamtype: 'error', ...headers });
  const dataStream = session.openStream({ streamtype: 'data', ...headers });
  // The client never writes on the error stream: half-close it at once, as kubectl does.
  errorStream.end();
  let podError = '';
  errorStream.on('data', (chunk: Buffer) => (podError += chunk.toString('utf8')));
  errorStream.on('error', () => undefined);
  dataStream.on('error', () => undefined);

  const close = (): void => {
    socket.destroy();
    dataStream.destroy();
    errorStream.destroy();
  };
  // The pod side reported an error: the data stream carries nothing more worth waiting for.
  errorStream.on('end', () => {
    if (podError.length === 0) return;
    if (!socket.destroyed) socket.end();
    dataStream.destroy();
  });
  // Reset by the server or lost with the session before its end: the connection is cut.
  dataStream.on('close', () => {
    if (!dataStream.readableEnded) socket.destroy();
  });
  socket.on('error', () => dataStream.destroy());
  socket.on('close', () => {
    if (!dataStream.writableFinished || !dataStream.readableEnded) dataStream.destroy();
  });
  socket.pipe(dataStream);
  dataStream.pipe(socket);

  const closed = new Promise<string | undefined>((resolve) => {
    socket.once('close', () => {
      const timer = setTimeout(() => errorStream.destroy(), ERROR_STREAM_GRACE_MS);
      void ended(errorStream).then(() => {
        clearTimeout(timer);
        resolve(podError.length > 0 ? podError : undefined);
      });
    });
  });
  return { closed, close };
}
