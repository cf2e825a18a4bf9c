// The composition root: builds the session and services, registers every handler in one place,
// and listens. Services never see the connection; they push through the EngineClient.
import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import type { MessageConnection } from 'vscode-jsonrpc/node.js';
import {
  ClusterContexts,
  Exit,
  Initialize,
  Initialized,
  methods,
  SandboxDown,
  SandboxImportImage,
  SandboxStatus,
  SandboxUp,
  Shutdown,
  WorkloadsList,
} from '../protocol/index.js';
import { clusterContexts, parseClusterContextsParams } from './capabilities/cluster.js';
import {
  downSandbox,
  importSandboxImage,
  parseImportImageParams,
  parseSandboxParams,
  sandboxInfo,
  upSandbox,
} from './capabilities/sandbox.js';
import { listWorkloads, parseWorkloadsListParams } from './capabilities/workloads.js';
import { connectionClient } from './engineClient.js';
import type { EngineClient } from './engineClient.js';
import { createLifecycle, parseInitializeParams } from './lifecycle.js';
import { teeTo } from './logger.js';
import type { Logger, LogTee } from './logger.js';
import { createRouter } from './router.js';
import { createSession } from './session.js';
import type { Session } from './session.js';
import { createStateHub } from './state.js';
import type { EngineStateHub } from './state.js';
import { FrameReader } from './transport.js';
import { ExecRun, PortForwardList, PortForwardStart, PortForwardStop } from '../protocol/index.js';
import { execRun, parseExecRunParams } from './capabilities/exec.js';
import * as forward from './capabilities/portForward.js';
import { createForwardService } from './forward/service.js';
import { wireForwardsToDevMode } from './forward/devHook.js';
import { LogLines, LogsFollow, LogsStop } from '../protocol/index.js';
import { followLogs, parseLogsFollowParams, parseLogsStopParams, stopLogs } from './capabilities/logs.js';
import { createLogService } from './logs/service.js';
import { RunExited, RunRestart, RunStart, RunStop } from '../protocol/index.js';
import * as run from './capabilities/run.js';
import { createRunService } from './run/service.js';
import { DebugStart } from '../protocol/index.js';
import { parseDebugStartParams, startDebug } from './capabilities/debug.js';
import { ExecExit, ExecInput, ExecOutput, ExecResize, ExecStart, ExecStop } from '../protocol/index.js';
import * as exec from './capabilities/exec.js';
import { createExecSessions } from './run/execSessions.js';
import { DevEnd, DevReset, DevStart, DevStatus } from '../protocol/dev.js';
import * as devParams from './capabilities/dev.js';
import { createDevService } from './dev/service.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../protocol/sync.js';
import * as sync from './capabilities/sync.js';
import { createSyncService } from './sync/service.js';

export interface EngineOptions {
  input: Readable;
  output: Writable;
  log: Logger;
  /** Ends the engine with this exit code (the process, or a test's stand-in). */
  exit(code: number): void;
  /** Frames above this size are dropped. Default 16 MiB. */
  maxMessageBytes?: number;
  /** The tee the logger was created with, so `engine/log` can be switched on. */
  logTee?: LogTee;
}

export interface Engine {
  readonly connection: MessageConnection;
  readonly session: Session;
  readonly client: EngineClient;
  /** Where capability services record dev sessions and forwards. */
  readonly state: EngineStateHub;
  /** Cleans up and exits, as when the client goes away (e.g. on SIGTERM). */
  stop(reason: string): void;
}

