// One supervised process in a container: started through exec in its own session, its output
// streamed as log lines, stopped as a whole tree (TERM, then KILL) before a restart. Owns its execs.
import type { Logger } from '../logger.js';
import type { LogBatcher } from '../logs/batcher.js';
import { LineSplitter } from '../logs/lines.js';
import { openExecChannel, runInContainer } from '../kube/exec.js';
import type { ContainerTarget, ExecChannel } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';

/** `exec "$@"` as a session leader that records its pid in the file named by $0. */
const startLeader = `exec setsid -w sh -c 'echo $$ > "$0"; exec "$@"' "$0" "$@"`;

/**
 * Shell functions: `stop_tree FILE` signals the process group recorded in FILE with TERM, then KILL
 * after `graceTenths` tenths of a second, and returns once the group is gone (checked every 10 ms,
 * so a quick exit is noticed at once). Zombies count as gone: orphans of a PID 1 that does not
 * reap stay listed forever.
 */
function stopTreeFunctions(graceTenths: number): string[] {
  return [
    'alive() {',
    '  for s in /proc/[0-9]*/stat; do',
    '    read -r _ _ st _ pg _ < "$s" 2>/dev/null || continue',
    '    [ "$pg" = "$1" ] && [ "$st" != Z ] && return 0',
    '  done',
    '  return 1',
    '}',
    'stop_tree() {',
    '  p=$(cat "$1" 2>/dev/null) || return 0',
    '  [ -n "$p" ] || return 0',
    '  kill -TERM -"$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null',
    '  i=0',
    '  while alive "$p"; do',
    '    i=$((i+1))',
    `    if [ "$i" -ge ${graceTenths * 10} ]; then kill -KILL -"$p" 2>/dev/null; break; fi`,
    '    sleep 0.01',
    '  done',
    '  rm -f "$1"',
    '}',
  ];
}

/** Starts `command` as a session leader and records its pid, so the whole tree can be signalled. */
export function supervisedCommand(pidFile: string, command: readonly string[]): string[] {
  return ['sh', '-c', startLeader, pidFile, ...command];
}

/** Stops the tree recorded in the pid file (see stopTreeFunctions). */
export function stopTreeCommand(pidFile: string, graceTenths: number): string[] {
  return ['sh', '-c', [...stopTreeFunctions(graceTenths), 'stop_tree "$0"'].join('\n'), pidFile];
}

/**
 * The next start, waiting in the container: on a line on stdin it stops the recorded tree and
 * starts `command` in its place; on end of input it leaves without doing anything. A restart is
 * then one write on a channel already open instead of two exec round trips. The line `running`
 * says the old process has not exited: its pid file may be a moment from being written.
 */
export function standbyCommand(pidFile: string, graceTenths: number, command: readonly string[]): string[] {
  const script = [
    'read -r old || exit 0',
    'i=0',
    'while [ "$old" = running ] && [ ! -s "$0" ] && [ "$i" -lt 200 ]; do i=$((i+1)); sleep 0.01; done',
    ...stopTreeFunctions(graceTenths),
    'stop_tree "$0"',
    startLeader,
  ];
  return ['sh', '-c', script.join('\n'), pidFile, ...command];
}

export interface RunSpec {
  runId: string;
  command: string[];
  /** Finds the container now (the dev pod may have been replaced since the last start). */
  resolveTarget(): Promise<ContainerTarget>;
  /** Grace before KILL, in tenths of a second. Default 100 (10 s). */
  graceTenths?: number;
  /** Keeps the next start open in the container (see standbyCommand), for runs restarted often. */
  standby?: boolean;
}

/** One started process: its exec channel and where it runs. */
interface Generation {
  channel: ExecChannel;
  target: ContainerTarget;
  /** Set once a restart replaces it: its exit is then reported as restarting. */
  replaced: boolean;
  exited: boolean;
}

/** A standby start (see standbyCommand) and whether its channel still stands. */
interface Standby {
  target: ContainerTarget;
  channel: Promise<ExecChannel | undefined>;
  open: boolean;
}

/** The channel's exit code once it ends, or -1 after `ms`; the channel is closed either way. */
async function ended(channel: ExecChannel, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      channel.exited,
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), ms))),
    ]);
  } finally {
    clearTimeout(timer);
    channel.close();
  }
}

const sameContainer = (a: ContainerTarget, b: ContainerTarget): boolean =>
  a.namespace === b.namespace && a.pod === b.pod && a.container === b.container;

export class RunProcess {
  private current: Generation | undefined;
  private standby: Standby | undefined;
  private queuedRestart: Promise<void> | undefined;
  private restarts: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastExit: number | undefined;

  constructor(
    private readonly kube: Kube,
    private readonly spec: RunSpec,
    private readonly batcher: LogBatcher,
    private readonly onExit: (exitCode: number, restarting: boolean) => void,
    private readonly log: Logger,
  ) {}

  /** Exit code of the current process once it has exited; cleared when it starts again. */
  get exitCode(): number | undefined {
    return this.lastExit;
  }

