// Typed access to every podloop protocol method over one JsonRpcConnection: requests return
// CompletableFutures (cancel sends $/cancelRequest), notifications reach typed listeners.
package dev.podloop.client;

import com.google.gson.JsonObject;
import dev.podloop.client.protocol.Cluster.ClusterContextsParams;
import dev.podloop.client.protocol.Cluster.ClusterContextsResult;
import dev.podloop.client.protocol.Debug.DebugStartParams;
import dev.podloop.client.protocol.Debug.DebugStartResult;
import dev.podloop.client.protocol.Dev.DevEndParams;
import dev.podloop.client.protocol.Dev.DevEndResult;
import dev.podloop.client.protocol.Dev.DevResetParams;
import dev.podloop.client.protocol.Dev.DevResetResult;
import dev.podloop.client.protocol.Dev.DevStartParams;
import dev.podloop.client.protocol.Dev.DevStartResult;
import dev.podloop.client.protocol.Dev.DevStatusParams;
import dev.podloop.client.protocol.Dev.DevStatusResult;
import dev.podloop.client.protocol.Exec.ExecRunParams;
import dev.podloop.client.protocol.Exec.ExecExitParams;
import dev.podloop.client.protocol.Exec.ExecInputParams;
import dev.podloop.client.protocol.Exec.ExecOutputParams;
import dev.podloop.client.protocol.Exec.ExecResizeParams;
import dev.podloop.client.protocol.Exec.ExecRunResult;
import dev.podloop.client.protocol.Exec.ExecStartParams;
import dev.podloop.client.protocol.Exec.ExecStartResult;
import dev.podloop.client.protocol.Exec.ExecStopParams;
import dev.podloop.client.protocol.Lifecycle.EngineLogParams;
import dev.podloop.client.protocol.Lifecycle.InitializeParams;
import dev.podloop.client.protocol.Lifecycle.InitializeResult;
import dev.podloop.client.protocol.Logs.LogLinesParams;
import dev.podloop.client.protocol.Logs.LogsFollowParams;
import dev.podloop.client.protocol.Logs.LogsFollowResult;
import dev.podloop.client.protocol.Logs.LogsStopParams;
import dev.podloop.client.protocol.Methods;
import dev.podloop.client.protocol.PortForward.PortForwardInfo;
import dev.podloop.client.protocol.PortForward.PortForwardListParams;
import dev.podloop.client.protocol.PortForward.PortForwardListResult;
import dev.podloop.client.protocol.PortForward.PortForwardStartParams;
import dev.podloop.client.protocol.PortForward.PortForwardStopParams;
import dev.podloop.client.protocol.Progress.ProgressParams;
import dev.podloop.client.protocol.Run.RunExitedParams;
import dev.podloop.client.protocol.Run.RunRestartParams;
import dev.podloop.client.protocol.Run.RunStartParams;
import dev.podloop.client.protocol.Run.RunStartResult;
import dev.podloop.client.protocol.Run.RunStopParams;
import dev.podloop.client.protocol.Run.RunStopResult;
import dev.podloop.client.protocol.Sandbox.SandboxDownResult;
import dev.podloop.client.protocol.Sandbox.SandboxImportImageParams;
import dev.podloop.client.protocol.Sandbox.SandboxImportImageResult;
import dev.podloop.client.protocol.Sandbox.SandboxInfo;
import dev.podloop.client.protocol.Sandbox.SandboxParams;
import dev.podloop.client.protocol.State.EngineStateParams;
import dev.podloop.client.protocol.Sync.SyncPauseParams;
import dev.podloop.client.protocol.Sync.SyncStatusParams;
import dev.podloop.client.protocol.Sync.SyncStatusResult;
import dev.podloop.client.protocol.Sync.SyncVerifyParams;
import dev.podloop.client.protocol.Sync.SyncVerifyResult;
import dev.podloop.client.protocol.Workloads.WorkloadsListParams;
import dev.podloop.client.protocol.Workloads.WorkloadsListResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The engine API. Each request method has the protocol's params and result records; the
 * overloads taking a {@link ProgressListener} ask for work-done progress on a fresh token. Errors
 * arrive as {@link EngineException} with a {@code protocol.ErrorCodes} code.
 */
