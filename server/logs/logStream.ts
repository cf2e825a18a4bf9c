// One `logs/follow` stream: follows every matching container of the workload's pods, picks up
// new pods from a pod watch, and resumes with sinceTime so no line is sent twice. Owns its readers.
import type { LogLine } from '../../protocol/logs.js';
import type { Kube } from '../kube/index.js';
import { readContainerLog } from '../kube/logs.js';
import type { ContainerLogOptions } from '../kube/logs.js';
import { listWorkloadPods, watchWorkloadPods } from '../kube/pods.js';
import type { PodSummary, WorkloadTarget } from '../kube/pods.js';
import type { Logger } from '../logger.js';
import type { LogBatcher } from './batcher.js';
import { advanceCursor } from './lines.js';
import type { LogCursor, TimedLine } from './lines.js';

export interface LogStreamSpec {
  streamId: string;
  workload: WorkloadTarget;
  pod?: string;
  container?: string;
  tailLines: number;
  follow: boolean;
  previous: boolean;
  sinceSeconds?: number;
}

export class LogStream {
  private readonly abort = new AbortController();
  private readonly followers = new Set<string>();
  private pods = new Map<string, PodSummary>();
  private podsSeen = false;
  private readonly initialPods = new Set<string>();
  private changed: (() => void)[] = [];
  private disposed = false;

  constructor(
    private readonly kube: Kube,
    private readonly spec: LogStreamSpec,
    private readonly batcher: LogBatcher,
    private readonly log: Logger,
    private readonly onEnd: () => void,
  ) {}

  start(): void {
    if (this.spec.follow) {
      watchWorkloadPods(
        this.kube,
        this.spec.workload,
        (pods) => this.podsChanged(pods),
        this.abort.signal,
        (error) => this.log.debug({ err: error, stream: this.spec.streamId }, 'pod watch dropped'),
      );
    } else void this.readOnce();
  }

  /** A negative tailLines means the whole log. */
  private tail(): { tailLines?: number } {
    return this.spec.tailLines >= 0 ? { tailLines: this.spec.tailLines } : {};
  }

  private matches(pod: PodSummary): boolean {
    return this.spec.pod === undefined || pod.name === this.spec.pod;
  }

  private containersOf(pod: PodSummary): string[] {
    return pod.containers.filter((name) => this.spec.container === undefined || name === this.spec.container);
  }

  private async readOnce(): Promise<void> {
    try {
      const pods = (await listWorkloadPods(this.kube, this.spec.workload, this.abort.signal)).filter((pod) =>
        this.matches(pod),
      );
      for (const pod of pods.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
        for (const container of this.containersOf(pod)) {
          if (!pod.started.includes(container)) continue;
          const target = { namespace: this.spec.workload.namespace, pod: pod.name, container };
          const options: ContainerLogOptions = {
            follow: false,
            ...this.tail(),
            ...(this.spec.sinceSeconds !== undefined ? { sinceSeconds: this.spec.sinceSeconds } : {}),
          };
          if (this.spec.previous && (pod.restarts[container] ?? 0) > 0)
            await readContainerLog(
              this.kube,
              target,
              { ...options, previous: true },
              (lines) => this.emit(pod.name, container, lines),
              this.abort.signal,
            );
          await readContainerLog(
            this.kube,
            target,
            options,
            (lines) => this.emit(pod.name, container, lines),
            this.abort.signal,
          );
        }
      }
    } catch (error) {
      this.log.debug({ err: error, stream: this.spec.streamId }, 'log read failed');
    }
    this.finish();
  }

  private async emit(pod: string, container: string, lines: TimedLine[]): Promise<void> {
    for (const line of lines) {
      if (this.batcher.full) await this.batcher.room();
      if (this.disposed) return;
      const entry: LogLine = { pod, container, text: line.text, ...(line.time !== '' ? { time: line.time } : {}) };
      this.batcher.offer(entry);
    }
  }

  private podsChanged(pods: PodSummary[]): void {
    if (this.disposed) return;
    this.pods = new Map(pods.map((pod) => [pod.uid, pod]));
    if (!this.podsSeen) {
      this.podsSeen = true;
      for (const pod of pods) this.initialPods.add(pod.uid);
    }
    for (const wake of this.changed.splice(0)) wake();
    for (const pod of pods) {
      if (!this.matches(pod)) continue;
      for (const container of this.containersOf(pod)) {
        const key = `${pod.uid}/${container}`;
        if (!pod.started.includes(container) || this.followers.has(key)) continue;
        this.followers.add(key);
        void this.followContainer(pod, container);
      }
    }
    // A stream for one named pod ends with that pod.
    if ((this.spec.pod !== undefined || this.spec.workload.kind === 'Pod') && this.followers.size > 0) {
      const alive = pods.some((pod) => this.matches(pod));
      if (!alive) this.finish();
    }
  }

  /** Waits for the next pod change, or at most `ms`. */
  private nextChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.changed.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async followContainer(first: PodSummary, container: string): Promise<void> {
    const target = { namespace: this.spec.workload.namespace, pod: first.name, container };
    const initial = this.initialPods.has(first.uid);
    let cursor: LogCursor | undefined;
    let seenAtCursor = 0;
    const onLines = (lines: TimedLine[]): Promise<void> => {
      const fresh: TimedLine[] = [];
      for (const line of lines) {
        const step = advanceCursor(cursor, seenAtCursor, line.time);
        cursor = step.cursor;
        seenAtCursor = step.seenAtCursorTime;
        if (step.fresh) fresh.push(line);
      }
      return this.emit(first.name, container, fresh);
    };
    try {
      if (initial && this.spec.previous && (first.restarts[container] ?? 0) > 0) {
        await readContainerLog(
          this.kube,
          target,
          { follow: false, previous: true, ...this.tail() },
          (lines) => this.emit(first.name, container, lines),
          this.abort.signal,
        ).catch(() => undefined);
      }
      let failures = 0;
      while (!this.disposed) {
        seenAtCursor = 0;
        const options: ContainerLogOptions =
          cursor !== undefined
            ? { follow: true, sinceTime: cursor.time }
            : initial
              ? {
                  follow: true,
                  ...this.tail(),
                  ...(this.spec.sinceSeconds !== undefined ? { sinceSeconds: this.spec.sinceSeconds } : {}),
                }
              : { follow: true };
        try {
          await readContainerLog(this.kube, target, options, onLines, this.abort.signal);
          failures = 0;
        } catch (error) {
          failures += 1;
          this.log.debug({ err: error, pod: first.name, container }, 'log stream failed');
        }
        // Resume while the container runs (the stream dropped, or it restarted); stop when the pod is gone.
        for (;;) {
          if (this.disposed) return;
          const pod = this.pods.get(first.uid);
          if (pod === undefined || (pod.deleting && !pod.running.includes(container))) return;
          if (pod.running.includes(container)) break;
          await this.nextChange(2000);
        }
        await this.nextChange(Math.min(100 * 2 ** failures, 2000));
      }
    } finally {
      this.followers.delete(`${first.uid}/${container}`);
    }
  }

  private finish(): void {
    if (this.disposed) return;
    this.dispose();
    this.onEnd();
  }

  /** Stops every reader and ends the batch stream; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    for (const wake of this.changed.splice(0)) wake();
    this.batcher.end();
  }
}
