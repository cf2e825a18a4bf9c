// One supervised process in a container: started through exec in its own session, its output
// streamed as log lines, stopped as a whole tree (TERM, then KILL) before a restart. Owns its exec.
import type { Logger } from '../logger.js';
import type { LogBatcher } from '../logs/batcher.js';
import { LineSplitter } from '../logs/lines.js';
import { openExecChannel, runInContainer } from '../kube/exec.js';
import type { ContainerTarget, ExecChannel } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';

/** Starts `command` as a session leader and records its pid, so the whole tree can be signalled. */
export function supervisedCommand(pidFile: string, command: readonly string[]): string[] {
  return ['setsid', '-w', 'sh', '-c', 'echo $$ > "$0"; exec "$@"', pidFile, ...command];
}

/**
 * Signals the recorded process group: TERM, then KILL after `graceTenths` tenths of a second
 * (checked every 20 ms, so a quick exit is noticed at once).
 * Zombies count as gone: orphans of a PID 1 that does not reap stay listed forever.
 */
export function stopTreeCommand(pidFile: string, graceTenths: number): string[] {
  const script = [
    'p=$(cat "$0" 2>/dev/null) || exit 0',
    '[ -n "$p" ] || exit 0',
    'alive() {',
    '  for s in /proc/[0-9]*/stat; do',
    '    read -r _ _ st _ pg _ < "$s" 2>/dev/null || continue',
    '    [ "$pg" = "$p" ] && [ "$st" != Z ] && return 0',
    '  done',
    '  return 1',
    '}',
    'kill -TERM -"$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null',
    'i=0',
    'while alive; do',
    '  i=$((i+1))',
    `  if [ "$i" -ge ${graceTenths * 5} ]; then kill -KILL -"$p" 2>/dev/null; break; fi`,
    '  sleep 0.02',
    'done',
    'rm -f "$0"',
  ].join('\n');
  return ['sh', '-c', script, pidFile];
}

export interface RunSpec {
  runId: string;
  command: string[];
  /** Finds the container now (the dev pod may have been replaced since the last start). */
  resolveTarget(): Promise<ContainerTarget>;
  /** Grace before KILL, in tenths of a second. Default 100 (10 s). */
  graceTenths?: number;
}

export class RunProcess {
  private channel: ExecChannel | undefined;
  private target: ContainerTarget | undefined;
  private restarting = false;
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

  /** Starts the process; rejects when the container cannot be reached. */
  async start(): Promise<void> {
    const target = await this.spec.resolveTarget();
    this.target = target;
    this.lastExit = undefined;
    const channel = await openExecChannel(this.kube, target, supervisedCommand(this.pidFile, this.spec.command));
    this.channel = channel;
    channel.stdin.end();
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
      if (this.channel !== channel) return;
      this.lastExit = exitCode;
      this.log.info({ run: this.spec.runId, exitCode }, 'run exited');
      this.onExit(exitCode, this.restarting);
    });
  }

  private async stopTree(): Promise<number | undefined> {
    const channel = this.channel;
    const target = this.target;
    if (channel === undefined || target === undefined) return this.lastExit;
    try {
      await runInContainer(this.kube, target, stopTreeCommand(this.pidFile, this.spec.graceTenths ?? 100), {
        timeoutMs: 20_000,
      });
    } catch (error) {
      this.log.debug({ err: error, run: this.spec.runId }, 'stopping the process tree failed');
    }
    const exitCode = await Promise.race([
      channel.exited,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
    ]);
    channel.close();
    return exitCode;
  }

  /** Stops the process tree and starts the command again. */
  async restart(): Promise<void> {
    if (this.stopped) return;
    this.restarting = true;
    try {
      await this.stopTree();
    } finally {
      this.restarting = false;
    }
    if (!this.stopped) await this.start();
  }

  /** Stops the process tree and ends the output stream; idempotent. */
  async stop(): Promise<number | undefined> {
    if (this.stopped) return this.lastExit;
    this.stopped = true;
    const exitCode = await this.stopTree();
    this.batcher.end();
    return exitCode;
  }
}
