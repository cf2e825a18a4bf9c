// Property: for random workloads of every kind, dev end after dev start gives back the object exactly.
// Replay a failure with PODLOOP_TEST_SEED=<seed printed in the failure>.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerConfig, Language } from '../../server/config/types.js';
import { applyJsonPatch } from '../../server/dev/jsonPatch.js';
import { planDevEnd, planDevStart } from '../../server/dev/plan.js';
import { stripServerFields } from '../../server/dev/restore.js';
import { devAnnotations, devLabels } from '../../server/dev/saved.js';
import type { Workload } from '../../server/dev/types.js';
import { seededRandom } from '../helpers/random.js';

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p = 0.5): boolean => random() < p;
const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/** Builds an object from entries in random order, dropping the ones not chosen. */
function shuffled(random: Random, entries: Array<[string, unknown] | undefined>): Record<string, unknown> {
  const present = entries.filter((e): e is [string, unknown] => e !== undefined);
  for (let i = present.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [present[i], present[j]] = [present[j]!, present[i]!];
  }
  return Object.fromEntries(present);
}

const maybe = <T>(random: Random, key: string, value: () => T, p = 0.5): [string, T] | undefined =>
  chance(random, p) ? [key, value()] : undefined;

const mountPaths = ['/data', '/cache', '/root/.npm', '/var/lib/app', '/app/node_modules'];

