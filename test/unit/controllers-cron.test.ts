import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRun, parseCron, zoneFormatter } from '../../sandbox/controllers/cron.js';
import { startControllers } from '../../sandbox/controllers/index.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { fakeKubelet, PODS, storeWithNamespace, waitFor } from './controllers-fakes.js';

const CRONJOBS = resourceByPlural('cronjobs');
const JOBS = resourceByPlural('jobs');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function next(schedule: string, after: string): string | undefined {
  return nextRun(parseCron(schedule), new Date(after))?.toISOString();
}

void test('cron schedules step, range, list and name fields the standard way', () => {
  assert.equal(next('*/15 * * * *', '2026-03-01T10:07:30Z'), '2026-03-01T10:15:00.000Z');
  assert.equal(next('0 9-17/4 * * *', '2026-03-01T13:00:00Z'), '2026-03-01T17:00:00.000Z');
  assert.equal(next('30 2 * * mon,fri', '2026-03-01T00:00:00Z'), '2026-03-02T02:30:00.000Z'); // 1 March 2026 is a Sunday
  assert.equal(next('0 0 1 jan *', '2026-03-01T00:00:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('@hourly', '2026-03-01T10:00:00Z'), '2026-03-01T11:00:00.000Z');
  assert.equal(next('0 0 * * 7', '2026-03-02T00:00:00Z'), '2026-03-08T00:00:00.000Z');
  // Both day fields restricted: either may match.
  assert.equal(next('0 0 13 * 5', '2026-03-01T00:00:00Z'), '2026-03-06T00:00:00.000Z');
  assert.equal(next('0 0 31 2 *', '2026-03-01T00:00:00Z'), undefined);
});

void test('a schedule with a time zone follows its wall clock across a DST change', () => {
  const schedule = parseCron('30 2 * * *');
  const zone = 'Europe/Berlin';
  // 02:30 Berlin is 01:30 UTC in winter and 00:30 UTC in summer; on 29 March 2026 it does not exist.
  assert.equal(nextRun(schedule, new Date('2026-03-27T12:00:00Z'), zone)?.toISOString(), '2026-03-28T01:30:00.000Z');
  assert.equal(nextRun(schedule, new Date('2026-03-28T12:00:00Z'), zone)?.toISOString(), '2026-03-30T00:30:00.000Z');
  assert.throws(() => zoneFormatter('Mars/Olympus'), RangeError);
});

void test('malformed cron schedules are rejected with a reason', () => {
  assert.throws(() => parseCron('* * * *'), /5 fields/);
  assert.throws(() => parseCron('61 * * * *'), /minute out of range/);
  assert.throws(() => parseCron('*/0 * * * *'), /invalid step/);
  assert.throws(() => parseCron('* * * foo *'), /invalid value/);
});

function cronJob(concurrencyPolicy: string): KubeObjectInput {
  return {
    metadata: { name: 'tick', namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy,
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { app: 'tick' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'tick:1' }] },
          },
        },
      },
    },
  };
}

function ownedJobs(store: ReturnType<typeof storeWithNamespace>): KubeObject[] {
  return store.list(JOBS, { namespace: 'default' }).items;
}

void test('a CronJob creates one Job per scheduled minute as its clock advances', async () => {
  const store = storeWithNamespace();
  let clock = new Date();
  const controllers = startControllers(store, { now: () => clock });
  cleanups.push(() => controllers.stop());
  store.create(CRONJOBS, cronJob('Allow'));
  const minute = (d: Date): number => Math.floor(d.getTime() / 60_000);
  clock = new Date((minute(clock) + 1) * 60_000 + 5_000);
  controllers.resync();
  const [first] = await waitFor(() => (ownedJobs(store).length === 1 ? ownedJobs(store) : undefined), 'first job');
  assert.equal(first!.metadata.name, `tick-${minute(clock)}`);
  assert.equal(first!.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(
    first!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
    new Date(minute(clock) * 60_000).toISOString().replace('.000', ''),
  );
  clock = new Date(clock.getTime() + 60_000);
  controllers.resync();
  await waitFor(() => ownedJobs(store).length === 2, 'second job');
  const cj = await waitFor(() => {
    const current = store.get(CRONJOBS, 'default', 'tick');
    return ((current.status as { active?: unknown[] } | undefined)?.active ?? []).length === 2 ? current : undefined;
  }, 'active list');
  assert.equal(
    (cj.status as { lastScheduleTime: string }).lastScheduleTime,
    new Date(minute(clock) * 60_000).toISOString().replace('.000', ''),
  );
});

void test('concurrencyPolicy Forbid skips runs while a Job is active and resumes after it ends', async () => {
  const store = storeWithNamespace();
  const kubelet = fakeKubelet(store, () => 'pending');
  let clock = new Date();
  const controllers = startControllers(store, { now: () => clock });
  cleanups.push(
    () => controllers.stop(),
    () => kubelet.stop(),
  );
  store.create(CRONJOBS, cronJob('Forbid'));
  clock = new Date(clock.getTime() + 61_000);
  controllers.resync();
  await waitFor(() => store.list(PODS, { namespace: 'default' }).items.length === 1, 'first job pod');
  clock = new Date(clock.getTime() + 60_000);
  controllers.resync();
  await waitFor(
    () =>
      store
        .list(resourceByPlural('events'), { namespace: 'default' })
        .items.some((e) => e.reason === 'JobAlreadyActive'),
    'the skipped run',
  );
  assert.equal(ownedJobs(store).length, 1);
  const pod = store.list(PODS, { namespace: 'default' }).items[0]!;
  store.update(PODS, { ...pod, status: { phase: 'Succeeded' } }, { subresource: 'status' });
  await waitFor(() => ownedJobs(store).length === 2, 'the waiting run after the first job ended');
  const sawCompleted = store
    .list(resourceByPlural('events'), { namespace: 'default' })
    .items.some((e) => e.reason === 'SawCompletedJob');
  assert.ok(sawCompleted);
});

void test('concurrencyPolicy Replace deletes the running Job and starts the new one', async () => {
  const store = storeWithNamespace();
  const kubelet = fakeKubelet(store, () => 'pending');
  let clock = new Date();
  const controllers = startControllers(store, { now: () => clock });
  cleanups.push(
    () => controllers.stop(),
    () => kubelet.stop(),
  );
  store.create(CRONJOBS, cronJob('Replace'));
  clock = new Date(clock.getTime() + 61_000);
  controllers.resync();
  const [first] = await waitFor(() => (ownedJobs(store).length === 1 ? ownedJobs(store) : undefined), 'first job');
  clock = new Date(clock.getTime() + 60_000);
  controllers.resync();
  await waitFor(
    () => ownedJobs(store).length === 1 && ownedJobs(store)[0]!.metadata.name !== first!.metadata.name,
    'the replacement job alone',
  );
  const cj = store.get(CRONJOBS, 'default', 'tick');
  assert.deepEqual(
    ((cj.status as { active?: { name: string }[] }).active ?? []).map((a) => a.name),
    [ownedJobs(store)[0]!.metadata.name],
  );
});