public final class PodloopClient {
  private final JsonRpcConnection connection;

  public PodloopClient(JsonRpcConnection connection) {
    this.connection = connection;
  }

  public JsonRpcConnection connection() {
    return connection;
  }

  // Lifecycle

  @RpcMethod(Methods.INITIALIZE)
  public CompletableFuture<InitializeResult> initialize(InitializeParams params) {
    return connection.request(Methods.INITIALIZE, params, InitializeResult.class);
  }

  @RpcMethod(Methods.INITIALIZED)
  public void initialized() {
    notify(Methods.INITIALIZED, new JsonObject());
  }

  @RpcMethod(Methods.SHUTDOWN)
  public CompletableFuture<Void> shutdown() {
    return connection.request(Methods.SHUTDOWN, null, Void.class);
  }

  @RpcMethod(Methods.EXIT)
  public void exit() {
    notify(Methods.EXIT, null);
  }

  // Cluster and workloads

  @RpcMethod(Methods.CLUSTER_CONTEXTS)
  public CompletableFuture<ClusterContextsResult> clusterContexts(ClusterContextsParams params) {
    return connection.request(Methods.CLUSTER_CONTEXTS, params, ClusterContextsResult.class);
  }

  @RpcMethod(Methods.WORKLOADS_LIST)
  public CompletableFuture<WorkloadsListResult> workloadsList(WorkloadsListParams params) {
    return workloadsList(params, null);
  }

  @RpcMethod(Methods.WORKLOADS_LIST)
  public CompletableFuture<WorkloadsListResult> workloadsList(WorkloadsListParams params, ProgressListener progress) {
    return connection.request(Methods.WORKLOADS_LIST, params, WorkloadsListResult.class, progress);
  }

  // Dev mode

  @RpcMethod(Methods.DEV_START)
  public CompletableFuture<DevStartResult> devStart(DevStartParams params) {
    return devStart(params, null);
  }

  @RpcMethod(Methods.DEV_START)
  public CompletableFuture<DevStartResult> devStart(DevStartParams params, ProgressListener progress) {
    return connection.request(Methods.DEV_START, params, DevStartResult.class, progress);
  }

  @RpcMethod(Methods.DEV_END)
  public CompletableFuture<DevEndResult> devEnd(DevEndParams params) {
    return devEnd(params, null);
  }

  @RpcMethod(Methods.DEV_END)
  public CompletableFuture<DevEndResult> devEnd(DevEndParams params, ProgressListener progress) {
    return connection.request(Methods.DEV_END, params, DevEndResult.class, progress);
  }

  @RpcMethod(Methods.DEV_STATUS)
  public CompletableFuture<DevStatusResult> devStatus(DevStatusParams params) {
    return connection.request(Methods.DEV_STATUS, params, DevStatusResult.class);
  }

  @RpcMethod(Methods.DEV_RESET)
  public CompletableFuture<DevResetResult> devReset(DevResetParams params) {
    return connection.request(Methods.DEV_RESET, params, DevResetResult.class);
  }

  // Sync

  @RpcMethod(Methods.SYNC_STATUS)
  public CompletableFuture<SyncStatusResult> syncStatus(SyncStatusParams params) {
    return connection.request(Methods.SYNC_STATUS, params, SyncStatusResult.class);
  }

  @RpcMethod(Methods.SYNC_PAUSE)
  public CompletableFuture<SyncStatusResult> syncPause(SyncPauseParams params) {
    return connection.request(Methods.SYNC_PAUSE, params, SyncStatusResult.class);
  }

  @RpcMethod(Methods.SYNC_RESUME)
  public CompletableFuture<SyncStatusResult> syncResume(SyncPauseParams params) {
    return connection.request(Methods.SYNC_RESUME, params, SyncStatusResult.class);
  }

