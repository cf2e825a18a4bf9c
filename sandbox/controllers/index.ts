// Starts the sandbox's controllers on an object store: each runs its own coalescing control loop
// and acts only through the store, as kube-controller-manager acts only through the API.

import type { ObjectStore } from '../store/store.js';
import type { ControllerContext } from './context.js';
import { cronJobController } from './cronjob.js';
import { daemonSetController } from './daemonset.js';
import { deploymentController } from './deployment.js';
import { endpointsController } from './endpoints.js';
import { eventTtlController } from './eventttl.js';
import { garbageCollector } from './gc.js';
import { jobController } from './job.js';
import { namespaceController } from './namespace.js';
import { pvcController } from './pvc.js';
import { eventRecorder } from '../store/events.js';
import { ControllerLoop, sharedWatches, type Controller } from './queue.js';
import { replicaSetController } from './replicaset.js';
import { schedulerController } from './scheduler.js';
import { statefulSetController } from './statefulset.js';

export interface ControllerOptions {
  /** Where PersistentVolumeClaim directories live (`<stateDir>/pvcs/<namespace>/<name>/`). */
  stateDir?: string;
  /** The clock controllers read (CronJob schedules, conditions, deadlines). */
  now?: () => Date;
  /** Base delay before a failed Job pod is replaced, doubling per failure; default 10 s. */
  jobBackoffMs?: number;
  /** Called when a reconcile fails for a reason other than a conflict. */
  onError?: (controller: string, key: string, error: unknown) => void;
}

export interface RunningControllers {
  /** Stops every loop and timer. Idempotent. */
  stop(): void;
  /** Re-examines every object now (e.g. after a test moved its clock). */
  resync(): void;
}

export function startControllers(store: ObjectStore, options: ControllerOptions = {}): RunningControllers {
  const now = options.now ?? ((): Date => new Date());
  const ctx: ControllerContext = {
    store,
    now,
    stateDir: options.stateDir,
    jobBackoffMs: options.jobBackoffMs ?? 10_000,
    record: eventRecorder(store, now),
  };
  const controllers: Controller[] = [
    schedulerController(ctx),
    replicaSetController(ctx),
    deploymentController(ctx),
    statefulSetController(ctx),
    daemonSetController(ctx),
    jobController(ctx),
    cronJobController(ctx),
    endpointsController(ctx),
    garbageCollector(ctx),
    namespaceController(ctx),
    pvcController(ctx),
    eventTtlController(ctx),
  ];
  const onError = options.onError ?? (() => undefined);
  const subscribe = sharedWatches(store);
  const loops = controllers.map((controller) => new ControllerLoop(subscribe, controller, onError));
  for (const loop of loops) loop.start();
  return {
    stop: () => {
      for (const loop of loops) loop.stop();
    },
    resync: () => {
      for (const loop of loops) loop.resync();
    },
  };
}
