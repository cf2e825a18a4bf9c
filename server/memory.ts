// Hands memory back after a burst of work, such as the initial sync of a large tree. The engine then
// idles for hours while it watches, and V8 collects only when something allocates, so the burst's
// garbage would otherwise stay resident all that time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;
let timer: NodeJS.Timeout | undefined;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      // The flag makes `gc` available to contexts created after it; the engine's own globals are unchanged.
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/**
 * A full collection once the engine has been quiet for `quietMs` after the last call, and another
 * `quietMs` later: V8 gives back the young generation the burst grew only when a collection sees a
 * low allocation rate, which the first one, right after the burst, does not.
 */
export function collectAfterBurst(quietMs = 2000): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    collector()?.();
    timer = setTimeout(() => collector()?.(), quietMs);
    timer.unref();
  }, quietMs);
  timer.unref();
}