  @RpcMethod(Methods.SYNC_VERIFY)
  public CompletableFuture<SyncVerifyResult> syncVerify(SyncVerifyParams params) {
    return syncVerify(params, null);
  }

  @RpcMethod(Methods.SYNC_VERIFY)
  public CompletableFuture<SyncVerifyResult> syncVerify(SyncVerifyParams params, ProgressListener progress) {
    return connection.request(Methods.SYNC_VERIFY, params, SyncVerifyResult.class, progress);
  }

  // Logs

  /** Opens a stream; its lines arrive through {@link #onLogLines}, filtered by the returned streamId. */
  @RpcMethod(Methods.LOGS_FOLLOW)
  public CompletableFuture<LogsFollowResult> logsFollow(LogsFollowParams params) {
    return connection.request(Methods.LOGS_FOLLOW, params, LogsFollowResult.class);
  }

  @RpcMethod(Methods.LOGS_STOP)
  public CompletableFuture<Void> logsStop(LogsStopParams params) {
    return connection.request(Methods.LOGS_STOP, params, Void.class);
  }

  // Port forwarding

  @RpcMethod(Methods.PORT_FORWARD_START)
  public CompletableFuture<PortForwardInfo> portForwardStart(PortForwardStartParams params) {
    return connection.request(Methods.PORT_FORWARD_START, params, PortForwardInfo.class);
  }

  @RpcMethod(Methods.PORT_FORWARD_STOP)
  public CompletableFuture<Void> portForwardStop(PortForwardStopParams params) {
    return connection.request(Methods.PORT_FORWARD_STOP, params, Void.class);
  }

  @RpcMethod(Methods.PORT_FORWARD_LIST)
  public CompletableFuture<PortForwardListResult> portForwardList(PortForwardListParams params) {
    return connection.request(Methods.PORT_FORWARD_LIST, params, PortForwardListResult.class);
  }

  // Debug, run, exec

  @RpcMethod(Methods.DEBUG_START)
  public CompletableFuture<DebugStartResult> debugStart(DebugStartParams params) {
    return debugStart(params, null);
  }

  @RpcMethod(Methods.DEBUG_START)
  public CompletableFuture<DebugStartResult> debugStart(DebugStartParams params, ProgressListener progress) {
    return connection.request(Methods.DEBUG_START, params, DebugStartResult.class, progress);
  }

  @RpcMethod(Methods.RUN_START)
  public CompletableFuture<RunStartResult> runStart(RunStartParams params) {
    return connection.request(Methods.RUN_START, params, RunStartResult.class);
  }

  @RpcMethod(Methods.RUN_STOP)
  public CompletableFuture<RunStopResult> runStop(RunStopParams params) {
    return connection.request(Methods.RUN_STOP, params, RunStopResult.class);
  }

  /** Stops the run's process tree and starts it again; its exit arrives through {@link #onRunExited}. */
  @RpcMethod(Methods.RUN_RESTART)
  public CompletableFuture<Void> runRestart(RunRestartParams params) {
    return connection.request(Methods.RUN_RESTART, params, Void.class);
  }

  @RpcMethod(Methods.EXEC_RUN)
  public CompletableFuture<ExecRunResult> execRun(ExecRunParams params) {
    return connection.request(Methods.EXEC_RUN, params, ExecRunResult.class);
  }

  /** Starts an interactive session (a terminal when asked); output arrives through {@link #onExecOutput}. */
  @RpcMethod(Methods.EXEC_START)
  public CompletableFuture<ExecStartResult> execStart(ExecStartParams params) {
    return connection.request(Methods.EXEC_START, params, ExecStartResult.class);
  }

  /** Sends stdin bytes (base64 in {@code data}) to a session; {@code eof} closes its stdin. */
  @RpcMethod(Methods.EXEC_INPUT)
  public void execInput(ExecInputParams params) {
    notify(Methods.EXEC_INPUT, params);
  }

  /** Tells a terminal session that the IDE's terminal changed size. */
  @RpcMethod(Methods.EXEC_RESIZE)
  public void execResize(ExecResizeParams params) {
    notify(Methods.EXEC_RESIZE, params);
  }

