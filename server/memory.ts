// Hands memory back after a burst of work, such as the initial sync of a large tree. The engine then
// idles for hours while it watches, and V8 collects only when something allocates, so the burst's
// garbage, and the young generation it grew, would otherwise stay resident all that time.
import { createRequire } from 'node:module';
import type { Session } from 'node:inspector';

let session: Session | null | undefined;
let timer: NodeJS.Timeout | undefined;

// The inspector's collectGarbage is V8's low-memory notification: a compacting collection that also
// shrinks the young generation and returns freed pages. A plain full collection (`gc()`) keeps the
// young generation at the size the burst grew it to, tens of megabytes. The session is in-process;
// nothing listens on a port.
function inspectorSession(): Session | null {
  if (session === undefined) {
    try {
      const inspector = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
      session = new inspector.Session();
      session.connect();
    } catch {
      // A Node.js built without the inspector: memory then goes back as V8 sees fit.
      session = null;
    }
  }
  return session;
}

function collect(): void {
  inspectorSession()?.post('HeapProfiler.collectGarbage', () => undefined);
}

/**
 * A low-memory collection once the engine has been quiet for `quietMs` after the last call, and
 * another `quietMs` later, for what the burst's last callbacks still held the first time.
 */
export function collectAfterBurst(quietMs = 2000): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    collect();
    timer = setTimeout(collect, quietMs);
    timer.unref();
  }, quietMs);
  timer.unref();
}
