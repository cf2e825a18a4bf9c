// Dispatches every request and notification: enforces the lifecycle (ServerNotInitialized before
// initialize, InvalidRequest after shutdown), checks params, answers Cancelled the moment a request
// is cancelled, and turns stray exceptions into errors instead of crashes.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import type { CancellationToken, MessageConnection, RequestType, RequestType0 } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, notSupportedYet } from '../protocol/errors.js';
import { raceCancellation } from './cancellation.js';
import type { Logger } from './logger.js';
import type { Session } from './session.js';

type Handler = (raw: unknown, token: CancellationToken) => unknown;

export interface Router {
  /** Registers an implemented request: `parse` checks the params, `handler` does the work. */
  request<P, R, E>(
    type: RequestType<P, R, E>,
    parse: (raw: unknown) => P,
    handler: (params: P, token: CancellationToken) => Promise<R> | R,
  ): void;
  /** Registers an implemented request without params. */
  request0<R, E>(type: RequestType0<R, E>, handler: (token: CancellationToken) => Promise<R> | R): void;
  /** Registers a defined method the engine does not implement yet: it answers NotSupportedYet. */
  notSupported(method: string): void;
  notification(method: string, handler: (raw: unknown) => void): void;
  /** Every implemented method, for the initialize capabilities. */
  implemented(): string[];
  listen(connection: MessageConnection): void;
}

export function createRouter(session: Session, log: Logger): Router {
  const requests = new Map<string, Handler>();
  const unsupported = new Set<string>();
  const notifications = new Map<string, (raw: unknown) => void>();

  function gate(method: string): void {
    if (session.phase === 'uninitialized' && method !== 'initialize') {
      throw new ResponseError(ErrorCodes.ServerNotInitialized, `${method} before initialize: send initialize first`);
    }
    if (session.phase === 'running' && method === 'initialize') {
      throw new ResponseError(ErrorCodes.InvalidRequest, 'initialize was already received');
    }
    if (session.phase === 'shutdown') {
      throw new ResponseError(ErrorCodes.InvalidRequest, `${method} after shutdown: only exit is accepted now`);
    }
  }

  async function dispatch(method: string, raw: unknown, token: CancellationToken): Promise<unknown> {
    const started = performance.now();
    try {
      gate(method);
      const handler = requests.get(method);
      if (handler === undefined) {
        if (unsupported.has(method)) throw notSupportedYet(method);
        throw new ResponseError(ErrorCodes.MethodNotFound, `Unknown method ${method}`);
      }
      const result = await raceCancellation(
        Promise.resolve().then(() => handler(raw, token)),
        token,
      );
      log.debug({ method, ms: Math.round(performance.now() - started) }, 'request done');
      return result ?? null;
    } catch (error) {
      if (error instanceof ResponseError) {
        log.debug({ method, code: error.code, ms: Math.round(performance.now() - started) }, error.message);
        throw error;
      }
      log.error({ method, err: error }, 'request failed unexpectedly');
      const message = error instanceof Error ? error.message : String(error);
      throw new ResponseError(ErrorCodes.InternalError, `${method} failed: ${message}`);
    }
  }

  return {
    request(type, parse, handler) {
      requests.set(type.method, (raw, token) => handler(parse(raw), token));
    },
    request0(type, handler) {
      requests.set(type.method, (_raw, token) => handler(token));
    },
    notSupported(method) {
      unsupported.add(method);
    },
    notification(method, handler) {
      notifications.set(method, handler);
    },
    implemented() {
      return [...requests.keys(), ...notifications.keys()].sort();
    },
    listen(connection) {
      connection.onRequest((method, raw, token) => dispatch(method, raw, token));
      connection.onNotification((method, raw) => {
        const handler = notifications.get(method);
        // LSP: notifications before initialize are dropped, except exit.
        if (handler === undefined || (session.phase === 'uninitialized' && method !== 'exit')) {
          log.debug({ method }, 'notification ignored');
          return;
        }
        try {
          handler(raw);
        } catch (error) {
          log.error({ method, err: error }, 'notification handler failed');
        }
      });
    },
  };
}
