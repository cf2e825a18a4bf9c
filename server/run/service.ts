// The engine's runs: supervised processes in dev containers, restarted on request or after a sync
// batch (debounced). Owns every run it starts and stops them at shutdown.
import type { WorkloadRef } from '../../protocol/errors.js';
import type { RunExitedParams } from '../../protocol/run.js';
import type { ContainerTarget } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';
import type { Logger } from '../logger.js';
import type { LogService } from '../logs/service.js';
import { RunProcess } from './runProcess.js';

export interface RunRequest {
  workload: WorkloadRef;
  command: string[];
  restartOnSync: boolean;
  resolveTarget(): Promise<ContainerTarget>;
  /** Run id prefix, e.g. `run` or `debug`. */
  prefix?: string;
}

export interface RunService {
  /** Starts the command; resolves with the run id (also its log stream id) once it runs. */
  start(kube: Kube, request: RunRequest): Promise<string>;
  restart(runId: string): Promise<boolean>;
  stop(runId: string): Promise<number | undefined>;
  /** The exit code of the run's last process once it has exited, else undefined. */
  exitCode(runId: string): number | undefined;
  /** Hot reload: restarts the workload's restartOnSync runs once syncing has been quiet for a moment. */
  restartAfterSync(workload: WorkloadRef): void;
  dispose(): Promise<void>;
}

interface Run {
  process: RunProcess;
  request: RunRequest;
}

const keyOf = (ref: WorkloadRef): string => `${ref.namespace}/${ref.kind}/${ref.name}`;

export function createRunService(
  logs: LogService,
  onExited: (params: RunExitedParams) => void,
  log: Logger,
  options: { debounceMs?: number } = {},
): RunService {
  const runs = new Map<string, Run>();
  const pending = new Map<string, NodeJS.Timeout>();
  const runLog = log.child({ component: 'run' });
  const service: RunService = {
    async start(kube, request) {
      const batcher = logs.batcher(request.prefix ?? 'run');
      const runId = batcher.streamId;
      const process = new RunProcess(
        kube,
        {
          runId,
          command: request.command,
          resolveTarget: request.resolveTarget,
          standby: request.restartOnSync,
        },
        batcher,
        (exitCode, restarting) => onExited({ runId, exitCode, restarting }),
        runLog,
      );
      await process.start();
      runs.set(runId, { process, request });
      return runId;
    },
    async restart(runId) {
      const run = runs.get(runId);
      if (run === undefined) return false;
      await run.process.restart();
      return true;
    },
    async stop(runId) {
      const run = runs.get(runId);
      if (run === undefined) return undefined;
      runs.delete(runId);
      return run.process.stop();
    },
    exitCode(runId) {
      return runs.get(runId)?.process.exitCode;
    },
    restartAfterSync(workload) {
      const key = keyOf(workload);
      clearTimeout(pending.get(key));
      pending.set(
        key,
        setTimeout(() => {
          pending.delete(key);
          for (const [runId, run] of runs) {
            if (run.request.restartOnSync && keyOf(run.request.workload) === key)
              void service
                .restart(runId)
                .catch((error: unknown) => runLog.warn({ err: error, runId }, 'restart failed'));
          }
          // Short: a sync batch has already waited for the editor's burst to end, and restarts
          // requested while one runs fold into one that follows it.
        }, options.debounceMs ?? 10),
      );
    },
    async dispose() {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      const all = [...runs.values()];
      runs.clear();
      // Shutdown must not hang on an unreachable cluster: the trees get a bounded chance to stop.
      await Promise.race([
        Promise.all(all.map((run) => run.process.stop().catch(() => undefined))),
        new Promise((resolve) => setTimeout(resolve, 5000).unref()),
      ]);
    },
  };
  return service;
}
