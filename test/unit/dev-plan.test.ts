// Dev start and dev end planning on realistic manifests of every supported kind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../server/config/load.js';
import type { ContainerConfig } from '../../server/config/types.js';
import { blockingCommand } from '../../server/dev/devContainer.js';
import {
  ContainerSelectionError,
  DevModeHeldError,
  NoDevImageError,
  NotInDevModeError,
  UnsupportedWorkloadError,
} from '../../server/dev/errors.js';
import { applyJsonPatch } from '../../server/dev/jsonPatch.js';
import {
  devStatePatch,
  leaseRenewPatch,
  planDevEnd,
  planDevStart,
  type DevStartOptions,
} from '../../server/dev/plan.js';
import { podFromBackup } from '../../server/dev/podBackup.js';
import { stripServerFields } from '../../server/dev/restore.js';
import { devAnnotations, devLabels, parseSaved } from '../../server/dev/saved.js';
import { isWorkload, type Container, type PodSpec, type Workload } from '../../server/dev/types.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/config/workloads/', import.meta.url));

function workload(name: string): Workload {
  const value: unknown = parse(readFileSync(join(fixtures, `${name}.yaml`), 'utf8'));
  assert.ok(isWorkload(value));
  return value;
}

function containerConfig(yaml: string): ContainerConfig {
  const text = `version: 1\nworkloads:\n  - kind: Deployment\n    name: any\n    containers:\n      - ${yaml.trim().split('\n').join('\n        ')}\n`;
  return parseConfigText(text, 'test').workloads[0]!.containers[0]!;
}

const now = new Date('2026-11-24T12:00:00Z');
const options = (extra: Partial<DevStartOptions> = {}): DevStartOptions => ({
  engineId: 'engine-a',
  now,
  language: 'node',
  ...extra,
});
const templateSpec = (w: Workload, path: string[]): PodSpec =>
  path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], w) as PodSpec;
const deploymentSpec = (w: Workload): PodSpec => templateSpec(w, ['spec', 'template', 'spec']);

/** Applies a start plan the way the engine would and returns the object left in the cluster. */
function applyStart(original: Workload, opts: DevStartOptions): Workload {
  const plan = planDevStart(original, opts);
  const patched = applyJsonPatch(original, plan.patch);
  assert.deepEqual(patched, plan.workload, 'the patch produces the planned workload');
  return plan.recreatedPod ?? patched;
}

function applyEnd(inDevMode: Workload): Workload {
  const plan = planDevEnd(inDevMode);
  return plan.recreatedPod ?? applyJsonPatch(inDevMode, plan.patch);
}

