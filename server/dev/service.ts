// The dev-mode service: dev/start, dev/end, dev/reset and dev/status over the pure planner, with progress
// stages, rollback on failure or cancel, a lease renewal timer per dev session, and engine/state updates.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import type {
  DevEndParams,
  DevEndResult,
  DevResetParams,
  DevResetResult,
  DevSessionInfo,
  DevStartParams,
  DevStartResult,
  DevStartStage,
  DevStatusParams,
  DevStatusResult,
} from '../../protocol/dev.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { WorkloadRef } from '../../protocol/errors.js';
import { abortSignalOf } from '../cancellation.js';
import { ConfigError, loadProjectConfig } from '../config/load.js';
import { containerConfigFor } from '../config/forWorkload.js';
import { detectLanguage } from '../config/starter.js';
import type { EngineClient } from '../engineClient.js';
import { kubeObjects, isStatus, type KubeObjects, type ObjectKind } from '../kube/objects.js';
import type { Logger } from '../logger.js';
import { beginProgress } from '../progress.js';
import type { Session } from '../session.js';
import type { EngineStateHub } from '../state.js';
import { findDevSessions } from './clusterSessions.js';
import { readDevMode } from './devModeInfo.js';
import { holderIsDead } from './holderAlive.js';
import { DevPlanError } from './errors.js';
import type { Lease } from './lease.js';
import { devStatePatch, leaseRenewPatch, planDevStart, type DevStartPlan } from './plan.js';
import {
  devPodFailed,
  maxPlanAttempts,
  prepareStart,
  readWorkload,
  restoreInCluster,
  rollOut,
  waitForDevPod,
  workloadNotFound,
} from './rollout.js';
import type { Workload } from './types.js';

/** What a ready hook gets: the dev session as it runs. */
export interface ReadyDevSession {
  workload: WorkloadRef;
  container: string;
  pod: string;
  image: string;
  localDir?: string;
  remoteDir: string;
  /** Whether the client asked for sync (dev/start `sync`, default true). */
  sync: boolean;
  /** Ports the client asked to forward (dev/start `ports`). */
  ports: string[];
}

export interface StageProgress {
  /** Detail within the stage, e.g. "12/40 files". */
  report(message: string): void;
}

/** Runs during a dev/start stage once the dev pod runs; a thrown error rolls dev mode back. */
export type DevReadyHook = (devSession: ReadyDevSession, progress: StageProgress, signal: AbortSignal) => Promise<void>;

/** Runs before a dev session of this engine ends (stops sync, forwards). Failures are logged, not fatal. */
export type DevEndHook = (workload: WorkloadRef) => Promise<void>;

export type HookStage = 'installing sync receiver' | 'initial sync';

export const devStartStages: readonly DevStartStage[] = [
  'validating',
  'saving original',
  'patching',
  'rolling out',
  'pulling image',
  'waiting for the pod',
  'installing sync receiver',
  'initial sync',
];

export interface DevService {
  start(params: DevStartParams, token?: CancellationToken): Promise<DevStartResult>;
  end(params: DevEndParams, token?: CancellationToken): Promise<DevEndResult>;
  reset(params: DevResetParams, token?: CancellationToken): Promise<DevResetResult>;
  status(params: DevStatusParams, token?: CancellationToken): Promise<DevStatusResult>;
  /** Registers the work of a hook stage (sync receiver, initial sync); unregistered stages report skipped. */
  onReady(stage: HookStage, hook: DevReadyHook): void;
  onEnd(hook: DevEndHook): void;
  /** Stops every lease timer; the cluster keeps dev mode, whose leases then go stale. Idempotent. */
  dispose(): void;
}

export interface DevServiceOptions {
  session: Session;
  client: EngineClient;
  state: EngineStateHub;
  log: Logger;
  /** How long the dev pod may take to run. Default `$PODLOOP_DEV_READY_TIMEOUT_MS`, else 120 s. */
  readyTimeoutMs?: number;
  /** Lease renewal period. Default 20 s. */
  renewIntervalMs?: number;
}

