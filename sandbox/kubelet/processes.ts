// Every host process the kubelet starts (sandbox holders, containers, exec sessions, port-forward
// relays) is spawned through here, so stopping the kubelet can kill each one and wait for it.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface TrackedProcess {
  child: ChildProcess;
  /** Resolves once the process has exited and its stdio closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Other host pids that belong to it (e.g. a sandbox's init); killed with it. */
  extraPids: Set<number>;
}

export class ProcessRegistry {
  private readonly live = new Set<TrackedProcess>();
  private closed = false;

  /** Spawns `argv` (argv array, never a shell string) in its own process group. */
  spawn(argv: string[], options: SpawnOptions): TrackedProcess {
    if (this.closed) throw new Error('the sandbox kubelet is stopping');
    const child = spawn(argv[0]!, argv.slice(1), { ...options, detached: true });
    const tracked: TrackedProcess = {
      child,
      extraPids: new Set(),
      exited: new Promise((resolve) => {
        child.once('close', (code, signal) => resolve({ code, signal }));
        child.once('error', () => resolve({ code: 127, signal: null }));
      }),
    };
    this.live.add(tracked);
    void tracked.exited.then(() => this.live.delete(tracked));
    return tracked;
  }

  /** Kills everything still running and waits for it. Idempotent. */
  async killAll(): Promise<void> {
    this.closed = true;
    const all = [...this.live];
    for (const p of all) killTree(p, 'SIGKILL');
    await Promise.all(all.map((p) => p.exited));
  }
}

/** Signals a tracked process, its process group and its extra pids; errors for gone pids are ignored. */
export function killTree(p: TrackedProcess, signal: NodeJS.Signals): void {
  if (p.child.pid !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
    for (const pid of p.extraPids) tryKill(pid, signal);
    tryKill(-p.child.pid, signal);
    tryKill(p.child.pid, signal);
  }
}

export function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