void describe('dev start on a Deployment', () => {
  const original = workload('deployment');
  const config = containerConfig(`
name: app
image: podloop/node-dev:20
workDir: /srv/web
env: { GREETING: dev, EXTRA: "1" }
resources: { limits: { cpu: 2, memory: 1Gi } }`);
  const plan = planDevStart(original, options({ config }));
  const spec = deploymentSpec(plan.workload);
  const dev = spec.containers[0]!;

  void test('turns the chosen container into a dev container with a blocking PID 1 and no probes or args', () => {
    assert.equal(plan.outcome, 'start');
    assert.equal(plan.container, 'app');
    assert.equal(dev.image, 'podloop/node-dev:20');
    assert.deepEqual(dev.command, blockingCommand);
    assert.equal(dev.args, undefined);
    assert.equal(dev.readinessProbe, undefined);
    assert.equal(dev.livenessProbe, undefined);
    assert.equal(dev.workingDir, '/srv/web');
    assert.deepEqual(dev.resources, { limits: { cpu: '2', memory: '1Gi' } });
    assert.deepEqual(dev.ports, deploymentSpec(original).containers[0]!.ports);
  });

  void test('merges env by name: config values win in place, new names are appended, others kept', () => {
    assert.deepEqual(dev.env, [
      { name: 'GREETING', value: 'dev' },
      { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'EXTRA', value: '1' },
    ]);
  });

  void test('sets replicas to 1, labels the pod template and leaves the other container and fields untouched', () => {
    assert.equal(plan.workload.spec?.replicas, 1);
    assert.deepEqual(spec.containers[1], deploymentSpec(original).containers[1]);
    assert.deepEqual(plan.workload.spec?.strategy, original.spec?.strategy);
    assert.deepEqual(spec.volumes, deploymentSpec(original).volumes);
    assert.equal(plan.devPodLabels[devLabels.devMode], 'true');
    assert.equal(plan.devPodLabels.app, 'web');
    assert.equal(plan.rollout, 'controller');
  });

  void test('saves the original container, replicas and touched template keys in one annotation, with lease and state', () => {
    const annotations = plan.workload.metadata.annotations!;
    const saved = parseSaved(annotations[devAnnotations.original]!);
    assert.deepEqual(saved.originalContainer, deploymentSpec(original).containers[0]);
    assert.deepEqual(saved.replicas, { value: 3 });
    assert.deepEqual(saved.template.labels, { [devLabels.devMode]: null });
    assert.equal(JSON.parse(annotations[devAnnotations.lease]!).holder, 'engine-a');
    assert.equal(annotations[devAnnotations.state], 'starting');
    assert.equal(annotations['deployment.kubernetes.io/revision'], '3');
  });

  void test('the patch applies over status churn but fails once the spec or annotations changed since the read', () => {
    const churned = structuredClone(original);
    churned.metadata.resourceVersion = '4999';
    churned.status = { observedGeneration: 4, replicas: 2 };
    assert.equal(applyJsonPatch(churned, plan.patch).spec?.replicas, 1);
    const scaled = structuredClone(original);
    scaled.spec!.replicas = 5;
    assert.throws(() => applyJsonPatch(scaled, plan.patch));
    const claimed = structuredClone(original);
    claimed.metadata.annotations![devAnnotations.lease] = 'another engine';
    assert.throws(() => applyJsonPatch(claimed, plan.patch));
  });

  void test('without annotations to compare, the patch falls back to the resourceVersion', () => {
    const bare = structuredClone(original);
    delete bare.metadata.annotations;
    const patch = planDevStart(bare, options()).patch;
    assert.ok(patch.some((op) => op.op === 'test' && op.path === '/metadata/resourceVersion'));
    assert.throws(() => applyJsonPatch({ ...bare, metadata: { ...bare.metadata, resourceVersion: '1' } }, patch));
  });

  void test('dev end restores the object exactly', () => {
    assert.deepEqual(applyEnd(plan.workload), original);
  });
});

