// Upgrades one HTTP(S) connection to the API server to SPDY/3.1 for a streaming subresource, with
// the engine's TLS settings and credentials. Owns the request until the upgrade; the caller owns the socket.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiConnection } from '../webSockets.js';

/** How long the API server has to answer the upgrade request. */
const UPGRADE_TIMEOUT_MS = 30_000;

export type SpdyUpgrade =
  | { upgraded: true; socket: Socket }
  /** Any answer but the expected 101: the status and what the server said, for a message. */
  | { upgraded: false; status: number; message: string };

/** The reason in a Kubernetes Status body, else the start of the body, else the status line. */
function refusalMessage(response: IncomingMessage, body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string' && status.message.length > 0) return status.message;
  } catch {
    // not a Status: fall through
  }
  const text = body.trim().slice(0, 200);
  return text.length > 0 ? text : `HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim();
}

/**
 * POSTs `path` with `Upgrade: SPDY/3.1` and `X-Stream-Protocol-Version: protocol`, as kubectl's
 * direct SPDY dialer does. Resolves with the raw socket on a 101 that names SPDY/3.1 and the
 * protocol, with the refusal otherwise; rejects when the server cannot be reached.
 */
export async function upgradeToSpdy(config: KubeConfig, path: string, protocol: string): Promise<SpdyUpgrade> {
  const { server, options, secure } = await apiConnection(config);
  const requestOptions: RequestOptions = {
    ...(options as RequestOptions),
    method: 'POST',
    headers: {
      ...(options.headers as Record<string, string> | undefined),
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': protocol,
      'Content-Length': '0',
    },
  };
  // A server URL with a path prefix (behind a proxy, say) keeps it.
  const url = new URL(`${server.replace(/\/$/, '')}${path}`);
  return new Promise<SpdyUpgrade>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, requestOptions);
    const timer = setTimeout(
      () => req.destroy(new Error(`the API server at ${server} did not answer the SPDY upgrade in time`)),
      UPGRADE_TIMEOUT_MS,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      clearTimeout(timer);
      const upgrade = String(response.headers.upgrade ?? '').toLowerCase();
      const chosen = String(response.headers['x-stream-protocol-version'] ?? '');
      if (response.statusCode !== 101 || upgrade !== 'spdy/3.1' || chosen !== protocol) {
        socket.destroy();
        resolve({
          upgraded: false,
          status: response.statusCode ?? 0,
          message: `unexpected upgrade to ${upgrade} ${chosen}`,
        });
        return;
      }
      socket.setNoDelay(true);
      if (head.length > 0) socket.unshift(head);
      resolve({ upgraded: true, socket });
    });
    req.on('response', (response: IncomingMessage) => {
      clearTimeout(timer);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      response.on('end', () =>
        resolve({ upgraded: false, status: response.statusCode ?? 0, message: refusalMessage(response, body) }),
      );
      response.on('error', (error) => reject(error));
    });
    req.end();
  });
}