  @RpcMethod(Methods.EXEC_STOP)
  public CompletableFuture<Void> execStop(ExecStopParams params) {
    return connection.request(Methods.EXEC_STOP, params, Void.class);
  }

  // Sandbox

  @RpcMethod(Methods.SANDBOX_UP)
  public CompletableFuture<SandboxInfo> sandboxUp(SandboxParams params) {
    return sandboxUp(params, null);
  }

  @RpcMethod(Methods.SANDBOX_UP)
  public CompletableFuture<SandboxInfo> sandboxUp(SandboxParams params, ProgressListener progress) {
    return connection.request(Methods.SANDBOX_UP, params, SandboxInfo.class, progress);
  }

  @RpcMethod(Methods.SANDBOX_DOWN)
  public CompletableFuture<SandboxDownResult> sandboxDown(SandboxParams params) {
    return sandboxDown(params, null);
  }

  @RpcMethod(Methods.SANDBOX_DOWN)
  public CompletableFuture<SandboxDownResult> sandboxDown(SandboxParams params, ProgressListener progress) {
    return connection.request(Methods.SANDBOX_DOWN, params, SandboxDownResult.class, progress);
  }

  @RpcMethod(Methods.SANDBOX_STATUS)
  public CompletableFuture<SandboxInfo> sandboxStatus(SandboxParams params) {
    return sandboxStatus(params, null);
  }

  @RpcMethod(Methods.SANDBOX_STATUS)
  public CompletableFuture<SandboxInfo> sandboxStatus(SandboxParams params, ProgressListener progress) {
    return connection.request(Methods.SANDBOX_STATUS, params, SandboxInfo.class, progress);
  }

  @RpcMethod(Methods.SANDBOX_IMPORT_IMAGE)
  public CompletableFuture<SandboxImportImageResult> sandboxImportImage(SandboxImportImageParams params) {
    return connection.request(Methods.SANDBOX_IMPORT_IMAGE, params, SandboxImportImageResult.class);
  }

  // Engine → client notifications

  /** Every {@code $/progress}, whatever its token (per-request listeners are simpler). */
  @RpcMethod(Methods.PROGRESS)
  public Subscription onProgress(Consumer<ProgressParams> listener) {
    return connection.onNotification(Methods.PROGRESS, ProgressParams.class, listener);
  }

  @RpcMethod(Methods.ENGINE_LOG)
  public Subscription onEngineLog(Consumer<EngineLogParams> listener) {
    return connection.onNotification(Methods.ENGINE_LOG, EngineLogParams.class, listener);
  }

  @RpcMethod(Methods.ENGINE_STATE)
  public Subscription onEngineState(Consumer<EngineStateParams> listener) {
    return connection.onNotification(Methods.ENGINE_STATE, EngineStateParams.class, listener);
  }

  @RpcMethod(Methods.LOGS_LINES)
  public Subscription onLogLines(Consumer<LogLinesParams> listener) {
    return connection.onNotification(Methods.LOGS_LINES, LogLinesParams.class, listener);
  }

  @RpcMethod(Methods.EXEC_OUTPUT)
  public Subscription onExecOutput(Consumer<ExecOutputParams> listener) {
    return connection.onNotification(Methods.EXEC_OUTPUT, ExecOutputParams.class, listener);
  }

  @RpcMethod(Methods.EXEC_EXIT)
  public Subscription onExecExit(Consumer<ExecExitParams> listener) {
    return connection.onNotification(Methods.EXEC_EXIT, ExecExitParams.class, listener);
  }

  @RpcMethod(Methods.RUN_EXITED)
  public Subscription onRunExited(Consumer<RunExitedParams> listener) {
    return connection.onNotification(Methods.RUN_EXITED, RunExitedParams.class, listener);
  }

  private void notify(String method, Object params) {
    try {
      connection.notify(method, params);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot send " + method + " to the engine", e);
    }
  }
}
