// Typed errors that dev-mode planning throws; each names the protocol error code it maps to and carries the
// structured data a client needs to show what happened and what to do.

export type DevPlanErrorCode =
  'WorkloadNotFound' | 'ContainerNotFound' | 'AlreadyInDevMode' | 'NotInDevMode' | 'InvalidConfig';

export abstract class DevPlanError extends Error {
  abstract readonly code: DevPlanErrorCode;
}

export type ContainerProblem = 'notFound' | 'ambiguous' | 'initContainer' | 'noContainers';

export class ContainerSelectionError extends DevPlanError {
  override readonly name = 'ContainerSelectionError';
  readonly code = 'ContainerNotFound';
  constructor(
    readonly workload: string,
    readonly requested: string | undefined,
    readonly problem: ContainerProblem,
    /** The names of the workload's (regular) containers, in order. */
    readonly containers: readonly string[],
  ) {
    super(containerMessage(workload, requested, problem, containers));
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
  readonly code = 'WorkloadNotFound';
  constructor(readonly kind: string) {
    super(
      `dev mode does not support kind '${kind}'; it supports Deployment, StatefulSet, DaemonSet, Pod, Job and CronJob`,
    );
  }
}

/** The workload is in dev mode under another engine's lease. */
export class DevModeHeldError extends DevPlanError {
  override readonly name = 'DevModeHeldError';
  readonly code = 'AlreadyInDevMode';
  constructor(
    readonly workload: string,
    readonly holder: string | undefined,
    readonly renewTime: string | undefined,
    /** The lease expired: the holder is probably gone and `force` takes it over. */
    readonly stale: boolean,
  ) {
    super(
      stale
        ? `${workload} was left in dev mode by ${holder ?? 'an unknown engine'} (lease last renewed ${renewTime ?? 'never'}); use --force to take it over`
        : `${workload} is in dev mode by ${holder ?? 'another engine'} (lease renewed ${renewTime ?? 'recently'}); end that session first`,
    );
  }
}

export class NotInDevModeError extends DevPlanError {
  override readonly name = 'NotInDevModeError';
  readonly code = 'NotInDevMode';
  constructor(readonly workload: string) {
    super(`${workload} is not in dev mode`);
  }
}

/** The saved original on the workload cannot be read, so it cannot be restored automatically. */
export class CorruptSavedOriginalError extends DevPlanError {
  override readonly name = 'CorruptSavedOriginalError';
  readonly code = 'NotInDevMode';
  constructor(
    readonly workload: string,
    readonly reason: string,
  ) {
    super(
      `${workload} carries an unreadable podloop.dev/original annotation (${reason}); restore it from your manifests`,
    );
  }
}

export class NoDevImageError extends DevPlanError {
  override readonly name = 'NoDevImageError';
  readonly code = 'InvalidConfig';
  constructor(readonly workload: string) {
    super(
      `no dev image for ${workload}: set image in .podloop/config.yaml, or run from a project folder whose language podloop detects`,
    );
  }
}
