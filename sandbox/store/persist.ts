// Keeps the store on disk so a sandbox's objects survive `down`/`up`: a JSON snapshot written
// atomically (temp file + rename), debounced so a burst of writes costs one file write.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ObjectStore, StoreSnapshot } from './store.js';

export function loadSnapshot(file: string): StoreSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as StoreSnapshot;
  if (typeof parsed.resourceVersion !== 'number' || typeof parsed.objects !== 'object') return undefined;
  return parsed;
}

export function saveSnapshot(file: string, snapshot: StoreSnapshot): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify(snapshot));
  renameSync(temp, file);
}

/** Writes the store to `file` at most every `delayMs` while it changes; `flush()` writes now. */
export function persistStore(store: ObjectStore, file: string, delayMs = 200): { flush(): void } {
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    saveSnapshot(file, store.snapshot());
  };
  store.setChangeHook(() => {
    timer ??= setTimeout(flush, delayMs);
  });
  return { flush };
}
