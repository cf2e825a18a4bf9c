// Typed errors that dev-mode planning throws; each names the protocol error code it maps to and carries the
// structured `data` that code documents, so the engine turns it into a response without re-deriving anything.
import type {
  AlreadyInDevModeData,
  ContainerNotFoundData,
  InvalidConfigData,
  InvalidParamsData,
  WorkloadRef,
} from '../../protocol/errors.js';
import { describeWorkload, type Workload } from './types.js';

export type DevPlanErrorCode =
  'InvalidParams' | 'ContainerNotFound' | 'AlreadyInDevMode' | 'NotInDevMode' | 'InvalidConfig';

export abstract class DevPlanError extends Error {
  abstract readonly code: DevPlanErrorCode;
  abstract readonly data: unknown;
}

export function workloadRef(workload: Workload): WorkloadRef {
  return { kind: workload.kind, name: workload.metadata.name, namespace: workload.metadata.namespace ?? '' };
}

export type ContainerProblem = 'notFound' | 'ambiguous' | 'initContainer' | 'noContainers';

export class ContainerSelectionError extends DevPlanError {
  override readonly name = 'ContainerSelectionError';
  readonly code = 'ContainerNotFound';
  readonly data: ContainerNotFoundData;
  constructor(
    workload: Workload,
    readonly requested: string | undefined,
    readonly problem: ContainerProblem,
    /** The names of the workload's (regular) containers, in order. */
    readonly containers: readonly string[],
  ) {
    super(containerMessage(describeWorkload(workload), requested, problem, containers));
    this.data = { ...workloadRef(workload), container: requested ?? '', containers: [...containers] };
  }
}

function containerMessage(
  workload: string,
  requested: string | undefined,
  problem: ContainerProblem,
  names: readonly string[],
): string {
  const list = names.join(', ');
  switch (problem) {
    case 'noContainers':
      return `${workload} has no containers`;
    case 'ambiguous':
      return `${workload} has more than one container named '${requested ?? ''}'; its containers are: ${list}`;
    case 'initContainer':
      return `'${requested ?? ''}' is an init container of ${workload}; dev mode needs a regular container: ${list}`;
    case 'notFound':
      return `${workload} has no container '${requested ?? ''}'; its containers are: ${list}`;
  }
}

export class UnsupportedWorkloadError extends DevPlanError {
  override readonly name = 'UnsupportedWorkloadError';
  readonly code = 'InvalidParams';
  readonly data: InvalidParamsData = { field: 'kind' };
  constructor(
    readonly kind: string,
    detail = `dev mode does not support kind '${kind}'; it supports Deployment, StatefulSet, DaemonSet, Pod, Job and CronJob`,
  ) {
    super(detail);
  }
}

/** The workload is in dev mode under another engine's lease. */
export class DevModeHeldError extends DevPlanError {
  override readonly name = 'DevModeHeldError';
  readonly code = 'AlreadyInDevMode';
  readonly data: AlreadyInDevModeData & { renewTime?: string; stale: boolean };
  constructor(
    workload: Workload,
    readonly holder: string | undefined,
    readonly renewTime: string | undefined,
    /** The lease expired: the holder is probably gone and `force` takes it over. */
    readonly stale: boolean,
  ) {
    const label = describeWorkload(workload);
    super(
      stale
        ? `${label} was left in dev mode by ${holder ?? 'an unknown engine'} (lease last renewed ${renewTime ?? 'never'}); use --force to take it over`
        : `${label} is in dev mode by ${holder ?? 'another engine'} (lease renewed ${renewTime ?? 'recently'}); end that session first, or use --force`,
    );
    this.data = { ...workloadRef(workload), holder: holder ?? '', ...(renewTime ? { renewTime } : {}), stale };
  }
}

export class NotInDevModeError extends DevPlanError {
  override readonly name = 'NotInDevModeError';
  readonly code = 'NotInDevMode';
  readonly data: WorkloadRef;
  constructor(workload: Workload) {
    super(`${describeWorkload(workload)} is not in dev mode`);
    this.data = workloadRef(workload);
  }
}

/** The saved original on the workload cannot be read, so it cannot be restored automatically. */
export class CorruptSavedOriginalError extends DevPlanError {
  override readonly name = 'CorruptSavedOriginalError';
  readonly code = 'InvalidConfig';
  readonly data: InvalidConfigData;
  constructor(
    workload: Workload,
    readonly reason: string,
  ) {
    const label = describeWorkload(workload);
    super(`${label} carries an unreadable podloop.dev/original annotation (${reason}); restore it from your manifests`);
    this.data = { source: `annotation podloop.dev/original on ${label}` };
  }
}

export class NoDevImageError extends DevPlanError {
  override readonly name = 'NoDevImageError';
  readonly code = 'InvalidConfig';
  readonly data: InvalidConfigData = { source: '.podloop/config.yaml' };
  constructor(workload: Workload) {
    super(
      `no dev image for ${describeWorkload(workload)}: set image in .podloop/config.yaml, or run from a project folder whose language podloop detects`,
    );
  }
}
