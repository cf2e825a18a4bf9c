// Attaching a debugger to the process in a dev container.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { WorkloadParams } from './dev.js';
import type { WorkDoneProgressParams } from './progress.js';

/** Params of `debug/start`. */
export interface DebugStartParams extends WorkloadParams, WorkDoneProgressParams {
  /** Debugger flavour. Default: the config's `debug.language`, else from the program's name (node, npm, python3, java, go, dlv). */
  language?: 'node' | 'python' | 'go' | 'java';
  /** Debug port in the container. Default per language (9229, 5678, 2345, 5005). */
  remotePort?: number;
  /** Local port. Default: a free one. */
  localPort?: number;
  /**
   * The program to debug (argv), e.g. `["node", "server.js"]`; the engine adds the debugger per
   * language (Node `--inspect=0.0.0.0:9229`, Java's JDWP agent, `python3 -m debugpy --listen`,
   * `dlv exec --headless` for a binary, `dlv debug --headless` for `go run PACKAGE`). The program
   * runs at once, without waiting for the IDE to attach.
   * Default: the config's debug command, else its run command. @since 0.1
   */
  command?: string[];
  /** Container. Default: the dev session's container, else the first. @since 0.1 */
  container?: string;
}

/** Result of `debug/start`. */
export interface DebugStartResult {
  /** Ready to paste into `.vscode/launch.json` (`type`, `request: attach`, port, path mappings). */
  vscodeLaunchConfig: Record<string, unknown>;
  /** For a JetBrains remote-debug run configuration. */
  jetbrains: { host: string; port: number };
  /** The forward that carries the debug traffic. */
  forwardId: string;
  /** The run of the debugged process; its output is a `logs/lines` stream with this id. @since 0.1 */
  runId: string;
  /** Local port the debugger attaches to. @since 0.1 */
  localPort: number;
}

/**
 * `debug/start` (client → engine): starts the process under its debugger in the dev container and
 * forwards the debug port once the debugger listens. Before starting anything it checks that the
 * container has the debugger (debugpy, dlv, and go for `go run`).
 * Errors: DebuggerNotFound (nothing was started), InvalidParams (no program, unknown language, a
 * `go` subcommand other than `run`, a Python script that is not in the container, a debug port
 * already taken), KubernetesError (the debugger exited or did not listen in
 * time), WorkloadNotFound, ContainerNotFound, PortInUse, Cancelled.
 */
export namespace DebugStart {
  export const method = 'debug/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<DebugStartParams, DebugStartResult, void>(method, ParameterStructures.byName);
}
