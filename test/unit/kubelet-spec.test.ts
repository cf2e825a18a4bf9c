// Pure parts of the sandbox kubelet: image references, argv and env rules, back-off, pod phase
// and conditions, log line selection, key projection; plus the image store on a temp folder.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importImage, parseImageReference, parseManifest, resolveImage } from '../../sandbox/kubelet/images.js';
import { formatLogLine, parseLogLine, selectLines } from '../../sandbox/kubelet/logfile.js';
import {
  backoffDelay,
  containerArgv,
  containerEnv,
  qosClass,
  restartDelay,
  shouldRestart,
} from '../../sandbox/kubelet/spec.js';
import { buildPodStatus, podPhase, type ContainerSnapshot, type PodSnapshot } from '../../sandbox/kubelet/status.js';
import { prepareVolumes, projectKeys } from '../../sandbox/kubelet/volumes.js';

const manifest = parseManifest({
  entrypoint: ['node', 'server.js'],
  cmd: ['--port', '80'],
  env: ['A=1', 'B=2'],
  workingDir: '/app',
});

void test('image references drop the default registry, library/ and the tag', () => {
  assert.deepEqual(parseImageReference('docker.io/library/node:20'), { repository: 'node', tag: '20' });
  assert.deepEqual(parseImageReference('podloop/web-app'), { repository: 'podloop/web-app', tag: 'latest' });
  assert.deepEqual(parseImageReference('localhost:5000/team/app:v1'), {
    repository: 'localhost:5000/team/app',
    tag: 'v1',
  });
  assert.deepEqual(parseImageReference('busybox@sha256:abc'), { repository: 'busybox', tag: 'latest' });
});

void test('command replaces the entrypoint and cmd; args alone replace cmd', () => {
  assert.deepEqual(containerArgv({ name: 'a' }, manifest), ['node', 'server.js', '--port', '80']);
  assert.deepEqual(containerArgv({ name: 'a', args: ['--debug'] }, manifest), ['node', 'server.js', '--debug']);
  assert.deepEqual(containerArgv({ name: 'a', command: ['sh'] }, manifest), ['sh']);
  assert.deepEqual(containerArgv({ name: 'a', command: ['sh'], args: ['-c', 'x'] }, manifest), ['sh', '-c', 'x']);
});

void test('env layers the image, envFrom and env, expands $(VAR) and resolves references', () => {
  const result = containerEnv(
    {
      name: 'a',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'B', value: 'two-$(A)-$$(A)' },
        { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    },
    manifest,
    'pod-1',
    {
      configMap: (n) => (n === 'cm' ? { x: 'y' } : undefined),
      secret: (n) => (n === 's' ? { k: 'secret' } : undefined),
      field: () => 'pod-1',
    },
  );
  assert.ok('env' in result);
  const env = Object.fromEntries(result.env);
  assert.equal(env.A, '1');
  assert.equal(env.B, 'two-1-$(A)');
  assert.equal(env.CM_x, 'y');
  assert.equal(env.S, 'secret');
  assert.equal(env.N, 'pod-1');
  assert.equal(env.HOSTNAME, 'pod-1');
  const missing = containerEnv(
    { name: 'a', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] },
    manifest,
    'p',
    {
      configMap: () => undefined,
      secret: () => undefined,
      field: () => undefined,
    },
  );
  assert.deepEqual(missing, { error: 'configmap "nope" not found' });
});

void test('back-off doubles from its base up to its cap; restart policies decide restarts', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => backoffDelay(n, 10_000, 300_000)),
    [10_000, 20_000, 40_000, 80_000, 300_000],
  );
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => restartDelay(n, 10_000, 300_000)),
    [0, 10_000, 20_000, 40_000],
  );
  assert.equal(shouldRestart('Always', 0), true);
  assert.equal(shouldRestart('OnFailure', 0), false);
  assert.equal(shouldRestart('OnFailure', 1), true);
  assert.equal(shouldRestart('Never', 1), false);
});

