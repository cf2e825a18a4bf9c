// One-shot commands in a workload's container.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkloadParams } from './dev.js';

/** Params of `exec/run`. */
export interface ExecRunParams extends WorkloadParams {
  /** Command (argv, never a shell string). */
  command: string[];
  /** Container. Default: the dev container, else the first. */
  container?: string;
  /** Bytes for stdin, UTF-8. */
  stdin?: string;
  /** Seconds before the command is killed. Default 60. */
  timeoutSeconds?: number;
}

/** Result of `exec/run`. */
export interface ExecRunResult {
  /** Exit code of the command. */
  exitCode: number;
  /** Stdout, UTF-8 (capped at 1 MiB). */
  stdout: string;
  /** Stderr, UTF-8 (capped at 1 MiB). */
  stderr: string;
}

/** `exec/run` (client → engine): runs a command to completion in a pod of the workload. */
export namespace ExecRun {
  export const method = 'exec/run' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<ExecRunParams, ExecRunResult, void>(method, ParameterStructures.byName);
}