export function startEngine(options: EngineOptions): Engine {
  const log = options.log;
  const writer = new StreamMessageWriter(options.output);
  const reader = new FrameReader(options.input, {
    reply: (message) => void writer.write(message).catch(() => undefined),
    warn: (reason, details) => log.warn(details, reason),
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
  });
  const rpcLog = log.child({ component: 'jsonrpc' });
  const connection = createMessageConnection(reader, writer, {
    error: (message) => rpcLog.error(message),
    warn: (message) => rpcLog.warn(message),
    info: (message) => rpcLog.info(message),
    log: (message) => rpcLog.debug(message),
  });
  const session = createSession();
  const client = connectionClient(connection);
  const state = createStateHub(client, {
    enabled: () => session.clientCapabilities.stateNotifications !== false,
    context: () => session.contextName(),
  });
  const router = createRouter(session, log);
  const lifecycle = createLifecycle({
    session,
    log,
    implemented: () => [...router.implemented(), '$/cancelRequest', '$/progress'].sort(),
    exit: options.exit,
    forwardLogs: (level) => {
      if (options.logTee !== undefined) teeTo(options.logTee, level, (entry) => client.log(entry));
    },
  });

  router.request(Initialize.type, parseInitializeParams, (params) => lifecycle.initialize(params));
  router.notification(Initialized.method, () => {
    lifecycle.initialized();
    state.announce('initialized');
  });
  router.request0(Shutdown.type, () => lifecycle.shutdown());
  router.notification(Exit.method, () => lifecycle.exit());
  router.request(ClusterContexts.type, parseClusterContextsParams, (params) => clusterContexts(session, params));
  router.request(WorkloadsList.type, parseWorkloadsListParams, (params, token) =>
    listWorkloads(session, client, params, token),
  );
  router.request(SandboxUp.type, parseSandboxParams, (params) => upSandbox(client, params));
  router.request(SandboxDown.type, parseSandboxParams, (params) => downSandbox(params));
  router.request(SandboxStatus.type, parseSandboxParams, (params) => sandboxInfo(params));
  router.request(SandboxImportImage.type, parseImportImageParams, (params) => importSandboxImage(params));
  const forwards = createForwardService(state, log);
  session.onDispose(() => forwards.dispose());
  router.request(ExecRun.type, parseExecRunParams, (params, token) => execRun(session, state, params, token));
  router.request(PortForwardStart.type, forward.parsePortForwardStartParams, (p) =>
    forward.startPortForward(session, forwards, p),
  );
  router.request(PortForwardStop.type, forward.parsePortForwardStopParams, (p) => forward.stopPortForward(forwards, p));
  router.request(
    PortForwardList.type,
    (raw) => raw,
    () => forward.listPortForwards(forwards),
  );
  const dev = createDevService({ session, client, state, log });
  session.onDispose(() => dev.dispose());
  router.request(DevStart.type, devParams.parseDevStartParams, (p, token) => dev.start(p, token));
  router.request(DevEnd.type, devParams.parseDevEndParams, (p, token) => dev.end(p, token));
  router.request(DevReset.type, devParams.parseDevResetParams, (p, token) => dev.reset(p, token));
  router.request(DevStatus.type, devParams.parseDevStatusParams, (p, token) => dev.status(p, token));
  const logStreams = createLogService((p) => connection.sendNotification(LogLines.type, p), log);
  session.onDispose(() => logStreams.dispose());
  router.request(LogsFollow.type, parseLogsFollowParams, (p) => followLogs(session, logStreams, p));
  router.request(LogsStop.type, parseLogsStopParams, (p) => stopLogs(logStreams, p));
  const runs = createRunService(
    logStreams,
    (p) => void connection.sendNotification(RunExited.type, p).catch(() => undefined),
    log,
  );
  session.onDispose(() => runs.dispose());
  router.request(RunStart.type, run.parseRunStartParams, (p, token) => run.startRun(session, state, runs, p, token));
  router.request(RunStop.type, run.parseRunStopParams, (p) => run.stopRun(runs, p));
  router.request(RunRestart.type, run.parseRunRestartParams, (p) => run.restartRun(runs, p));
  const syncs = createSyncService({ state, log, onBatch: (workload) => runs.restartAfterSync(workload) });
  session.onDispose(() => syncs.dispose());
  sync.wireSyncToDevMode(session, dev, syncs);
  wireForwardsToDevMode(session, dev, forwards, log);
  router.request(SyncStatusRequest.type, sync.parseSyncStatusParams, (p) => sync.syncStatus(session, syncs, p));
  router.request(SyncPause.type, sync.parseSyncPauseParams, (p) => sync.pauseSync(session, syncs, p));
  router.request(SyncResume.type, sync.parseSyncPauseParams, (p) => sync.resumeSync(session, syncs, p));
  router.request(SyncVerify.type, sync.parseSyncVerifyParams, (p, token) =>
    sync.verifySync(session, client, syncs, p, token),
  );
  router.request(DebugStart.type, parseDebugStartParams, (p, token) =>
    startDebug(session, state, client, runs, forwards, p, token),
  );
  const terminals = createExecSessions({
    output: (p) => void connection.sendNotification(ExecOutput.type, p).catch(() => undefined),
    exit: (p) => void connection.sendNotification(ExecExit.type, p).catch(() => undefined),
  });
  session.onDispose(() => terminals.dispose());
  router.request(ExecStart.type, exec.parseExecStartParams, (p, token) =>
    exec.execStart(session, state, terminals, p, token),
  );
  router.request(ExecStop.type, exec.parseExecStopParams, (p) => (terminals.stop(p.sessionId), null));
  router.notification(ExecInput.method, (raw) => exec.execInput(terminals, raw));
  router.notification(ExecResize.method, (raw) => exec.execResize(terminals, raw));
  const registered = new Set(router.implemented());
  for (const info of methods) {
    if (info.kind === 'request' && info.direction === 'clientToServer' && !registered.has(info.method))
      router.notSupported(info.method);
  }

  router.listen(connection);
  connection.onClose(() => lifecycle.clientGone('input closed'));
  writer.onError(() => lifecycle.clientGone('output closed'));
  connection.listen();
  return { connection, session, client, state, stop: (reason) => lifecycle.clientGone(reason) };
}
