// sync/status|pause|resume|verify: checks params and hands them to the sync service; and the dev-mode
// hooks that start sync when a dev session is ready and stop it when dev mode ends.
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import type { WorkloadRef } from '../../protocol/errors.js';
import type {
  SyncPauseParams,
  SyncStatusParams,
  SyncStatusResult,
  SyncVerifyParams,
  SyncVerifyResult,
} from '../../protocol/sync.js';
import { abortSignalOf } from '../cancellation.js';
import type { DevService } from '../dev/service.js';
import type { EngineClient } from '../engineClient.js';
import { optProgressToken, paramsObject } from '../params.js';
import { beginProgress } from '../progress.js';
import { projectContainerConfig } from '../run/config.js';
import type { Session } from '../session.js';
import type { SyncService } from '../sync/service.js';
import { parseWorkload } from './portForward.js';

export function parseSyncStatusParams(raw: unknown): SyncStatusParams {
  return parseWorkload(paramsObject(raw));
}

export const parseSyncPauseParams = parseSyncStatusParams;

export function parseSyncVerifyParams(raw: unknown): SyncVerifyParams {
  const params = paramsObject(raw);
  const workDoneToken = optProgressToken(params);
  return { ...parseWorkload(params), ...(workDoneToken !== undefined ? { workDoneToken } : {}) };
}

function refOf(session: Session, params: SyncStatusParams): WorkloadRef {
  return { kind: params.kind, name: params.name, namespace: params.namespace ?? session.defaultNamespace() };
}

export function syncStatus(session: Session, syncs: SyncService, params: SyncStatusParams): SyncStatusResult {
  return { status: syncs.status(refOf(session, params)) };
}

export function pauseSync(session: Session, syncs: SyncService, params: SyncPauseParams): SyncStatusResult {
  return { status: syncs.pause(refOf(session, params)) };
}

export function resumeSync(session: Session, syncs: SyncService, params: SyncPauseParams): SyncStatusResult {
  return { status: syncs.resume(refOf(session, params)) };
}

export async function verifySync(
  session: Session,
  client: EngineClient,
  syncs: SyncService,
  params: SyncVerifyParams,
  token: CancellationToken,
): Promise<SyncVerifyResult> {
  const ref = refOf(session, params);
  const progress = beginProgress(client, params.workDoneToken, `Verifying sync: ${ref.kind}/${ref.name}`);
  const abort = abortSignalOf(token);
  try {
    return await syncs.verify(ref, progress, abort.signal);
  } finally {
    abort.dispose();
    progress.done();
  }
}

/** Dev start syncs the local folder once the dev pod runs; dev end stops it. */
export function wireSyncToDevMode(session: Session, dev: DevService, syncs: SyncService): void {
  dev.onReady('installing sync receiver', async (ready, progress) => {
    if (ready.sync && ready.localDir !== undefined) progress.report('the receiver starts with the initial sync');
  });
  dev.onReady('initial sync', async (ready, progress, signal) => {
    if (!ready.sync || ready.localDir === undefined) return;
    const config = await projectContainerConfig(ready.localDir, ready.workload, ready.container).catch(() => undefined);
    await syncs.start(
      await session.kube(),
      {
        workload: ready.workload,
        container: ready.container,
        pod: ready.pod,
        localDir: ready.localDir,
        remoteDir: ready.remoteDir,
        ...(config ? { include: config.sync.include, exclude: config.sync.exclude, direction: config.sync.mode } : {}),
      },
      {
        report: (percentage, message) =>
          progress.report(percentage === undefined ? message : `${message} (${Math.round(percentage)}%)`),
      },
      signal,
    );
  });
  dev.onEnd((workload) => syncs.stop(workload));
}
