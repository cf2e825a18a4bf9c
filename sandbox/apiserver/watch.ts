// Serves one watch request: chunked newline-delimited events, replayed from a resourceVersion,
// filtered by namespace and selectors the way the watch cache does, ended gracefully.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonValue, KubeObject } from '../store/objects.js';
import { apiVersionOf, type ResourceType } from '../store/resources.js';
import type { FieldMatcher, LabelMatcher } from '../store/selectors.js';
import type { ObjectStore, WatchEvent } from '../store/store.js';
import { toApiError } from './http.js';

export interface WatchRequest {
  resource: ResourceType;
  namespace?: string;
  labels: LabelMatcher;
  fields: FieldMatcher;
  /** Unset or "0": start with ADDED events for what exists now. */
  resourceVersion?: string;
  allowBookmarks: boolean;
  bookmarkIntervalMs?: number;
  timeoutSeconds?: number;
  /** How an object travels in an event (the object itself, or a one-row Table). */
  encode(object: KubeObject): JsonValue;
}

/** How often a watch gets a BOOKMARK by default; a real server sends about one a minute. */
export const BOOKMARK_INTERVAL_MS = 60_000;

const DEFAULT_TIMEOUT_SECONDS = 1800;

export function serveWatch(store: ObjectStore, req: IncomingMessage, res: ServerResponse, watch: WatchRequest): void {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  const write = (type: string, object: JsonValue): void => {
    if (ended) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const inScope = (object: KubeObject | undefined): boolean =>
    object !== undefined &&
    (!watch.namespace || object.metadata.namespace === watch.namespace) &&
    watch.labels(object.metadata.labels) &&
    watch.fields(object);

  const onEvent = (event: WatchEvent): void => {
    const now = inScope(event.object);
    const before = inScope(event.previous);
    if (event.type === 'ADDED') {
      if (now) write('ADDED', watch.encode(event.object));
    } else if (event.type === 'DELETED') {
      if (now || before) write('DELETED', watch.encode(event.object));
    } else if (now && before) write('MODIFIED', watch.encode(event.object));
    else if (now) write('ADDED', watch.encode(event.object));
    // An object that leaves the selector is gone as far as this watcher can tell.
    else if (before) write('DELETED', watch.encode(event.object));
  };

  const since = watch.resourceVersion;
  try {
    if (since === undefined || since === '' || since === '0') {
      const { items } = store.list(watch.resource, watch.namespace ? { namespace: watch.namespace } : {});
      for (const object of items) if (inScope(object)) write('ADDED', watch.encode(object));
      unsubscribe = store.watch(watch.resource, onEvent);
    } else {
      unsubscribe = store.watch(watch.resource, onEvent, since);
    }
  } catch (error) {
    // Both clients expect an expired resourceVersion as an ERROR event inside a 200 stream.
    const apiError = toApiError(error);
    write('ERROR', apiError.toStatus() as JsonValue);
    end();
    return;
  }

  const timeout = watch.timeoutSeconds && watch.timeoutSeconds > 0 ? watch.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
  timers.push(setTimeout(end, timeout * 1000));
  if (watch.allowBookmarks) {
    const interval = watch.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS;
    const bookmark = (): void => {
      write('BOOKMARK', {
        kind: watch.resource.kind,
        apiVersion: apiVersionOf(watch.resource),
        metadata: { resourceVersion: store.currentResourceVersion() },
      });
      timers[1] = setTimeout(bookmark, interval);
    };
    timers[1] = setTimeout(bookmark, interval);
  }
  req.on('close', end);
  res.on('close', end);
  res.on('error', end);
}
