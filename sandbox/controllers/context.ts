// What every controller is built with: the store it acts on, the clock it reads, its event recorder,
// where PVC data lives, and the resource types it names; so controllers stay plain functions.

import type { ObjectStore } from '../store/store.js';
import { resourceByPlural } from '../store/resources.js';
import type { RecordEvent } from '../store/events.js';

export interface ControllerContext {
  store: ObjectStore;
  now: () => Date;
  stateDir: string | undefined;
  /** Base delay before a failed Job pod is replaced; doubles per failure (Kubernetes: 10 s). */
  jobBackoffMs: number;
  /** Records an Event about an object (counted when repeated). */
  record: RecordEvent;
}

export const PODS = resourceByPlural('pods');
export const NODES = resourceByPlural('nodes');
export const REPLICASETS = resourceByPlural('replicasets');
export const DEPLOYMENTS = resourceByPlural('deployments');
export const STATEFULSETS = resourceByPlural('statefulsets');
export const DAEMONSETS = resourceByPlural('daemonsets');
export const CONTROLLER_REVISIONS = resourceByPlural('controllerrevisions');
export const JOBS = resourceByPlural('jobs');
export const CRONJOBS = resourceByPlural('cronjobs');
export const SERVICES = resourceByPlural('services');
export const ENDPOINTS = resourceByPlural('endpoints');
export const NAMESPACES = resourceByPlural('namespaces');
export const PVCS = resourceByPlural('persistentvolumeclaims');
export const STORAGE_CLASSES = resourceByPlural('storageclasses');