  private get pidFile(): string {
    return `/tmp/.podloop-run-${this.spec.runId}.pid`;
  }

  private get graceTenths(): number {
    return this.spec.graceTenths ?? 100;
  }

  /** Starts the process; rejects when the container cannot be reached. */
  async start(): Promise<void> {
    const target = await this.spec.resolveTarget();
    const channel = await openExecChannel(this.kube, target, supervisedCommand(this.pidFile, this.spec.command));
    channel.stdin.end();
    this.adopt({ channel, target, replaced: false, exited: false });
    this.prepareStandby(target);
  }

  /** Makes `generation` the current process: its output becomes log lines, its exit is reported. */
  private adopt(generation: Generation): void {
    this.current = generation;
    this.lastExit = undefined;
    const { channel, target } = generation;
    const pipe = (stream: NodeJS.ReadableStream): void => {
      const splitter = new LineSplitter();
      const emit = (lines: string[]) => {
        const time = new Date().toISOString();
        for (const text of lines) this.batcher.offer({ pod: target.pod, container: target.container, text, time });
      };
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => emit(splitter.push(chunk)));
      stream.on('end', () => emit(splitter.flush()));
    };
    pipe(channel.stdout);
    pipe(channel.stderr);
    void channel.exited.then((exitCode) => {
      generation.exited = true;
      this.lastExit = exitCode;
      this.log.info({ run: this.spec.runId, exitCode }, 'run exited');
      this.onExit(exitCode, generation.replaced);
    });
  }

  /** Opens the next start in the background; a failure only means the next restart execs anew. */
  private prepareStandby(target: ContainerTarget): void {
    if (this.spec.standby !== true || this.stopped) return;
    const command = standbyCommand(this.pidFile, this.graceTenths, this.spec.command);
    const standby: Standby = { target, open: true, channel: Promise.resolve(undefined) };
    standby.channel = openExecChannel(this.kube, target, command).then(
      (channel) => {
        void channel.exited.then(() => (standby.open = false));
        return channel;
      },
      (error: unknown) => {
        standby.open = false;
        this.log.debug({ err: error, run: this.spec.runId }, 'could not prepare the next start');
        return undefined;
      },
    );
    this.standby = standby;
  }

  /** Closes the standby start, if any: its end of input makes it leave; resolves once it has. */
  private async dropStandby(): Promise<void> {
    const standby = this.standby;
    this.standby = undefined;
    const channel = await standby?.channel;
    if (channel === undefined) return;
    channel.stdin.end();
    await ended(channel, 5000);
  }

  /** The standby start for `target` if it still stands; it is no longer the standby. */
  private async takeStandby(target: ContainerTarget): Promise<ExecChannel | undefined> {
    const standby = this.standby;
    if (standby === undefined || !sameContainer(standby.target, target)) {
      void this.dropStandby();
      return undefined;
    }
    this.standby = undefined;
    const channel = await standby.channel;
    return standby.open ? channel : undefined;
  }

  private async stopTree(): Promise<number | undefined> {
    const generation = this.current;
    if (generation === undefined) return this.lastExit;
    try {
      await runInContainer(this.kube, generation.target, stopTreeCommand(this.pidFile, this.graceTenths), {
        timeoutMs: 20_000,
      });
    } catch (error) {
      this.log.debug({ err: error, run: this.spec.runId }, 'stopping the process tree failed');
    }
    return ended(generation.channel, 5000);
  }

  /**
   * Stops the process tree and starts the command again. Restarts run one at a time, and requests
   * made while one runs share the single restart that follows it.
   */
  restart(): Promise<void> {
    if (this.queuedRestart !== undefined) return this.queuedRestart;
    const queued = this.restarts.then(() => {
      this.queuedRestart = undefined;
      return this.restartNow();
    });
    this.queuedRestart = queued;
    this.restarts = queued.catch(() => undefined);
    return queued;
  }

  private async restartNow(): Promise<void> {
    if (this.stopped) return;
    const old = this.current;
    if (old !== undefined) old.replaced = true;
    const target = await this.spec.resolveTarget();
    const channel = await this.takeStandby(target);
    if (channel === undefined || old === undefined) {
      await this.stopTree();
      if (!this.stopped) await this.start();
      return;
    }
    // The standby stops the old tree itself (TERM, then KILL), then starts the command in its place.
    channel.stdin.end(old.exited ? 'exited\n' : 'running\n');
    await ended(old.channel, (this.graceTenths + 50) * 100);
    this.adopt({ channel, target, replaced: false, exited: false });
    this.prepareStandby(target);
  }

  /** Stops the process tree and ends the output stream; idempotent. */
  async stop(): Promise<number | undefined> {
    if (this.stopped) return this.lastExit;
    this.stopped = true;
    const dropped = this.dropStandby();
    // A restart under way finishes first, so the tree it started is the one stopped here.
    await this.restarts;
    const exitCode = await this.stopTree();
    await dropped;
    this.batcher.end();
    return exitCode;
  }
}
