// Lease states and HPA detection: the pure rules that decide who may develop a workload and what to warn about.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDevMode } from '../../server/dev/devModeInfo.js';
import { findHorizontalPodAutoscaler, hpaWarning } from '../../server/dev/hpa.js';
import { leaseState, renewLease, serializeLease, takeLease } from '../../server/dev/lease.js';
import { planDevStart } from '../../server/dev/plan.js';
import { dirSlug, planPersistentDirs } from '../../server/dev/persistentDirs.js';
import type { Workload } from '../../server/dev/types.js';

const now = new Date('2026-11-24T12:00:00Z');
const seconds = (n: number): Date => new Date(now.getTime() + n * 1000);

void describe('lease', () => {
  const lease = serializeLease(takeLease('engine-a', now, 30));

  void test('no annotation is free', () => assert.equal(leaseState(undefined, now, 'engine-a'), 'free'));
  void test('our own lease is ours, even once expired', () => {
    assert.equal(leaseState(lease, seconds(10), 'engine-a'), 'ours');
    assert.equal(leaseState(lease, seconds(3600), 'engine-a'), 'ours');
  });
  void test("another engine's lease is held until its duration passes, then stale", () => {
    assert.equal(leaseState(lease, seconds(30), 'engine-b'), 'held');
    assert.equal(leaseState(lease, seconds(31), 'engine-b'), 'stale');
  });
  void test('an unreadable lease is stale, so it can be taken over on request', () => {
    assert.equal(leaseState('not json', now, 'engine-b'), 'stale');
    assert.equal(leaseState('{"holder":"x"}', now, 'engine-b'), 'stale');
  });
  void test('renewing moves the renew time and keeps holder and duration', () => {
    const renewed = renewLease(takeLease('engine-a', now, 30), seconds(20));
    assert.deepEqual(renewed, { holder: 'engine-a', renewTime: '2026-11-24T12:00:20.000Z', leaseDurationSeconds: 30 });
    assert.equal(leaseState(serializeLease(renewed), seconds(45), 'engine-b'), 'held');
  });
});

void describe('HorizontalPodAutoscaler detection', () => {
  const web: Workload = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'x' }] } } },
  };
  const hpa = (name: string, target: Record<string, unknown>, namespace = 'shop'): unknown => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec: { scaleTargetRef: target, minReplicas: 2, maxReplicas: 5 },
  });
  const hpas = [
    hpa('other', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }),
    hpa('elsewhere', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, 'staging'),
    hpa('wrong-kind', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' }),
    'garbage',
    hpa('web-hpa', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }),
  ];

  void test('finds the HPA whose scale target is the workload, ignoring others and malformed entries', () => {
    assert.deepEqual(findHorizontalPodAutoscaler(hpas, web), { name: 'web-hpa', minReplicas: 2, maxReplicas: 5 });
    assert.equal(findHorizontalPodAutoscaler(hpas.slice(0, 4), web), undefined);
  });

  void test('dev start reports it as a warning and still sets one replica', () => {
    const plan = planDevStart(
      { ...web, spec: { ...web.spec, replicas: 4 } },
      { engineId: 'e', now, language: 'node', hpas },
    );
    assert.equal(plan.workload.spec?.replicas, 1);
    assert.deepEqual(plan.warnings, [hpaWarning({ name: 'web-hpa', minReplicas: 2, maxReplicas: 5 }, web)]);
    assert.match(
      plan.warnings[0]!,
      /HorizontalPodAutoscaler web-hpa \(2-5 replicas\) scales Deployment web in namespace shop/,
    );
  });
});

void describe('persistent dir names', () => {
  const web: Workload = { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
  void test('slugs are DNS-label safe', () => {
    assert.equal(dirSlug('/home/App/.cache'), 'home-app-cache');
    assert.equal(dirSlug('/'), 'root');
  });
  void test('paths sharing a slug get distinct claims, and names stay within Kubernetes limits', () => {
    const plans = planPersistentDirs(
      web,
      [
        { path: '/a_b', size: '1Gi' },
        { path: '/a-b', size: '1Gi' },
        { path: `/${'x'.repeat(300)}`, size: '1Gi' },
      ],
      new Set(),
    );
    assert.equal(new Set(plans.map((p) => p.claimName)).size, 3);
    assert.equal(plans[0]!.claimName, 'web-a-b-podloop');
    for (const plan of plans) {
      assert.ok(plan.claimName.length <= 253 && plan.volumeName.length <= 63, plan.claimName);
      assert.match(plan.volumeName, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      assert.match(plan.claimName, /-podloop$/);
    }
  });
  void test('a volume name already used by the workload is not reused', () => {
    const [plan] = planPersistentDirs(web, [{ path: '/data', size: '1Gi' }], new Set(['podloop-data']));
    assert.notEqual(plan!.volumeName, 'podloop-data');
  });
});

void describe('dev mode info', () => {
  const web: Workload = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'x' }] } } },
  };

  void test('a workload in dev mode reports its container, state and whose lease it is', () => {
    const inDevMode = planDevStart(web, { engineId: 'engine-a', now, language: 'node' }).workload;
    assert.equal(readDevMode(web, 'engine-a', now), undefined);
    assert.deepEqual(readDevMode(inDevMode, 'engine-b', seconds(5)), {
      workload: { kind: 'Deployment', name: 'web', namespace: 'shop' },
      container: 'app',
      strategy: 'patchInPlace',
      state: 'starting',
      lease: { holder: 'engine-a', renewTime: now.toISOString(), leaseDurationSeconds: 60 },
      leaseState: 'held',
      restorable: true,
    });
    assert.equal(readDevMode(inDevMode, 'engine-a', seconds(5))?.leaseState, 'ours');
  });

  void test('an unreadable saved record is reported as not restorable instead of failing', () => {
    const broken = { ...web, metadata: { ...web.metadata, annotations: { 'podloop.dev/original': '{oops' } } };
    assert.deepEqual(readDevMode(broken, 'engine-a', now), {
      workload: { kind: 'Deployment', name: 'web', namespace: 'shop' },
      leaseState: 'free',
      restorable: false,
    });
  });
});
