// The streaming connections to the API server: the WebSocket under exec and port-forward (client-node's
// Exec and PortForward take this in place of their own handler) and the TLS settings the SPDY
// upgrade shares. Owns one TLS agent per kubeconfig; the callers own the sockets.
import type { Agent } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import type { ClientNode } from './clientNode.js';

/** What client-node's Exec and PortForward call to open their WebSocket. */
export type WebSocketConnector = NonNullable<ConstructorParameters<ClientNode['Exec']>[1]>;

const protocols = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
/** The channel byte that v5 uses to close a stream; the callers see the end through the socket instead. */
const closeStreamChannel = 255;

// Masking guards browsers' HTTP proxies against frames crafted to look like requests; inside TLS to
// the API server no intermediary reads the frames, and the key protects nothing. An all-zero key makes ws skip
// masking, which in plain JS cost more CPU than everything else on the way of a large upload.
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

const connectors = new WeakMap<KubeConfig, WebSocketConnector>();

interface SharedTls {
  agent: Agent | undefined;
  secureContext: SecureContext | undefined;
}

const sharedTls = new WeakMap<KubeConfig, SharedTls>();

/** What a streaming connection to the API server needs: its URL and request options. */
export interface ApiConnection {
  server: string;
  /** CA, client certificate, credentials (bearer token, exec plugin, basic auth), the shared agent and TLS context. */
  options: WebSocket.ClientOptions;
  /** Whether the connection runs over TLS (not over plain HTTP such as `kubectl proxy`). */
  secure: boolean;
}

/**
 * client-node builds a new TLS agent for every connection, so each exec and each forwarded TCP
 * connection paid a full TLS handshake and parsed the CA and client certificates again. One agent
 * and one TLS context per kubeconfig let later connections resume the TLS session with what was
 * parsed once. Credentials are applied on every call: exec plugins and tokens may rotate.
 */
export async function apiConnection(config: KubeConfig): Promise<ApiConnection> {
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('The kubeconfig defines no cluster for its current context');
  const options: WebSocket.ClientOptions = {};
  await config.applyToHTTPSOptions(options);
  let shared = sharedTls.get(config);
  if (shared === undefined) {
    shared = { agent: options.agent, secureContext: undefined };
    sharedTls.set(config, shared);
  }
  const secure = server.startsWith('https:');
  if (secure) shared.secureContext ??= createSecureContext(options);
  return {
    server,
    secure,
    options: {
      ...options,
      ...(shared.agent !== undefined ? { agent: shared.agent } : {}),
      ...(shared.secureContext !== undefined ? { secureContext: shared.secureContext } : {}),
    },
  };
}

/** Compression is not offered: the API server's streams do not use it. */
export function webSocketConnector(config: KubeConfig): WebSocketConnector {
  const cached = connectors.get(config);
  if (cached !== undefined) return cached;
  const connector: WebSocketConnector = {
    async connect(path, textHandler, binaryHandler) {
      const { server, options, secure } = await apiConnection(config);
      // Loaded on first use, like client-node itself: engine start-up does not pay for it.
      const { default: WebSocketClient } = await import('ws');
      const ws = new WebSocketClient(`${server.replace(/^http/, 'ws')}${path}`, protocols, {
        ...options,
        perMessageDeflate: false,
        // Over plain HTTP (kubectl proxy, say) an intermediary may read the frames: keep ws's random keys.
        ...(secure ? { generateMask: zeroMask } : {}),
      });
      return new Promise((resolve, reject) => {
        let opened = false;
        ws.on('open', () => {
          opened = true;
          resolve(ws);
        });
        // After the open, failures show as the socket's close, which the callers watch.
        ws.on('error', (error) => {
          if (!opened) reject(error);
        });
        ws.on('message', (data: Buffer, isBinary) => {
          if (!isBinary) {
            if (textHandler !== null && !textHandler(data.toString('utf8'))) ws.close();
            return;
          }
          const channel = data[0];
          if (channel === undefined || channel === closeStreamChannel) return;
          if (binaryHandler !== null && !binaryHandler(channel, data.subarray(1))) ws.close();
        });
      });
    },
  };
  connectors.set(config, connector);
  return connector;
}
