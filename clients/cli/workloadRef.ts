// Parses the KIND/NAME arguments users type (`deploy/web`, `sts/db`, `pod/x`) into protocol kinds.
import type { WorkloadKind } from '../../protocol/workloads.js';

const aliases: Record<string, WorkloadKind> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
  pod: 'Pod',
  pods: 'Pod',
  po: 'Pod',
  job: 'Job',
  jobs: 'Job',
  cronjob: 'CronJob',
  cronjobs: 'CronJob',
  cj: 'CronJob',
};

export class UsageError extends Error {}

export function parseWorkloadRef(text: string): { kind: WorkloadKind; name: string } {
  const slash = text.indexOf('/');
  const kind = slash > 0 ? aliases[text.slice(0, slash).toLowerCase()] : undefined;
  const name = text.slice(slash + 1);
  if (kind === undefined || name === '' || name.includes('/')) {
    throw new UsageError(
      `'${text}' is not KIND/NAME; KIND is one of deployment, statefulset, daemonset, pod, job, cronjob (e.g. deploy/web)`,
    );
  }
  return { kind, name };
}