function container(random: Random, name: string): Record<string, unknown> {
  const probe = (): unknown =>
    pick(random, [
      { httpGet: { path: '/healthz', port: 8080 } },
      { tcpSocket: { port: 5432 } },
      { exec: { command: ['true'] } },
    ]);
  return shuffled(random, [
    ['name', name],
    maybe(
      random,
      'image',
      () => pick(random, ['nginx:1.27', 'podloop/web-app:1.0', 'ghcr.io/acme/api@sha256:abc']),
      0.9,
    ),
    maybe(random, 'command', () => pick(random, [['node', 'server.js'], ['/bin/app'], ['sh', '-c', 'exec app']])),
    maybe(random, 'args', () => pick(random, [[], ['--port', '8080'], ['serve']])),
    maybe(random, 'workingDir', () => pick(random, ['/app', '/srv', '/'])),
    maybe(random, 'env', () =>
      Array.from({ length: int(random, 0, 3) }, (_, i) =>
        chance(random)
          ? { name: pick(random, ['MODE', 'PORT', 'LOG_LEVEL']) + i, value: String(int(random, 0, 99)) }
          : { name: `REF${i}`, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ),
    ),
    maybe(random, 'ports', () => [{ containerPort: int(random, 1, 65535), protocol: 'TCP' }]),
    maybe(random, 'livenessProbe', probe),
    maybe(random, 'readinessProbe', probe),
    maybe(random, 'startupProbe', probe, 0.3),
    maybe(random, 'resources', () =>
      pick(random, [{}, { requests: { cpu: '100m' } }, { limits: { memory: '1Gi' }, requests: { memory: '512Mi' } }]),
    ),
    maybe(random, 'volumeMounts', () => [{ name: 'vol0', mountPath: pick(random, mountPaths) }]),
    maybe(random, 'securityContext', () => ({ runAsNonRoot: true, readOnlyRootFilesystem: chance(random) }), 0.4),
    maybe(random, 'imagePullPolicy', () => pick(random, ['Always', 'IfNotPresent']), 0.3),
  ]);
}

function podTemplate(
  random: Random,
  kind: string,
): { metadata?: Record<string, unknown>; spec: Record<string, unknown> } {
  const names = ['app', 'sidecar', 'proxy', 'worker'].slice(0, int(random, 1, 4));
  const labels = (): Record<string, string> =>
    shuffled(random, [
      ['app', 'demo'],
      maybe(random, 'tier', () => 'backend'),
      maybe(random, devLabels.devMode, () => 'false', 0.15),
      ...(kind === 'Job'
        ? [['job-name', 'demo'] as [string, unknown], ['controller-uid', 'u-1'] as [string, unknown]]
        : []),
    ]) as Record<string, string>;
  const annotations = (): Record<string, string> =>
    shuffled(random, [
      maybe(random, 'prometheus.io/scrape', () => 'true'),
      maybe(random, devAnnotations.defaultContainer, () => 'sidecar', 0.3),
    ]) as Record<string, string>;
  const metadata = chance(random, 0.8)
    ? shuffled(random, [maybe(random, 'labels', labels, 0.8), maybe(random, 'annotations', annotations, 0.5)])
    : undefined;
  const spec = shuffled(random, [
    ['containers', names.map((name) => container(random, name))],
    maybe(random, 'initContainers', () => [container(random, 'init')], 0.2),
    maybe(random, 'volumes', () => (chance(random) ? [] : [{ name: 'vol0', emptyDir: {} }]), 0.6),
    maybe(random, 'restartPolicy', () => (kind === 'Job' || kind === 'CronJob' ? 'Never' : 'Always')),
    maybe(random, 'activeDeadlineSeconds', () => 600, 0.2),
    maybe(random, 'nodeSelector', () => ({ 'kubernetes.io/os': 'linux' }), 0.3),
  ]);
  return metadata ? { metadata, spec } : { spec };
}

function workload(random: Random): Workload {
  const kind = pick(random, ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob']);
  const name = pick(random, ['web', 'api-server', 'x', 'payments-reconciler-nightly']);
  const metadata = shuffled(random, [
    ['name', name],
    maybe(random, 'namespace', () => pick(random, ['default', 'shop']), 0.8),
    maybe(random, 'resourceVersion', () => String(int(random, 1, 99999)), 0.8),
    maybe(random, 'uid', () => `uid-${int(random, 1, 1e6)}`, 0.6),
    maybe(random, 'labels', () => ({ app: 'demo' })),
    maybe(random, 'annotations', () => shuffled(random, [['team', 'core'], maybe(random, 'note', () => 'x')])),
  ]);
  const template = podTemplate(random, kind);
  let body: Record<string, unknown>;
  switch (kind) {
    case 'Pod':
      body = { spec: template.spec, ...(chance(random) ? { status: { phase: 'Running' } } : {}) };
      if (template.metadata?.labels)
        metadata.labels = { ...(metadata.labels as object), ...(template.metadata.labels as object) };
      break;
    case 'CronJob':
      body = {
        spec: shuffled(random, [
          ['schedule', '0 * * * *'],
          ['jobTemplate', { spec: { template } }],
          maybe(random, 'suspend', () => false),
        ]),
      };
      break;
    default:
      body = {
        spec: shuffled(random, [
          ['template', template],
          ['selector', { matchLabels: { app: 'demo' } }],
          ...(kind === 'Deployment' || kind === 'StatefulSet'
            ? [maybe(random, 'replicas', () => int(random, 0, 5), 0.8)]
            : []),
          maybe(
            random,
            'updateStrategy',
            () => ({ type: pick(random, ['RollingUpdate', 'OnDelete']) }),
            kind === 'Deployment' ? 0 : 0.5,
          ),
        ]),
      };
  }
  return {
    apiVersion: kind === 'Pod' ? 'v1' : kind.endsWith('Job') ? 'batch/v1' : 'apps/v1',
    kind,
    metadata,
    ...body,
  } as Workload;
}

function config(random: Random): ContainerConfig | undefined {
  if (chance(random, 0.2)) return undefined;
  return {
    ...(chance(random) ? { image: 'podloop/custom-dev' } : {}),
    ...(chance(random) ? { workDir: pick(random, ['/app', '/workspace']) } : {}),
    shell: '/bin/sh',
    command: { run: [], debug: [] },
    hotReload: false,
    sync: { include: [], exclude: [], mode: 'one-way' },
    env: Array.from({ length: int(random, 0, 3) }, () => ({
      name: pick(random, ['MODE0', 'PORT1', 'REF0', 'NEW']),
      value: 'dev',
    })),
    ...(chance(random) ? { resources: { limits: { cpu: '2' } } } : {}),
    persistentDirs: [...new Set(Array.from({ length: int(random, 0, 2) }, () => pick(random, mountPaths)))].map(
      (path) => ({ path, size: '1Gi' }),
    ),
    portForward: [],
  };
}

void test('dev end after dev start restores every kind exactly, also after an idempotent restart and a takeover', (t) => {
  const seed = Number(process.env.PODLOOP_TEST_SEED ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (replay with PODLOOP_TEST_SEED=${seed})`);
  const random = seededRandom(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 300; i++) {
    const original = workload(random);
    const expected = original.kind === 'Pod' ? stripServerFields(original) : original;
    const containers = (original.kind === 'Pod' ? original.spec : findTemplateSpec(original)) as {
      containers: Array<{ name: string }>;
    };
    const containerName = chance(random) ? pick(random, containers.containers).name : undefined;
    const now = new Date(Date.UTC(2026, 10, 24, 12, 0, int(random, 0, 59)));
    const options = {
      engineId: 'engine-a',
      now,
      language: pick(random, ['node', 'python', 'java', 'go'] as Language[]),
      ...(containerName ? { container: containerName } : {}),
      ...withConfig(config(random)),
    };
    const where = `seed ${seed}, case ${i}, ${original.kind}`;

    const start = planDevStart(original, options);
    const patched = applyJsonPatch(original, start.patch);
    assert.deepEqual(patched, start.workload, `${where}: the patch produces the planned workload`);
    const inDevMode = start.recreatedPod ?? patched;
    assert.deepEqual(restore(inDevMode), expected, `${where}: restore after start`);

    const again = planDevStart(inDevMode, { ...options, now: new Date(now.getTime() + 5000) });
    assert.equal(again.outcome, 'alreadyInDevMode', where);
    assert.equal(
      again.workload.metadata.annotations?.[devAnnotations.original],
      inDevMode.metadata.annotations?.[devAnnotations.original],
      `${where}: saved unchanged`,
    );

    // The engine taking over may develop another container with another config.
    const otherContainer = chance(random) ? pick(random, containers.containers).name : undefined;
    const takeover = planDevStart(inDevMode, {
      engineId: 'engine-b',
      now: new Date(now.getTime() + 3_600_000),
      force: true,
      language: 'go',
      ...(otherContainer ? { container: otherContainer } : {}),
      ...withConfig(config(random)),
    });
    const takenOver = takeover.recreatedPod ?? applyJsonPatch(inDevMode, takeover.patch);
    assert.deepEqual(restore(takenOver), expected, `${where}: restore after takeover`);
    counts[original.kind] = (counts[original.kind] ?? 0) + 1;
  }
  assert.equal(Object.keys(counts).length, 6, `seed ${seed}: every kind was generated`);
});

function withConfig(config: ContainerConfig | undefined): { config?: ContainerConfig } {
  return config ? { config } : {};
}

function restore(inDevMode: Workload): Workload {
  const end = planDevEnd(inDevMode);
  return end.recreatedPod ?? applyJsonPatch(inDevMode, end.patch);
}

function findTemplateSpec(w: Workload): unknown {
  const spec = w.spec as Record<string, unknown>;
  const template = (
    w.kind === 'CronJob'
      ? ((spec.jobTemplate as Record<string, unknown>).spec as Record<string, unknown>).template
      : spec.template
  ) as Record<string, unknown>;
  return template.spec;
}
