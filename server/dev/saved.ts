// The podloop.dev/* annotation and label names, and the SavedOriginal record: everything dev start changes,
// stored as JSON in one annotation on the workload so any engine can restore it.
import type { Container, Workload } from './types.js';
import type { DevStrategy } from './workloadKinds.js';

export const devAnnotations = {
  /** On the workload: the SavedOriginal JSON. */
  original: 'podloop.dev/original',
  /** On the workload: the Lease JSON. */
  lease: 'podloop.dev/lease',
  /** On the workload: a DevState. */
  state: 'podloop.dev/state',
  /** On the dev pod template: the dev container's name. */
  container: 'podloop.dev/container',
  /** On a separate dev pod and on persistent-dir claims: "Kind/name" of the workload they belong to. */
  workload: 'podloop.dev/workload',
  /** On a persistent-dir claim: the directory it holds. */
  dir: 'podloop.dev/dir',
  /** Lets kubectl exec and logs pick the dev container without -c. */
  defaultContainer: 'kubectl.kubernetes.io/default-container',
} as const;

export const devLabels = {
  /** "true" on every pod podloop turned into a dev pod; with the workload's selector it finds the dev pod. */
  devMode: 'podloop.dev/dev-mode',
  /** "true" on the separate dev pod of a Job or CronJob. */
  devPod: 'podloop.dev/dev-pod',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The phases of dev/status, as recorded on the workload. */
export type DevState = 'starting' | 'running' | 'ending';

/** An original string value, or null where the key was absent. */
export type SavedValues = Record<string, string | null>;

export interface SavedOriginal {
  version: 1;
  kind: string;
  name: string;
  namespace?: string;
  strategy: DevStrategy;
  /** The dev container's name (dev mode never renames it). */
  container: string;
  /** Its position among the containers, used if the container has since disappeared. */
  containerIndex: number;
  /** The container exactly as it was. */
  originalContainer: Container;
  /** Kinds with replicas only; `value` absent when the field was absent. */
  replicas?: { value?: number };
  template: {
    hadMetadata: boolean;
    hadLabels: boolean;
    hadAnnotations: boolean;
    labels: SavedValues;
    annotations: SavedValues;
  };
  volumes: { hadVolumes: boolean; added: string[] };
  hadWorkloadAnnotations: boolean;
  /** separateDevPod: the pod created from the template. */
  devPodName?: string;
  /** Claims created for persistent dirs; they outlive dev mode on purpose. */
  persistentVolumeClaims: string[];
  savedAt: string;
}

export function annotationOf(workload: Workload, key: string): string | undefined {
  return workload.metadata.annotations?.[key];
}

export function serializeSaved(saved: SavedOriginal): string {
  return JSON.stringify(saved);
}

/** Reads the saved original; throws with a reason when the annotation is present but unusable. */
export function parseSaved(text: string): SavedOriginal {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const saved = value as Partial<SavedOriginal>;
  if (saved.version !== 1) throw new Error(`unknown version ${JSON.stringify(saved.version)}`);
  if (
    typeof saved.container !== 'string' ||
    typeof saved.originalContainer !== 'object' ||
    saved.originalContainer === null
  ) {
    throw new Error('no original container');
  }
  if (!saved.template || !saved.volumes || typeof saved.strategy !== 'string') throw new Error('incomplete record');
  return saved as SavedOriginal;
}
