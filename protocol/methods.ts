// The machine-readable list of every protocol method: the protocol document, the engine's
// capability list and client contract tests read it. A method missing here is a bug.

export type MessageDirection = 'clientToServer' | 'serverToClient';

export interface MethodInfo {
  /** The method string. */
  method: string;
  /** Request (answered) or notification (not answered). */
  kind: 'request' | 'notification';
  /** Who sends it. */
  direction: MessageDirection;
  /** Protocol version that introduced it. */
  since: string;
  /** Name of the params interface in protocol/, when it has params. */
  params?: string;
  /** Name of the result interface in protocol/, when it answers with more than null. */
  result?: string;
  /** One sentence: what it does. */
  summary: string;
}

/** Version of the protocol described by protocol/. */
export const protocolVersion = '0.1.0';

export const methods: readonly MethodInfo[] = [
  {
    method: 'initialize',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'InitializeParams',
    result: 'InitializeResult',
    summary: 'Starts the session: kube context, namespace, client abilities; answers the engine capabilities.',
  },
  {
    method: 'initialized',
    kind: 'notification',
    direction: 'clientToServer',
    since: '0.1.0',
    summary: 'The client received the initialize result (optional).',
  },
  {
    method: 'shutdown',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    summary: 'Stops every session, sync, forward and stream; only `exit` is accepted afterwards.',
  },
  {
    method: 'exit',
    kind: 'notification',
    direction: 'clientToServer',
    since: '0.1.0',
    summary: 'Ends the process: exit code 0 after `shutdown`, 1 otherwise.',
  },
  {
    method: '$/cancelRequest',
    kind: 'notification',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'CancelParams',
    summary: 'Cancels a request in flight; it answers Cancelled (-32800).',
  },
  {
    method: '$/progress',
    kind: 'notification',
    direction: 'serverToClient',
    since: '0.1.0',
    params: 'ProgressParams',
    summary: 'Work-done progress (begin/report/end) for a request that carried a `workDoneToken`.',
  },
  {
    method: 'engine/log',
    kind: 'notification',
    direction: 'serverToClient',
    since: '0.1.0',
    params: 'EngineLogParams',
    summary: 'An engine log line, sent when the client asked for a log level.',
  },
  {
    method: 'engine/state',
    kind: 'notification',
    direction: 'serverToClient',
    since: '0.1.0',
    params: 'EngineStateParams',
    summary: 'A full state snapshot after `initialized` and after every change (dev sessions, sync, forwards).',
  },
  {
    method: 'cluster/contexts',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'ClusterContextsParams',
    result: 'ClusterContextsResult',
    summary: "Lists the kubeconfig's contexts without contacting a cluster.",
  },
  {
    method: 'workloads/list',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'WorkloadsListParams',
    result: 'WorkloadsListResult',
    summary: 'Lists Deployments, StatefulSets, DaemonSets, Pods, Jobs and CronJobs.',
  },
  {
    method: 'dev/start',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'DevStartParams',
    result: 'DevStartResult',
    summary: 'Turns a workload into a dev container and starts sync and forwards.',
  },
  {
    method: 'dev/end',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'DevEndParams',
    result: 'DevEndResult',
    summary: 'Restores a workload from dev mode exactly as it was.',
  },
  {
    method: 'dev/status',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'DevStatusParams',
    result: 'DevStatusResult',
    summary: 'The dev sessions this engine knows of.',
  },
  {
    method: 'dev/reset',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'DevResetParams',
    result: 'DevResetResult',
    summary: 'Restores a workload left in dev mode by a dead engine.',
  },
  {
    method: 'sync/status',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SyncStatusParams',
    result: 'SyncStatusResult',
    summary: 'Sync state of a workload in dev mode.',
  },
  {
    method: 'sync/pause',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SyncPauseParams',
    result: 'SyncStatusResult',
    summary: 'Pauses applying local changes.',
  },
  {
    method: 'sync/resume',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SyncPauseParams',
    result: 'SyncStatusResult',
    summary: 'Resumes syncing and applies queued changes.',
  },
  {
    method: 'sync/verify',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SyncVerifyParams',
    result: 'SyncVerifyResult',
    summary: 'Checksums both sides and lists every differing path.',
  },
  {
    method: 'logs/follow',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'LogsFollowParams',
    result: 'LogsFollowResult',
    summary: 'Opens a log stream over the pods of a workload.',
  },
  {
    method: 'logs/stop',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'LogsStopParams',
    summary: 'Ends a log stream.',
  },
  {
    method: 'logs/lines',
    kind: 'notification',
    direction: 'serverToClient',
    since: '0.1.0',
    params: 'LogLinesParams',
    summary: 'A batch of log lines of a stream.',
  },
  {
    method: 'portForward/start',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'PortForwardStartParams',
    result: 'PortForwardInfo',
    summary: 'Forwards a local port to a pod of a workload.',
  },
  {
    method: 'portForward/stop',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'PortForwardStopParams',
    summary: 'Closes a forward.',
  },
  {
    method: 'portForward/list',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'PortForwardListParams',
    result: 'PortForwardListResult',
    summary: 'Lists the forwards of this engine.',
  },
  {
    method: 'debug/start',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'DebugStartParams',
    result: 'DebugStartResult',
    summary: 'Starts the debugger in the dev container; answers IDE attach settings.',
  },
  {
    method: 'run/start',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'RunStartParams',
    result: 'RunStartResult',
    summary: 'Runs the configured command in the dev container.',
  },
  {
    method: 'run/stop',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'RunStopParams',
    summary: 'Stops a run.',
  },
  {
    method: 'exec/run',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'ExecRunParams',
    result: 'ExecRunResult',
    summary: 'Runs a command to completion in a container.',
  },
  {
    method: 'sandbox/up',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SandboxParams',
    result: 'SandboxInfo',
    summary: 'Starts the local sandbox cluster.',
  },
  {
    method: 'sandbox/down',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SandboxParams',
    result: 'SandboxDownResult',
    summary: 'Stops the sandbox cluster.',
  },
  {
    method: 'sandbox/status',
    kind: 'request',
    direction: 'clientToServer',
    since: '0.1.0',
    params: 'SandboxParams',
    result: 'SandboxInfo',
    summary: 'Whether the sandbox runs and how to reach it.',
  },
];
