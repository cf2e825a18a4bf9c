// kubectl 1.33 driving running workloads in a full sandbox (controllers and kubelet): rollouts and
// undo, scale and wait, logs (follow, previous), exec, cp, port-forward, cascading delete.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';

function webDeployment(replicas: number, greetingEnv = 'one'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: podloop/web-app
          env:
            - name: VERSION
              value: ${greetingEnv}
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
            periodSeconds: 1
`;
}

async function withSandbox(body: (s: TestSandbox) => Promise<void>): Promise<void> {
  const sandbox = await startTestSandbox();
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

function write(s: TestSandbox, name: string, text: string): string {
  const file = join(s.stateDir, name);
  writeFileSync(file, text);
  return file;
}

async function ok(s: TestSandbox, args: string[], input?: string): Promise<string> {
  const result = await s.kubectl(args, input === undefined ? {} : { input });
  assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed (${String(result.code)}): ${result.stderr}`);
  return result.stdout;
}

async function firstPod(s: TestSandbox, selector: string): Promise<string> {
  return waitFor(`a running pod for ${selector}`, async () => {
    const out = await ok(s, [
      'get',
      'pods',
      '-l',
      selector,
      '--field-selector=status.phase=Running',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    return out.split(' ')[0] || undefined;
  });
}

void test('kubectl rollout status follows a template change and rollout undo goes back', () =>
  withSandbox(async (s) => {
    const file = write(s, 'web.yaml', webDeployment(2));
    await ok(s, ['apply', '-f', file]);
    assert.match(await ok(s, ['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
    write(s, 'web.yaml', webDeployment(2, 'two'));
    await ok(s, ['apply', '-f', file]);
    assert.match(await ok(s, ['rollout', 'status', 'deploy/web', '--timeout=60s']), /successfully rolled out/);
    const sets = await ok(s, [
      'get',
      'rs',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.spec.replicas}{" "}{end}',
    ]);
    assert.deepEqual(sets.trim().split(' ').sort(), ['0', '2']);
    await ok(s, ['rollout', 'undo', 'deploy/web']);
    await ok(s, ['rollout', 'status', 'deploy/web', '--timeout=60s']);
    const env = await ok(s, [
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].env[0].value}',
    ]);
    assert.equal(env, 'one');
  }));

void test('kubectl scale and wait --for=condition=Ready see every replica ready', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', write(s, 'web.yaml', webDeployment(1))]);
    await ok(s, ['scale', 'deploy/web', '--replicas=2']);
    await ok(s, ['rollout', 'status', 'deploy/web', '--timeout=60s']);
    await ok(s, ['wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '--timeout=60s']);
    const ready = await ok(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}']);
    assert.equal(ready, '2');
  }));

void test('kubectl logs -f ends with the container and logs --previous shows the crashed instance', () =>
  withSandbox(async (s) => {
    const pods = `apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
    - name: main
      image: podloop/busybox
      command: ["sh", "-c", "echo first; sleep 1; echo second"]
---
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
    - name: main
      image: podloop/busybox
      command: ["sh", "-c", "echo started-$(cat /proc/sys/kernel/random/uuid); exit 3"]
`;
    await ok(s, ['apply', '-f', write(s, 'pods.yaml', pods)]);
    await waitFor(
      'the first pod to start',
      async () => {
        const phase = await ok(s, ['get', 'pod', 'once', '-o', 'jsonpath={.status.phase}']);
        return phase === 'Running' || phase === 'Succeeded';
      },
      60_000,
    );
    const followed = await ok(s, ['logs', '-f', 'once']);
    assert.equal(followed, 'first\nsecond\n');
    await waitFor(
      'a restart of the crashing pod',
      async () => {
        const count = await ok(s, [
          'get',
          'pod',
          'crasher',
          '-o',
          'jsonpath={.status.containerStatuses[0].restartCount}',
        ]);
        return Number(count) >= 1;
      },
      60_000,
    );
    const previous = await ok(s, ['logs', '--previous', 'crasher']);
    assert.match(previous, /^started-[0-9a-f-]+\n$/);
    const exitCode = await ok(s, [
      'get',
      'pod',
      'crasher',
      '-o',
      'jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}',
    ]);
    assert.equal(exitCode, '3');
  }));

void test('kubectl exec passes stdin and the exit code, and kubectl cp copies both ways', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', write(s, 'web.yaml', webDeployment(1))]);
    const pod = await firstPod(s, 'app=web');
    assert.equal(await ok(s, ['exec', '-i', pod, '--', 'cat'], 'through stdin\n'), 'through stdin\n');
    const failing = await s.kubectl(['exec', pod, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(failing.code, 7);
    assert.equal(failing.stdout, 'out\n');
    assert.match(failing.stderr, /err\n/);
    const local = write(s, 'upload.txt', 'copied content\n');
    await ok(s, ['cp', local, `${pod}:/tmp/upload.txt`]);
    assert.equal(await ok(s, ['exec', pod, '--', 'cat', '/tmp/upload.txt']), 'copied content\n');
    const back = join(s.stateDir, 'download.txt');
    await ok(s, ['cp', `${pod}:/tmp/upload.txt`, back]);
    assert.equal(readFileSync(back, 'utf8'), 'copied content\n');
  }));

void test('kubectl port-forward carries an HTTP request to the pod', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', write(s, 'web.yaml', webDeployment(1))]);
    const pod = await firstPod(s, 'app=web');
    const forward = spawn('kubectl', ['port-forward', pod, ':8080'], { env: s.env });
    try {
      let output = '';
      forward.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const port = await waitFor('the local port', () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const body = await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/`, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.match(body, /podloop/i);
    } finally {
      forward.kill('SIGKILL');
    }
  }));

void test('kubectl delete of a deployment removes its replica sets and pods', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', write(s, 'web.yaml', webDeployment(1))]);
    await firstPod(s, 'app=web');
    await ok(s, ['delete', 'deploy', 'web']);
    await waitFor(
      'the replica sets and pods to go',
      async () => {
        const left = await ok(s, ['get', 'rs,pods', '-l', 'app=web', '-o', 'name']);
        return left.trim() === '';
      },
      60_000,
    );
  }));