interface LocalSession {
  info: DevSessionInfo;
  lease: Lease;
  timer: NodeJS.Timeout;
}

const keyOf = (ref: WorkloadRef): string => `${ref.namespace}/${ref.kind}/${ref.name}`;

function envMs(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function createDevService(options: DevServiceOptions): DevService {
  const { session, client, state } = options;
  const log = options.log.child({ component: 'dev' });
  const readyTimeoutMs = options.readyTimeoutMs ?? envMs('PODLOOP_DEV_READY_TIMEOUT_MS', 120_000);
  const renewIntervalMs = options.renewIntervalMs ?? envMs('PODLOOP_LEASE_RENEW_MS', 20_000);
  const sessions = new Map<string, LocalSession>();
  const readyHooks = new Map<HookStage, DevReadyHook[]>();
  const endHooks: DevEndHook[] = [];
  let disposed = false;

  const objectsFor = async (): Promise<KubeObjects> => kubeObjects(await session.kube());
  const refOf = (params: { kind: string; name: string; namespace?: string }): WorkloadRef => ({
    kind: params.kind,
    name: params.name,
    namespace: params.namespace ?? session.defaultNamespace(),
  });

  function stopLocal(ref: WorkloadRef): LocalSession | undefined {
    const local = sessions.get(keyOf(ref));
    if (local) clearInterval(local.timer);
    sessions.delete(keyOf(ref));
    return local;
  }

  function track(info: DevSessionInfo, lease: Lease, objects: KubeObjects): void {
    stopLocal(info.workload);
    const local: LocalSession = { info, lease, timer: setInterval(() => void renew(local, objects), renewIntervalMs) };
    local.timer.unref();
    sessions.set(keyOf(info.workload), local);
    state.setDevSession(info, 'dev session running');
  }

  async function renew(local: LocalSession, objects: KubeObjects): Promise<void> {
    const ref = local.info.workload;
    const signal = AbortSignal.timeout(15_000);
    try {
      const workload = await readWorkload(objects, ref, signal);
      if (!workload) throw workloadNotFound(ref);
      const now = new Date();
      await objects.jsonPatch(
        ref.kind as ObjectKind,
        ref.namespace,
        ref.name,
        leaseRenewPatch(workload, local.lease, now),
        signal,
      );
      local.lease = { ...local.lease, renewTime: now.toISOString() };
    } catch (error) {
      if (sessions.get(keyOf(ref)) !== local) return;
      // A failed test op means another engine took the lease over (--force): this session is no longer ours.
      const lost =
        isStatus(error, 422) || (error instanceof ResponseError && error.code === ErrorCodes.WorkloadNotFound);
      log.warn({ workload: keyOf(ref), err: error }, lost ? 'dev-mode lease lost' : 'lease renewal failed');
      if (lost) {
        stopLocal(ref);
        state.setDevSession(
          {
            ...local.info,
            phase: 'error',
            ownedByThisEngine: false,
            message: 'the dev-mode lease was taken over or the workload was deleted',
          },
          'lease lost',
        );
      }
    }
  }

  /** A lease whose holder is a dead process on this machine can be taken over without --force. */
  function holderIsGone(workload: Workload): boolean {
    return holderIsDead(readDevMode(workload, session.engineId, new Date())?.lease?.holder, session.engineId);
  }

  async function start(params: DevStartParams, token?: CancellationToken): Promise<DevStartResult> {
    const ref = refOf(params);
    const abort = abortSignalOf(token);
    const signal = abort.signal;
    const progress = beginProgress(client, params.workDoneToken, `Dev mode: ${params.kind}/${params.name}`);
    const timings: Record<string, number> = {};
    let current: DevStartStage | undefined;
    let stageStarted = performance.now();
    const stage = (name: DevStartStage, detail?: string): void => {
      const now = performance.now();
      if (current !== undefined) timings[current] = Math.round(now - stageStarted);
      current = name;
      stageStarted = now;
      const index = devStartStages.indexOf(name);
      progress.report((index / devStartStages.length) * 100, detail ? `${name} (${detail})` : name);
    };
    let patched = false;
    let hooksStarted = false;
    let objects: KubeObjects | undefined;
    try {
      stage('validating');
      objects = await objectsFor();
      const localDir = params.localDir ?? session.workspaceFolder;
      const [project, language] = localDir
        ? await Promise.all([loadProjectConfig(localDir), detectLanguage(localDir)])
        : [undefined, undefined];
      const hpas = await objects.list('HorizontalPodAutoscaler', ref.namespace, signal).catch(() => []);

      let plan: DevStartPlan | undefined;
      let original: Workload | undefined;
      for (let attempt = 1; plan === undefined; attempt++) {
        const workload = await readWorkload(objects, ref, signal);
        if (!workload) throw workloadNotFound(ref);
        const { config } = containerConfigFor(project, workload, params.container);
        const candidate = planDevStart(workload, {
          engineId: session.engineId,
          now: new Date(),
          ...(params.container !== undefined ? { container: params.container } : {}),
          ...(config ? { config } : {}),
          ...(language ? { language } : {}),
          ...(params.image !== undefined ? { image: params.image } : {}),
          ...(params.remoteDir !== undefined ? { workDir: params.remoteDir } : {}),
          force: params.force === true,
          holderGone: holderIsGone(workload),
          hpas,
        });
        if (candidate.outcome === 'alreadyInDevMode') {
          await objects.jsonPatch(ref.kind as ObjectKind, ref.namespace, ref.name, candidate.patch, signal);
          const running = sessions.get(keyOf(ref));
          if (running) {
            // Ours and running in this engine: sync and forwards already run, so there is nothing to start.
            for (const rest of devStartStages.slice(1)) stage(rest, 'already in dev mode');
            timings[current!] = 0;
            return {
              session: running.info,
              timings,
              ...(candidate.warnings.length > 0 ? { warnings: candidate.warnings } : {}),
            };
          }
          plan = candidate;
          original = workload;
          break;
        }
        stage('saving original');
        await prepareStart(objects, ref.namespace, candidate, signal);
        stage('patching');
        try {
          signal.throwIfAborted();
          state.setDevSession(sessionInfo(ref, candidate, 'starting', params), 'dev session starting');
          patched = true;
          await objects.jsonPatch(ref.kind as ObjectKind, ref.namespace, ref.name, candidate.patch, signal);
          plan = candidate;
          original = workload;
        } catch (error) {
          if (!(isStatus(error, 422) && attempt < maxPlanAttempts)) throw error;
          log.info({ workload: keyOf(ref), attempt }, 'workload changed while planning; planning again');
        }
      }

      if (plan.outcome === 'alreadyInDevMode') stage('rolling out', 'already in dev mode');
      else {
        stage('rolling out');
        await rollOut(objects, ref.namespace, original!, plan, signal);
      }
      // rolling out until the dev pod exists, pulling image while its container is created, then waiting.
      const verdict = await waitForDevPod(
        objects,
        ref.namespace,
        { labels: plan.devPodLabels, container: plan.container, image: plan.image },
        {
          signal,
          timeoutMs: readyTimeoutMs,
          onVerdict: (seen) => {
            if (current === 'rolling out' && (seen.pod !== undefined || seen.state !== 'waiting'))
              stage('pulling image');
            const creating =
              seen.state === 'waiting' && (seen.reason === 'Pending' || seen.reason === 'ContainerCreating');
            if (current === 'pulling image' && !creating) stage('waiting for the pod');
          },
        },
      );
      if (verdict.state === 'failed') {
        const rolledBack = await rollBack(objects, ref);
        patched = false;
        throw devPodFailed(ref, verdict, rolledBack);
      }
      if (verdict.state !== 'ready') throw new Error('unreachable: waitForDevPod returned waiting');
      const running = await readWorkload(objects, ref, signal);
      if (!running) throw workloadNotFound(ref);
      await objects.jsonPatch(
        ref.kind as ObjectKind,
        ref.namespace,
        ref.name,
        devStatePatch(running, 'running'),
        signal,
      );

      const ready: ReadyDevSession = {
        workload: ref,
        container: plan.container,
        pod: verdict.pod,
        image: plan.image,
        ...(localDir ? { localDir } : {}),
        remoteDir: plan.workDir,
        sync: params.sync !== false,
        ports: params.ports ?? [],
      };
      for (const hookStage of ['installing sync receiver', 'initial sync'] as const) {
        const hooks = readyHooks.get(hookStage) ?? [];
        if (hooks.length === 0) {
          stage(hookStage, 'skipped');
          continue;
        }
        stage(hookStage);
        hooksStarted = true;
        for (const hook of hooks)
          await hook(ready, { report: (message) => progress.report(undefined, `${hookStage}: ${message}`) }, signal);
      }
      if (current !== undefined) timings[current] = Math.round(performance.now() - stageStarted);
      const info = sessionInfo(ref, plan, 'running', params, verdict.pod);
      track(info, plan.lease, objects);
      return { session: info, timings, ...(plan.warnings.length > 0 ? { warnings: plan.warnings } : {}) };
    } catch (error) {
      // Sync or forwards a hook started must not outlive the dev mode being rolled back.
      if (hooksStarted) await runEndHooks(ref);
      if (patched && objects) await rollBack(objects, ref);
      if (!sessions.has(keyOf(ref))) state.removeDevSession(ref, 'dev start failed');
      throw toResponseError(error, signal);
    } finally {
      abort.dispose();
      progress.done();
    }
  }

  /** Restores after a failed or cancelled start, whatever signal the request had. */
  async function rollBack(objects: KubeObjects, ref: WorkloadRef): Promise<boolean> {
    try {
      // Only our own dev mode: a racing engine that won the lease keeps its session.
      await restoreInCluster(objects, ref, AbortSignal.timeout(30_000), () => ({
        engineId: session.engineId,
        now: new Date(),
      }));
      return true;
    } catch (error) {
      // Another engine's dev mode (it won a race) is not ours to undo: nothing of ours is left.
      if (error instanceof DevPlanError && error.code === 'AlreadyInDevMode') return true;
      log.error(
        { workload: keyOf(ref), err: error },
        'rollback failed; the workload stays in dev mode until podloop dev reset',
      );
      return false;
    }
  }

  async function endLocal(ref: WorkloadRef): Promise<void> {
    const local = stopLocal(ref);
    if (!local) return;
    state.setDevSession({ ...local.info, phase: 'ending' }, 'dev session ending');
    await runEndHooks(ref);
  }

  async function runEndHooks(ref: WorkloadRef): Promise<void> {
    for (const hook of endHooks) {
      try {
        await hook(ref);
      } catch (error) {
        log.warn({ workload: keyOf(ref), err: error }, 'dev end hook failed');
      }
    }
  }

  async function end(params: DevEndParams, token?: CancellationToken): Promise<DevEndResult> {
    const ref = refOf(params);
    const abort = abortSignalOf(token);
    const progress = beginProgress(client, params.workDoneToken, `Ending dev mode: ${params.kind}/${params.name}`);
    try {
      const objects = await objectsFor();
      const workload = await readWorkload(objects, ref, abort.signal);
      const force = params.force === true || (workload !== undefined && holderIsGone(workload));
      if (
        workload &&
        workload.metadata.annotations?.['podloop.dev/original'] === undefined &&
        !force &&
        ref.kind !== 'Pod'
      ) {
        throw new ResponseError(
          ErrorCodes.NotInDevMode,
          `${ref.kind} ${ref.name} in namespace ${ref.namespace} is not in dev mode`,
          ref,
        );
      }
      progress.report(30, 'restoring');
      await endLocal(ref);
      const restored = await restoreInCluster(objects, ref, abort.signal, () => ({
        engineId: session.engineId,
        now: new Date(),
        force,
      }));
      if (!restored && !force) {
        throw new ResponseError(
          ErrorCodes.NotInDevMode,
          `${ref.kind} ${ref.name} in namespace ${ref.namespace} is not in dev mode`,
          ref,
        );
      }
      state.removeDevSession(ref, 'dev session ended');
      return { workload: ref, restored };
    } catch (error) {
      throw toResponseError(error, abort.signal);
    } finally {
      abort.dispose();
      progress.done();
    }
  }

  async function reset(params: DevResetParams, token?: CancellationToken): Promise<DevResetResult> {
    const ref = refOf(params);
    const abort = abortSignalOf(token);
    try {
      const objects = await objectsFor();
      await endLocal(ref);
      const changed = await restoreInCluster(objects, ref, abort.signal, undefined);
      state.removeDevSession(ref, 'dev session reset');
      return { workload: ref, changed };
    } catch (error) {
      throw toResponseError(error, abort.signal);
    } finally {
      abort.dispose();
    }
  }

  async function status(params: DevStatusParams, token?: CancellationToken): Promise<DevStatusResult> {
    const known = state
      .devSessions()
      .filter((info) => params.namespace === undefined || info.workload.namespace === params.namespace);
    if (params.namespace === undefined) return { sessions: known };
    const abort = abortSignalOf(token);
    try {
      const objects = await objectsFor();
      const found = new Map(known.map((info) => [keyOf(info.workload), info]));
      for (const info of await findDevSessions(objects, params.namespace, session.engineId, abort.signal)) {
        if (!found.has(keyOf(info.workload))) found.set(keyOf(info.workload), info);
      }
      return { sessions: [...found.values()].sort((a, b) => keyOf(a.workload).localeCompare(keyOf(b.workload))) };
    } catch (error) {
      throw toResponseError(error, abort.signal);
    } finally {
      abort.dispose();
    }
  }

  function sessionInfo(
    ref: WorkloadRef,
    plan: DevStartPlan,
    phase: DevSessionInfo['phase'],
    params: DevStartParams,
    pod?: string,
  ): DevSessionInfo {
    const localDir = params.localDir ?? session.workspaceFolder;
    return {
      workload: ref,
      container: plan.container,
      ...(pod ? { pod } : {}),
      phase,
      holder: session.engineId,
      ownedByThisEngine: true,
      ...(localDir ? { localDir } : {}),
      remoteDir: plan.workDir,
    };
  }

  const service: DevService = {
    start,
    end,
    reset,
    status,
    onReady(stage, hook) {
      readyHooks.set(stage, [...(readyHooks.get(stage) ?? []), hook]);
    },
    onEnd(hook) {
      endHooks.push(hook);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const local of sessions.values()) clearInterval(local.timer);
      sessions.clear();
    },
  };
  return service;
}

/** Planning errors, config errors and aborts become the protocol errors they document. */
export function toResponseError(error: unknown, signal: AbortSignal): ResponseError<unknown> {
  if (error instanceof ResponseError) return error as ResponseError<unknown>;
  if (error instanceof DevPlanError) return new ResponseError(ErrorCodes[error.code], error.message, error.data);
  if (error instanceof ConfigError) return new ResponseError(ErrorCodes.InvalidConfig, error.message, error.data);
  if (signal.aborted) return new ResponseError(ErrorCodes.Cancelled, 'The request was cancelled');
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(ErrorCodes.UnknownError, message);
}