void test('QoS class follows requests and limits', () => {
  assert.equal(qosClass([{ name: 'a' }]), 'BestEffort');
  assert.equal(qosClass([{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }]), 'Guaranteed');
  assert.equal(qosClass([{ name: 'a', resources: { requests: { cpu: '1' } } }]), 'Burstable');
});

function snapshot(state: ContainerSnapshot['state'], extra: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  return {
    name: 'app',
    image: 'i',
    imageID: '',
    containerID: undefined,
    state,
    lastState: {},
    ready: false,
    started: false,
    restartCount: 0,
    ...extra,
  };
}

function pod(containers: ContainerSnapshot[], extra: Partial<PodSnapshot> = {}): PodSnapshot {
  return {
    restartPolicy: 'Always',
    initContainers: [],
    containers,
    initialized: true,
    initFailed: false,
    sandboxReady: true,
    podIP: '127.42.0.1',
    hostIP: '127.0.0.1',
    startTime: 't0',
    qosClass: 'BestEffort',
    ...extra,
  };
}

const done = (exitCode: number) => ({
  terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: 'a', finishedAt: 'b' },
});

void test('pod phase follows the containers and the restart policy', () => {
  assert.equal(podPhase(pod([snapshot({ waiting: { reason: 'ContainerCreating' } })])), 'Pending');
  assert.equal(podPhase(pod([snapshot({ running: { startedAt: 'x' } })])), 'Running');
  assert.equal(
    podPhase(pod([snapshot({ waiting: { reason: 'CrashLoopBackOff' } }, { lastState: done(1) })])),
    'Running',
  );
  assert.equal(podPhase(pod([snapshot(done(0))], { restartPolicy: 'Never' })), 'Succeeded');
  assert.equal(podPhase(pod([snapshot(done(2))], { restartPolicy: 'Never' })), 'Failed');
  assert.equal(podPhase(pod([snapshot({ running: { startedAt: 'x' } })], { initialized: false })), 'Pending');
});

void test('conditions keep their transition time while their status holds', () => {
  const ready = pod([snapshot({ running: { startedAt: 'x' } }, { ready: true, started: true })]);
  const first = buildPodStatus(ready, undefined, 'T1');
  const second = buildPodStatus(ready, first, 'T2');
  const conditions = second.conditions as { type: string; status: string; lastTransitionTime: string }[];
  assert.deepEqual(
    conditions.find((c) => c.type === 'Ready'),
    { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: 'T1' },
  );
  const unready = buildPodStatus(pod([snapshot({ running: { startedAt: 'x' } })]), second, 'T3');
  const readyCondition = (
    unready.conditions as { type: string; status: string; lastTransitionTime: string; message?: string }[]
  ).find((c) => c.type === 'Ready');
  assert.equal(readyCondition?.status, 'False');
  assert.equal(readyCondition?.lastTransitionTime, 'T3');
  assert.equal(readyCondition?.message, 'containers with unready status: [app]');
});

void test('log selection applies tailLines and since, and lines round-trip the CRI format', () => {
  const text = [
    formatLogLine('stdout', 'old', false, '2024-01-01T00:00:00.000000000Z'),
    formatLogLine('stderr', 'mid', false, '2024-01-01T00:01:00.000000000Z'),
    formatLogLine('stdout', 'new', false, '2024-01-01T00:02:00.000000000Z'),
  ].join('');
  assert.deepEqual(parseLogLine('2024-01-01T00:00:00.000000000Z stdout P part'), {
    time: '2024-01-01T00:00:00.000000000Z',
    stream: 'stdout',
    partial: true,
    text: 'part',
  });
  assert.deepEqual(
    selectLines(text, { tailLines: 2 }).map((l) => l.text),
    ['mid', 'new'],
  );
  assert.deepEqual(
    selectLines(text, { sinceTime: '2024-01-01T00:00:30Z' }).map((l) => l.text),
    ['mid', 'new'],
  );
  assert.deepEqual(
    selectLines(text, { sinceSeconds: 90 }, Date.parse('2024-01-01T00:03:00Z')).map((l) => l.text),
    ['new'],
  );
  assert.deepEqual(selectLines(text, { tailLines: 0 }), []);
});