void describe('dev start on other kinds', () => {
  void test('a StatefulSet with OnDelete updates asks for its pods to be deleted, loses its startup probe, restores exactly', () => {
    const original = workload('statefulset');
    const plan = planDevStart(original, options({ language: 'python' }));
    assert.equal(plan.rollout, 'deletePods');
    const dev = deploymentSpec(plan.workload).containers[0]!;
    assert.equal(dev.startupProbe, undefined);
    assert.equal(dev.image, 'podloop/python-dev');
    assert.equal(dev.workingDir, '/app');
    assert.equal(plan.workload.spec?.replicas, 1);
    assert.deepEqual(plan.workload.spec?.volumeClaimTemplates, original.spec?.volumeClaimTemplates);
    assert.deepEqual(applyEnd(plan.workload), original);
  });

  void test('a DaemonSet gets a claim per persistent dir, keeps its workingDir by default and drops the volumes again on end', () => {
    const original = workload('daemonset');
    const config = containerConfig(
      `persistentDirs: [{ path: /root/.cache }, { path: /srv/agent/node_modules, size: 5Gi, storageClass: fast }]`,
    );
    const plan = planDevStart(original, options({ config }));
    assert.equal(plan.workload.spec?.replicas, undefined);
    assert.deepEqual(
      plan.persistentDirs.map((d) => [d.claimName, d.volumeName, d.path]),
      [
        ['agent-root-cache-podloop', 'podloop-root-cache', '/root/.cache'],
        ['agent-srv-agent-node-modules-podloop', 'podloop-srv-agent-node-modules', '/srv/agent/node_modules'],
      ],
    );
    // Without a class the cluster's default applies; with one, the claim names it.
    assert.equal(plan.persistentDirs[0]!.claim.spec?.storageClassName, undefined);
    assert.deepEqual(plan.persistentDirs[1]!.claim.spec, {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
      storageClassName: 'fast',
    });
    assert.equal(plan.persistentDirs[1]!.claim.metadata.namespace, 'kube-ops');
    const spec = deploymentSpec(plan.workload);
    assert.deepEqual(spec.volumes, [
      { name: 'podloop-root-cache', persistentVolumeClaim: { claimName: 'agent-root-cache-podloop' } },
      {
        name: 'podloop-srv-agent-node-modules',
        persistentVolumeClaim: { claimName: 'agent-srv-agent-node-modules-podloop' },
      },
    ]);
    assert.deepEqual(spec.containers[0]!.volumeMounts, [
      { name: 'podloop-root-cache', mountPath: '/root/.cache' },
      { name: 'podloop-srv-agent-node-modules', mountPath: '/srv/agent/node_modules' },
    ]);
    assert.equal(spec.containers[0]!.workingDir, '/srv/agent');
    assert.ok(plan.warnings.some((w) => w.includes('ReadWriteOnce')));
    const end = planDevEnd(plan.workload);
    assert.deepEqual(end.keptClaims, ['agent-root-cache-podloop', 'agent-srv-agent-node-modules-podloop']);
    assert.deepEqual(applyJsonPatch(plan.workload, end.patch), original);
  });

  void test('a bare Pod is annotated in place first, then recreated as a dev pod, and recreated as it was on end', () => {
    const original = workload('pod');
    const plan = planDevStart(original, options({ language: 'python' }));
    assert.equal(plan.rollout, 'recreate');
    assert.ok(plan.patch.every((op) => op.op === 'test' || op.path.startsWith('/metadata/annotations')));
    const pod = plan.recreatedPod!;
    assert.equal(pod.metadata.uid, undefined);
    assert.equal(pod.metadata.resourceVersion, undefined);
    assert.equal(pod.status, undefined);
    assert.equal(pod.metadata.labels?.[devLabels.devMode], 'true');
    const dev = (pod.spec as unknown as PodSpec).containers[0]!;
    assert.deepEqual([dev.image, dev.args, dev.readinessProbe], ['podloop/python-dev', undefined, undefined]);
    assert.equal(plan.podBackup?.metadata.name, 'scratch-podloop-original');
    assert.deepEqual(podFromBackup(plan.podBackup), stripServerFields(original));
    const end = planDevEnd(pod);
    assert.deepEqual(end.deletePods, ['scratch']);
    assert.deepEqual(end.deleteConfigMaps, ['scratch-podloop-original']);
    assert.deepEqual(end.recreatedPod, stripServerFields(original));
    // A crash between annotating and deleting leaves a pod that dev end restores to the original.
    assert.deepEqual(applyEnd(plan.workload), original);
  });

  void test('a Job gets a separate long-running dev pod that its controller cannot adopt; the Job itself keeps its spec', () => {
    const original = workload('job');
    const plan = planDevStart(original, options({ language: 'java' }));
    assert.equal(plan.rollout, 'createDevPod');
    assert.deepEqual(plan.workload.spec, original.spec);
    const pod = plan.devPod!;
    assert.equal(pod.metadata.name, 'migrate-podloop-dev');
    assert.deepEqual(pod.metadata.labels, { app: 'migrate', [devLabels.devMode]: 'true', [devLabels.devPod]: 'true' });
    assert.equal(pod.metadata.annotations?.[devAnnotations.workload], 'Job/migrate');
    assert.equal(pod.metadata.ownerReferences, undefined);
    const spec = pod.spec as unknown as PodSpec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.activeDeadlineSeconds, undefined);
    assert.deepEqual(spec.initContainers, templateSpec(original, ['spec', 'template', 'spec']).initContainers);
    assert.deepEqual(spec.containers[0]!.command, blockingCommand);
    const end = planDevEnd(plan.workload);
    assert.deepEqual(end.deletePods, ['migrate-podloop-dev']);
    assert.deepEqual(applyJsonPatch(plan.workload, end.patch), original);
  });

  void test('a CronJob template without metadata still yields a labelled dev pod, and the CronJob is restored exactly', () => {
    const original = workload('cronjob');
    const plan = planDevStart(original, options({ language: 'go' }));
    assert.deepEqual(plan.devPod?.metadata.labels, { [devLabels.devMode]: 'true', [devLabels.devPod]: 'true' });
    assert.equal(plan.devPod?.metadata.name, 'report-podloop-dev');
    assert.equal((plan.devPod?.spec as unknown as PodSpec).containers[0]!.image, 'podloop/go-dev');
    assert.deepEqual(plan.workload.spec, original.spec);
    assert.deepEqual(applyEnd(plan.workload), original);
  });

  void test('explicit image and workDir from the request win over the config', () => {
    const plan = planDevStart(
      workload('deployment'),
      options({ image: 'my/dev', workDir: '/w', config: containerConfig('image: cfg/dev\nworkDir: /cfg') }),
    );
    assert.deepEqual([plan.image, plan.workDir], ['my/dev', '/w']);
    assert.equal(deploymentSpec(plan.workload).containers[0]!.workingDir, '/w');
  });

  void test('a read-only root filesystem gets an empty writable volume at workDir, removed again on end', () => {
    const original = workload('deployment');
    const app = deploymentSpec(original).containers[0]!;
    app.securityContext = { readOnlyRootFilesystem: true };
    const plan = planDevStart(original, options({ workDir: '/app' }));
    const spec = deploymentSpec(plan.workload);
    assert.deepEqual(spec.volumes?.at(-1), { name: 'podloop-workdir', emptyDir: {} });
    assert.deepEqual(spec.containers[0]!.volumeMounts?.at(-1), { name: 'podloop-workdir', mountPath: '/app' });
    assert.ok(plan.warnings.some((w) => w.includes('read-only root filesystem')));
    assert.deepEqual(applyEnd(plan.workload), original);
    const mounted = planDevStart(original, options({ workDir: '/etc/web/sub' }));
    assert.deepEqual(deploymentSpec(mounted.workload).volumes, deploymentSpec(original).volumes);
  });

  void test('an unsupported kind is refused with the list of supported kinds', () => {
    assert.throws(
      () => planDevStart({ kind: 'ReplicaSet', metadata: { name: 'x' } }, options()),
      (e: unknown) => e instanceof UnsupportedWorkloadError && /Deployment, StatefulSet/.test(e.message),
    );
  });
});

