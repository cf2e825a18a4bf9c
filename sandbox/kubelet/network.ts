// A pod's network namespace: a holder process (the "pause container") owning a loopback-only
// namespace that all of the pod's containers join, and TCP dials into it for port-forward and probes.

import { Duplex } from 'node:stream';
import { killTree, type ProcessRegistry, type TrackedProcess } from './processes.js';

export const BWRAP = '/usr/bin/bwrap';
export const NSENTER = '/usr/bin/nsenter';
export const SOCAT = '/usr/bin/socat';

/**
 * Without root, each pod gets its own user namespace (where the kubelet is root) and everything
 * else happens inside it; as root, namespaces are made directly.
 */
export const ROOTLESS = typeof process.getuid === 'function' && process.getuid() !== 0;

/** Reads bwrap's --info-fd JSON and returns the sandboxed child's host pid. */
export function readChildPid(p: TrackedProcess): Promise<number> {
  const info = p.child.stdio[3];
  return new Promise((resolve, reject) => {
    if (!info) return reject(new Error('no info pipe'));
    let text = '';
    info.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    info.on('error', () => undefined);
    void p.exited.then(({ code, signal }) => reject(new Error(`sandbox process exited early (${signal ?? code})`)));
  });
}

export class PodNetwork {
  private closed = false;

  private constructor(
    private readonly holder: TrackedProcess,
    /** Host pid of a process inside the namespace. */
    readonly pid: number,
    readonly hostNetwork: boolean,
  ) {}

  static async start(registry: ProcessRegistry, hostNetwork = false): Promise<PodNetwork> {
    // bwrap brings up `lo` in the fresh namespace; the IPC namespace is shared by the pod too.
    const unshareNet = hostNetwork ? [] : ['--unshare-net'];
    const unshareUser = ROOTLESS ? ['--unshare-user', '--uid', '0', '--gid', '0'] : [];
    const holder = registry.spawn(
      [
        BWRAP,
        '--die-with-parent',
        ...unshareUser,
        ...unshareNet,
        '--unshare-ipc',
        '--ro-bind',
        '/',
        '/',
        '--info-fd',
        '3',
        '--',
        '/usr/bin/sleep',
        'infinity',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    holder.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const pid = await readChildPid(holder);
      holder.extraPids.add(pid);
      return new PodNetwork(holder, pid, hostNetwork);
    } catch (error) {
      killTree(holder, 'SIGKILL');
      throw new Error(`cannot create the pod network namespace: ${stderr.trim() || (error as Error).message}`);
    }
  }

  get netns(): string {
    return `/proc/${this.pid}/ns/net`;
  }

  /** nsenter options that join the pod's namespaces (its user namespace first when rootless). */
  enter(withIpc: boolean): string[] {
    // Our own uid is root in that namespace already; setgroups is denied there.
    const user = ROOTLESS ? [`--user=/proc/${this.pid}/ns/user`, '--preserve-credentials'] : [];
    // hostNetwork pods are in the kubelet's own network namespace already.
    const net = this.hostNetwork ? [] : [`--net=${this.netns}`];
    return [NSENTER, ...user, ...net, ...(withIpc ? [`--ipc=${this.ipcns}`] : [])];
  }

  get ipcns(): string {
    return `/proc/${this.pid}/ns/ipc`;
  }

  get alive(): boolean {
    return !this.closed && this.holder.child.exitCode === null && this.holder.child.signalCode === null;
  }

  /**
   * A TCP connection to 127.0.0.1:port inside the namespace; rejects when the port refuses.
   * The pod's EOF closes the relay's stdout at once (shut-close), as the kubelet ends the stream:
   * a pipe cannot be half shut, and socat would otherwise hold it open for its whole `-t` second.
   */
  dial(registry: ProcessRegistry, port: number, timeoutMs = 5000): Promise<Duplex> {
    const relay = registry.spawn(
      [
        ...this.enter(false),
        '--',
        SOCAT,
        '-d',
        '-d',
        '-t',
        '1',
        'STDIO,shut-close',
        `TCP4:127.0.0.1:${port},connect-timeout=${timeoutMs / 1000}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      let stderr = '';
      let settled = false;
      const onData = (chunk: Buffer): void => {
        stderr += chunk.toString();
        if (!settled && stderr.includes('starting data transfer loop')) {
          settled = true;
          resolve(new RelayStream(relay));
        }
      };
      relay.child.stderr!.on('data', onData);
      void relay.exited.then(() => {
        if (settled) return;
        settled = true;
        const reason = /E (.*)$/m.exec(stderr)?.[1] ?? stderr.trim();
        const refused = /refused/i.test(reason);
        reject(
          new Error(
            refused
              ? `connect to 127.0.0.1:${port} in the pod: connection refused`
              : `connect to 127.0.0.1:${port} in the pod failed: ${reason}`,
          ),
        );
      });
    });
  }

  /** Kills the holder; the namespace goes with its last process. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    killTree(this.holder, 'SIGKILL');
    await this.holder.exited;
  }
}

/** A relay process's stdio as one byte stream; destroying it kills the relay. */
class RelayStream extends Duplex {
  constructor(private readonly relay: TrackedProcess) {
    super();
    const out = relay.child.stdout!;
    out.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) out.pause();
    });
    out.on('end', () => this.push(null));
    relay.child.stdin!.on('error', () => undefined);
  }

  override _read(): void {
    this.relay.child.stdout!.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.relay.child.stdin!.write(chunk, (err) => callback(err ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.relay.child.stdin!.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    killTree(this.relay, 'SIGKILL');
    callback(error);
  }
}
