// A live list of one kind in one namespace: a list, then a watch from its resourceVersion, resumed from the
// last version seen after a drop and re-listed only when the server no longer has that version (410 Gone).
import type { Kube } from './index.js';
import { clientNode } from './clientNode.js';

export interface ListedObjects {
  items: unknown[];
  resourceVersion: string;
}

export interface WatchListOptions {
  /** The collection's URL path, e.g. /api/v1/namespaces/shop/pods. */
  path: string;
  query: { labelSelector?: string; fieldSelector?: string };
  /** Lists the collection with the same query; bounded by a timeout, failing with a protocol error. */
  list(signal: AbortSignal): Promise<ListedObjects>;
  /** The whole list after the first list and after each change. */
  onItems(items: unknown[]): void;
  /** A dropped watch or failed re-list, before the back-off; the watch goes on. */
  onError?(error: unknown): void;
}

const firstBackoffMs = 100;
const maxBackoffMs = 5000;

/**
 * Resolves once the first list was delivered (rejects when it fails); then keeps the list current until
 * `signal` aborts.
 */
export async function watchList(kube: Kube, options: WatchListOptions, signal: AbortSignal): Promise<void> {
  const items = new Map<string, unknown>();
  let resourceVersion = '';
  const relist = async (): Promise<void> => {
    const listed = await options.list(signal);
    items.clear();
    for (const item of listed.items) items.set(keyOf(item), item);
    resourceVersion = listed.resourceVersion;
    options.onItems([...items.values()]);
  };
  await relist();
  void follow();

  async function follow(): Promise<void> {
    let backoffMs = firstBackoffMs;
    let gone = false;
    while (!signal.aborted) {
      try {
        if (gone) await relist();
        gone = false;
        await watchOnce((type, object) => {
          backoffMs = firstBackoffMs;
          const version = versionOf(object);
          if (type === 'ERROR') {
            if ((object as { code?: unknown } | undefined)?.code === 410) gone = true;
            return;
          }
          if (version) resourceVersion = version;
          if (type === 'BOOKMARK') return;
          if (type === 'DELETED') items.delete(keyOf(object));
          else items.set(keyOf(object), object);
          options.onItems([...items.values()]);
        });
      } catch (error) {
        if (signal.aborted) return;
        if ((error as { statusCode?: unknown }).statusCode === 410) gone = true;
        options.onError?.(error);
      }
      if (signal.aborted) return;
      await pause(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    }
  }

  async function watchOnce(onEvent: (type: string, object: unknown) => void): Promise<void> {
    const { Watch } = await clientNode();
    let stop: (() => void) | undefined;
    let settled = false;
    try {
      await new Promise<void>((resolve, reject) => {
        void new Watch(kube.config)
          .watch(
            options.path,
            { ...options.query, resourceVersion, allowWatchBookmarks: true },
            onEvent,
            (error: unknown) => (error ? reject(error as Error) : resolve()),
          )
          .then((controller) => {
            stop = () => controller.abort();
            if (signal.aborted || settled) stop();
            else signal.addEventListener('abort', stop, { once: true });
          }, reject);
      });
    } finally {
      settled = true;
      if (stop) signal.removeEventListener('abort', stop);
    }
  }
}

function keyOf(object: unknown): string {
  const metadata = (object as { metadata?: { name?: unknown; uid?: unknown } } | undefined)?.metadata;
  return String(metadata?.uid ?? metadata?.name ?? '');
}

function versionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return typeof version === 'string' && version !== '' ? version : undefined;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
