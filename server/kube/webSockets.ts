// The WebSocket connections under exec and port-forward (client-node's Exec and PortForward take
// this in place of their own handler). Owns one TLS agent per kubeconfig; the callers own the sockets.
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

/**
 * client-node builds a new TLS agent for every connection, so each exec and each forwarded TCP
 * connection paid a full TLS handshake and parsed the CA and client certificates again. One agent
 * and one TLS context per kubeconfig let later connections resume the TLS session with what was
 * parsed once. Compression is not offered: the API server's streams do not use it.
 */
export function webSocketConnector(config: KubeConfig): WebSocketConnector {
  const cached = connectors.get(config);
  if (cached !== undefined) return cached;
  let agent: Agent | undefined;
  let secureContext: SecureContext | undefined;
  const connector: WebSocketConnector = {
    async connect(path, textHandler, binaryHandler) {
      const server = config.getCurrentCluster()?.server;
      if (server === undefined) throw new Error('The kubeconfig defines no cluster for its current context');
      const options: WebSocket.ClientOptions = {};
      await config.applyToHTTPSOptions(options);
      agent ??= options.agent;
      if (server.startsWith('https:')) secureContext ??= createSecureContext(options);
      // Loaded on first use, like client-node itself: engine start-up does not pay for it.
      const { default: WebSocketClient } = await import('ws');
      const ws = new WebSocketClient(`${server.replace(/^http/, 'ws')}${path}`, protocols, {
        ...options,
        ...(agent !== undefined ? { agent } : {}),
        ...(secureContext !== undefined ? { secureContext } : {}),
        perMessageDeflate: false,
        // Over plain HTTP (kubectl proxy, say) an intermediary may read the frames: keep ws's random keys.
        ...(secureContext !== undefined ? { generateMask: zeroMask } : {}),
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