void describe('container selection', () => {
  const original = workload('deployment');
  void test('the first container is developed by default', () => {
    assert.equal(planDevStart(original, options()).container, 'app');
  });
  void test('a named container is developed and the other left alone', () => {
    const plan = planDevStart(original, options({ container: 'sidecar' }));
    const spec = deploymentSpec(plan.workload);
    assert.deepEqual(spec.containers[0], deploymentSpec(original).containers[0]);
    assert.deepEqual(spec.containers[1]!.command, blockingCommand);
    assert.equal(
      plan.workload.spec?.template &&
        (plan.workload.spec.template as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
          devAnnotations.defaultContainer
        ],
      'sidecar',
    );
  });
  void test('the container named by the config is used when none is requested', () => {
    assert.equal(planDevStart(original, options({ config: containerConfig('name: sidecar') })).container, 'sidecar');
  });
  void test('a wrong name fails with a message that lists the containers', () => {
    assert.throws(
      () => planDevStart(original, options({ container: 'api' })),
      (e: unknown) =>
        e instanceof ContainerSelectionError &&
        e.code === 'ContainerNotFound' &&
        e.problem === 'notFound' &&
        e.message === "Deployment web in namespace shop has no container 'api'; its containers are: app, sidecar" &&
        isDeepStrictEqual(e.data, {
          kind: 'Deployment',
          name: 'web',
          namespace: 'shop',
          container: 'api',
          containers: ['app', 'sidecar'],
        }),
    );
  });
  void test('an init container name is refused and the regular containers listed', () => {
    assert.throws(
      () => planDevStart(workload('job'), options({ container: 'wait-db' })),
      (e: unknown) =>
        e instanceof ContainerSelectionError && e.problem === 'initContainer' && /: migrate$/.test(e.message),
    );
  });
  void test('a name shared by two containers is ambiguous', () => {
    const twins = structuredClone(original);
    (deploymentSpec(twins).containers[1] as Container).name = 'app';
    assert.throws(
      () => planDevStart(twins, options({ container: 'app' })),
      (e: unknown) => e instanceof ContainerSelectionError && e.problem === 'ambiguous' && /app, app/.test(e.message),
    );
  });
  void test('without a configured image or detected language there is no dev image', () => {
    assert.throws(
      () => planDevStart(original, { engineId: 'e', now }),
      (e: unknown) => e instanceof NoDevImageError && e.code === 'InvalidConfig',
    );
  });
});

