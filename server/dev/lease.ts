// Pure lease logic: who develops a workload. The lease is JSON in the podloop.dev/lease annotation, renewed
// by its holder; an expired lease is stale and may be taken over on request.

export interface Lease {
  holder: string;
  /** RFC 3339 time of the last renewal. */
  renewTime: string;
  leaseDurationSeconds: number;
}

export type LeaseState = 'free' | 'ours' | 'held' | 'stale';

/** Long enough to survive a slow API server, short enough that a dead laptop's lease goes stale quickly. */
export const defaultLeaseDurationSeconds = 60;

export function parseLease(annotation: string | undefined): Lease | undefined {
  if (annotation === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(annotation);
    if (typeof value !== 'object' || value === null) return undefined;
    const { holder, renewTime, leaseDurationSeconds } = value as Record<string, unknown>;
    if (typeof holder !== 'string' || typeof renewTime !== 'string' || typeof leaseDurationSeconds !== 'number')
      return undefined;
    if (Number.isNaN(Date.parse(renewTime))) return undefined;
    return { holder, renewTime, leaseDurationSeconds };
  } catch {
    return undefined;
  }
}

/** An unreadable lease counts as stale: nobody can prove they hold it. */
export function leaseState(annotation: string | undefined, now: Date, engineId: string): LeaseState {
  if (annotation === undefined) return 'free';
  const lease = parseLease(annotation);
  if (!lease) return 'stale';
  if (lease.holder === engineId) return 'ours';
  return leaseExpired(lease, now) ? 'stale' : 'held';
}

export function leaseExpired(lease: Lease, now: Date): boolean {
  return Date.parse(lease.renewTime) + lease.leaseDurationSeconds * 1000 < now.getTime();
}

export function takeLease(engineId: string, now: Date, leaseDurationSeconds = defaultLeaseDurationSeconds): Lease {
  return { holder: engineId, renewTime: now.toISOString(), leaseDurationSeconds };
}

export function renewLease(lease: Lease, now: Date): Lease {
  return { ...lease, renewTime: now.toISOString() };
}

export function serializeLease(lease: Lease): string {
  return JSON.stringify(lease);
}