void test('configMap keys project to files, honouring items and modes', () => {
  const keys = { a: Buffer.from('1'), b: Buffer.from('2') };
  assert.deepEqual(
    projectKeys(keys, {}).map((f) => [f.path, f.mode]),
    [
      ['a', 0o644],
      ['b', 0o644],
    ],
  );
  assert.deepEqual(
    projectKeys(keys, { items: [{ key: 'b', path: 'dir/b.txt', mode: 0o600 }], defaultMode: 0o400 }).map((f) => [
      f.path,
      f.mode,
    ]),
    [['dir/b.txt', 0o600]],
  );
  assert.deepEqual(projectKeys(keys, { items: [{ key: 'a', path: '../escape' }] }), []);
});

void test('imported images resolve by name and tag and win over built-in images; built-ins answer to aliases', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-images-'));
  try {
    const source = join(stateDir, 'src');
    mkdirSync(join(source, 'rootfs', 'srv'), { recursive: true });
    writeFileSync(
      join(source, 'manifest.json'),
      JSON.stringify({ cmd: ['./run'], env: { MODE: 'x' }, workingDir: '/srv' }),
    );
    writeFileSync(join(source, 'rootfs', 'srv', 'run'), '#!/bin/sh\n');
    assert.deepEqual(await importImage(stateDir, source, 'docker.io/acme/tool:2'), { name: 'acme/tool:2' });
    const found = await resolveImage(stateDir, 'acme/tool:2');
    assert.equal(found?.manifest.workingDir, '/srv');
    assert.deepEqual(found?.manifest.env, [['MODE', 'x']]);
    assert.ok(found?.rootfs);
    assert.equal(await resolveImage(stateDir, 'acme/tool:3'), undefined);
    assert.equal((await resolveImage(stateDir, 'docker.io/library/node:20'))?.manifest.workingDir, '/app');
    assert.deepEqual((await resolveImage(stateDir, 'podloop/web-app:any'))?.manifest.entrypoint, ['node', 'server.js']);
    assert.equal(await resolveImage(stateDir, 'nginx'), undefined);
    await assert.rejects(importImage(stateDir, join(stateDir, 'missing'), 'x'), /no manifest\.json/);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

void test('volumes become folders: projected configMap, secret and downward API files, PVCs under the state folder', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-volumes-'));
  try {
    const podDir = join(stateDir, 'pods', 'uid-1');
    const { volumes, problems } = await prepareVolumes(
      podDir,
      stateDir,
      'shop',
      [
        {
          name: 'info',
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: 'cfg', items: [{ key: 'a', path: 'conf/a.txt' }] } },
              { secret: { name: 'creds' } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
              { configMap: { name: 'missing' } },
            ],
          },
        },
        { name: 'data', persistentVolumeClaim: { claimName: 'db' } },
        { name: 'scratch', emptyDir: {} },
      ],
      {
        configMap: (name) => (name === 'cfg' ? { data: { a: 'A', b: 'B' }, binaryData: {} } : undefined),
        secret: (name) => (name === 'creds' ? { token: Buffer.from('s3cret').toString('base64') } : undefined),
        field: (path) => (path === 'metadata.labels' ? 'app="shop"\n' : undefined),
      },
    );
    const info = volumes.get('info')!;
    assert.equal(info.forceReadOnly, true);
    assert.deepEqual(readdirSync(info.source).sort(), ['conf', 'labels', 'token']);
    assert.equal(readFileSync(join(info.source, 'conf', 'a.txt'), 'utf8'), 'A');
    assert.equal(readFileSync(join(info.source, 'token'), 'utf8'), 's3cret');
    assert.equal(readFileSync(join(info.source, 'labels'), 'utf8'), 'app="shop"\n');
    assert.equal(statSync(join(info.source, 'token')).mode & 0o777, 0o440);
    assert.deepEqual(problems, ['MountVolume.SetUp failed for volume "info" : configmap "missing" not found']);
    assert.equal(volumes.get('data')?.source, join(stateDir, 'pvcs', 'shop', 'db'));
    assert.equal(volumes.get('scratch')?.source, join(podDir, 'volumes', 'scratch'));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