void describe('leases and idempotence', () => {
  const original = workload('deployment');
  const inDevMode = applyStart(original, options());
  const savedText = inDevMode.metadata.annotations![devAnnotations.original];

  void test('dev start by the same engine on a workload in dev mode changes nothing but the lease', () => {
    const later = new Date(now.getTime() + 10_000);
    const plan = planDevStart(inDevMode, options({ now: later, config: containerConfig('image: other/image') }));
    assert.equal(plan.outcome, 'alreadyInDevMode');
    assert.equal(plan.workload.metadata.annotations![devAnnotations.original], savedText);
    assert.deepEqual(plan.workload.spec, inDevMode.spec);
    assert.deepEqual(
      plan.patch.filter((op) => op.op !== 'test').map((op) => op.path),
      ['/metadata/annotations/podloop.dev~1lease'],
    );
    assert.equal(plan.lease.renewTime, later.toISOString());
  });

  void test('dev start again on a Job in dev mode plans its dev pod again, so a deleted one is recreated', () => {
    const job = applyStart(workload('job'), options());
    const plan = planDevStart(job, options({ container: 'other' }));
    assert.equal(plan.outcome, 'alreadyInDevMode');
    assert.equal(plan.devPod?.metadata.name, 'migrate-podloop-dev');
    assert.deepEqual(plan.workload.spec, job.spec);
    assert.deepEqual(plan.warnings, [
      'Job migrate in namespace shop is already in dev mode on container migrate; end dev mode to develop other',
    ]);
  });

  void test('another engine is refused while the lease is live, naming the holder', () => {
    assert.throws(
      () =>
        planDevStart(inDevMode, options({ engineId: 'engine-b', now: new Date(now.getTime() + 30_000), force: true })),
      (e: unknown) =>
        e instanceof DevModeHeldError &&
        !e.stale &&
        e.code === 'AlreadyInDevMode' &&
        e.data.holder === 'engine-a' &&
        e.data.name === 'web',
    );
  });

  void test('a stale lease is reported, and taken over with force without losing the original', () => {
    const later = new Date(now.getTime() + 3_600_000);
    assert.throws(
      () => planDevStart(inDevMode, options({ engineId: 'engine-b', now: later })),
      (e: unknown) => e instanceof DevModeHeldError && e.stale && /--force/.test(e.message),
    );
    const plan = planDevStart(
      inDevMode,
      options({ engineId: 'engine-b', now: later, force: true, config: containerConfig('image: other/image') }),
    );
    assert.equal(plan.outcome, 'takeOver');
    assert.equal(plan.workload.metadata.annotations![devAnnotations.original], savedText);
    assert.equal(plan.lease.holder, 'engine-b');
    assert.equal(deploymentSpec(plan.workload).containers[0]!.image, 'other/image');
    assert.deepEqual(applyEnd(applyJsonPatch(inDevMode, plan.patch)), original);
  });

  void test('lease renewal and state patches survive status churn but fail once another engine took over', () => {
    const lease = JSON.parse(inDevMode.metadata.annotations![devAnnotations.lease]!);
    const churned = { ...inDevMode, metadata: { ...inDevMode.metadata, resourceVersion: '99999' } };
    const renewed = applyJsonPatch(churned, leaseRenewPatch(inDevMode, lease, new Date(now.getTime() + 20_000)));
    assert.equal(
      JSON.parse(renewed.metadata.annotations![devAnnotations.lease]!).renewTime,
      '2026-11-24T12:00:20.000Z',
    );
    const running = applyJsonPatch(churned, devStatePatch(inDevMode, 'running'));
    assert.equal(running.metadata.annotations![devAnnotations.state], 'running');
    const takenOver = structuredClone(inDevMode);
    takenOver.metadata.annotations![devAnnotations.lease] = JSON.stringify({ ...lease, holder: 'engine-b' });
    assert.throws(() => applyJsonPatch(takenOver, leaseRenewPatch(inDevMode, lease, now)));
    assert.throws(() => applyJsonPatch(takenOver, devStatePatch(inDevMode, 'running')));
  });

  void test('dev end refuses a live lease of another engine unless forced, and any engine restores a stale one', () => {
    assert.throws(() => planDevEnd(inDevMode, { engineId: 'engine-b', now }), DevModeHeldError);
    assert.deepEqual(
      applyJsonPatch(inDevMode, planDevEnd(inDevMode, { engineId: 'engine-b', now, force: true }).patch),
      original,
    );
    const later = new Date(now.getTime() + 3_600_000);
    assert.deepEqual(
      applyJsonPatch(inDevMode, planDevEnd(inDevMode, { engineId: 'engine-b', now: later }).patch),
      original,
    );
  });

  void test('dev end on a workload that is not in dev mode says so', () => {
    assert.throws(
      () => planDevEnd(original),
      (e: unknown) => e instanceof NotInDevModeError && e.code === 'NotInDevMode',
    );
  });
});
