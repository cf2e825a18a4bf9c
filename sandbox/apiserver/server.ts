// The sandbox's HTTPS API server: TLS (HTTP/1.1 only), authentication, dispatch of discovery,
// OpenAPI, REST and the streaming upgrades. Owns the listening socket and every open connection.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { PodStreams } from '../kubelet/api.js';
import { ApiError } from '../store/errors.js';
import { handleExecUpgrade, handlePortForwardUpgrade } from '../streams/handlers.js';
import { resourceByPlural } from '../store/resources.js';
import type { ObjectStore } from '../store/store.js';
import { isAuthorized, needsAuth, unauthorized } from './auth.js';
import type { ServingMaterial } from './certs.js';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
  wantsAggregatedDiscovery,
} from './discovery.js';
import { rejectUpgrade, sendError, sendJson, sendText, toApiError } from './http.js';
import { machinery } from './machinery.js';
import { handleResource } from './rest.js';
import { notFoundPath, resolveRoute, type ResourceRoute } from './routes.js';

export interface ApiServerOptions {
  store: ObjectStore;
  material: ServingMaterial;
  /** The kubelet's streams for log/exec/attach/portforward; without them those answer 503. */
  streams?: PodStreams;
  host?: string;
  /** 0 or missing: any free port. */
  port?: number;
  /** Interval of watch BOOKMARK events (default about a minute). */
  bookmarkIntervalMs?: number;
  /** Told about every 5xx answer, for the sandbox's log. */
  onError?: (error: unknown, request: { method: string; url: string }) => void;
  /** Answers direct SPDY/3.1 port-forward upgrades with 400, like a proxy that cannot pass them (tests). */
  refuseSpdyPortForward?: boolean;
}

export interface ApiServer {
  /** e.g. https://127.0.0.1:6443 */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PODS = resourceByPlural('pods');

function sendAggregated(res: ServerResponse, body: unknown): void {
  sendJson(res, 200, body, { 'Content-Type': AGGREGATED_DISCOVERY_TYPE });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const upgraded = new Set<Duplex>();
  let address = `${host}:0`;

  const server: Server = createServer({
    cert: options.material.certPem,
    key: options.material.keyPem,
    requestCert: false,
    ALPNProtocols: ['http/1.1'],
  });

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
    if (needsAuth(url.pathname) && !isAuthorized(req.headers.authorization, options.material.token))
      throw unauthorized();
    const route = resolveRoute(url.pathname);
    if (route.kind !== 'resource' && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    switch (route.kind) {
      case 'version':
        return sendJson(res, 200, versionInfo());
      case 'health':
        return sendText(res, 200, 'ok');
      case 'apiVersions':
        if (wantsAggregatedDiscovery(req.headers.accept)) return sendAggregated(res, aggregatedDiscovery(true));
        return sendJson(res, 200, apiVersions(address));
      case 'apiGroupList':
        if (wantsAggregatedDiscovery(req.headers.accept)) return sendAggregated(res, aggregatedDiscovery(false));
        return sendJson(res, 200, apiGroupList());
      case 'apiGroup':
        return sendJson(res, 200, apiGroup(route.group));
      case 'resourceList':
        return sendJson(res, 200, apiResourceList(route.group, route.version));
      case 'openapiV2': {
        const doc = machinery.openApiV2();
        if (!Buffer.isBuffer(doc)) return sendJson(res, 200, doc);
        res.writeHead(200, {
          'Content-Type': 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
          'Content-Length': doc.length,
        });
        res.end(doc);
        return;
      }
      case 'openapiV3': {
        const doc = route.path === '' ? machinery.openApiV3Index() : machinery.openApiV3Document(route.path);
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, doc);
      }
      case 'resource':
        if (req.headers.upgrade && isStreamRoute(route)) {
          return upgrade(req, req.socket, Buffer.alloc(0), url, route);
        }
        return handleResource({
          ctx: {
            store: options.store,
            machinery,
            streams: options.streams,
            bookmarkIntervalMs: options.bookmarkIntervalMs,
          },
          req,
          res,
          route,
          query: url.searchParams,
        });
    }
  };

  const isStreamRoute = (route: ResourceRoute): boolean =>
    route.resource === PODS && ['exec', 'attach', 'portforward'].includes(route.subresource ?? '');

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, route: ResourceRoute): void => {
    const namespace = route.namespace ?? '';
    const pod = route.name ?? '';
    options.store.get(PODS, namespace, pod);
    if (!options.streams) {
      throw new ApiError(503, 'ServiceUnavailable', 'the sandbox kubelet is not running');
    }
    if (route.subresource === 'portforward' && options.refuseSpdyPortForward && /^spdy\//i.test(req.headers.upgrade ?? '')) {
      throw new ApiError(400, 'BadRequest', 'this sandbox refuses SPDY port-forward upgrades (refuseSpdyPortForward)');
    }
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    if (route.subresource === 'portforward') {
      handlePortForwardUpgrade(req, socket, head, { namespace, pod, query: url.searchParams }, options.streams);
    } else {
      const subresource = route.subresource === 'attach' ? 'attach' : 'exec';
      handleExecUpgrade(req, socket, head, { namespace, pod, query: url.searchParams, subresource }, options.streams);
    }
  };

  const report = (error: unknown, req: IncomingMessage): void => {
    if (toApiError(error).code >= 500) options.onError?.(error, { method: req.method ?? '', url: req.url ?? '' });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res).catch((error: unknown) => {
      report(error, req);
      // The body may be unread; drain it so the connection stays usable.
      req.resume();
      sendError(res, error);
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
      if (!isAuthorized(req.headers.authorization, options.material.token)) throw unauthorized();
      const route = resolveRoute(url.pathname);
      if (route.kind !== 'resource' || !isStreamRoute(route)) {
        throw new ApiError(400, 'BadRequest', 'this resource does not support protocol upgrades');
      }
      upgrade(req, socket, head, url, route);
    } catch (error) {
      report(error, req);
      rejectUpgrade(socket, error);
    }
  });

  server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
  server.on('clientError', (_error: Error, socket: Duplex) => {
    if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  address = `${host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      });
      return closing;
    },
  };
}
