// Whether the engine holding a dev-mode lease is known to be dead: an engine id names its host and pid, so
// a holder on this machine whose process is gone (SIGKILL, crash) need not wait for its lease to expire.
import { hostname } from 'node:os';

/** True only when the holder ran on this host and its process no longer exists; false when unsure. */
export function holderIsDead(holder: string | undefined, ownEngineId: string): boolean {
  const match = holder === undefined ? null : /^(.*)-(\d+)-[0-9a-f]{8}$/.exec(holder);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  // Same process, another engine id: an engine that ran earlier in this process is gone.
  if (pid === process.pid) return holder !== ownEngineId;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
