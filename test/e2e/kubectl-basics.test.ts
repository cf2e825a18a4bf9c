// The real kubectl 1.33 against an in-process sandbox API server: discovery, apply (client- and
// server-side), get in its output formats, watch, describe, scale, delete and error reports.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';

const STACK = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  password: s3cret
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: web-app:1
          env:
            - name: GREETING
              value: hello
            - name: MODE
              value: blue
`;

async function withSandbox(body: (s: TestSandbox) => Promise<void>): Promise<void> {
  const sandbox = await startTestSandbox({ apiOnly: true });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

function manifest(s: TestSandbox, text = STACK): string {
  const file = join(s.stateDir, 'stack.yaml');
  writeFileSync(file, text);
  return file;
}

async function ok(s: TestSandbox, args: string[]): Promise<string> {
  const result = await s.kubectl(args);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

void test('kubectl version reports a 1.33 server and the dispatcher hands over to kubectl 1.33', () =>
  withSandbox(async (s) => {
    const version = JSON.parse(await ok(s, ['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { major: string; minor: string; gitVersion: string };
    };
    assert.equal(version.serverVersion.minor, '33');
    assert.equal(version.serverVersion.gitVersion, 'v1.33.1');
    assert.equal(version.clientVersion.gitVersion, 'v1.33.1');
  }));

void test('kubectl api-resources lists the served kinds with short names and scopes', () =>
  withSandbox(async (s) => {
    const out = await ok(s, ['api-resources', '--no-headers']);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    const deploy = rows.find((r) => r[0] === 'deployments');
    assert.deepEqual(deploy, ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    const ns = rows.find((r) => r[0] === 'namespaces');
    assert.deepEqual(ns, ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    assert.ok(rows.some((r) => r[0] === 'cronjobs'));
  }));

void test('kubectl get ns shows the initial namespaces', () =>
  withSandbox(async (s) => {
    const out = await ok(s, ['get', 'ns', '-o', 'name']);
    assert.deepEqual(out.trim().split('\n').sort(), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
  }));

void test('kubectl apply creates a multi-resource manifest and a second apply merges an edited env list', () =>
  withSandbox(async (s) => {
    const file = manifest(s);
    const created = await ok(s, ['apply', '-f', file]);
    assert.match(created, /configmap\/web-config created/);
    assert.match(created, /secret\/web-secret created/);
    assert.match(created, /service\/web created/);
    assert.match(created, /deployment.apps\/web created/);
    manifest(s, STACK.replace('value: blue', 'value: green'));
    const again = await ok(s, ['apply', '-f', file]);
    assert.match(again, /configmap\/web-config unchanged/);
    assert.match(again, /deployment.apps\/web configured/);
    const deploy = JSON.parse(await ok(s, ['get', 'deploy', 'web', '-o', 'json'])) as {
      metadata: { generation: number };
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    };
    assert.deepEqual(deploy.spec.template.spec.containers[0]!.env, [
      { name: 'GREETING', value: 'hello' },
      { name: 'MODE', value: 'green' },
    ]);
    assert.equal(deploy.metadata.generation, 2);
    const secret = JSON.parse(await ok(s, ['get', 'secret', 'web-secret', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    assert.equal(Buffer.from(secret.data.password!, 'base64').toString(), 's3cret');
  }));

void test('kubectl apply --server-side creates and then updates objects', () =>
  withSandbox(async (s) => {
    const file = manifest(s);
    const first = await ok(s, ['apply', '--server-side', '-f', file]);
    assert.match(first, /deployment.apps\/web serverside-applied/);
    manifest(s, STACK.replace('greeting: hello', 'greeting: bonjour'));
    await ok(s, ['apply', '--server-side', '-f', file]);
    assert.equal(await ok(s, ['get', 'cm', 'web-config', '-o', 'jsonpath={.data.greeting}']), 'bonjour');
  }));

void test('kubectl get prints objects as json, yaml and wide tables', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', manifest(s)]);
    const list = JSON.parse(await ok(s, ['get', 'cm,svc', '-o', 'json'])) as {
      items: { kind: string; metadata: { name: string } }[];
    };
    assert.deepEqual(list.items.map((i) => `${i.kind}/${i.metadata.name}`).sort(), [
      'ConfigMap/web-config',
      'Service/kubernetes',
      'Service/web',
    ]);
    const yaml = await ok(s, ['get', 'deploy', 'web', '-o', 'yaml']);
    assert.match(yaml, /^kind: Deployment$/m);
    assert.match(yaml, /resourceVersion: "\d+"/);
    const wide = await ok(s, ['get', 'deploy', '-o', 'wide']);
    assert.match(wide.split('\n')[0]!, /^NAME\s/);
    assert.match(wide, /^web\s/m);
  }));

void test('kubectl get -w sees a change made while it watches', () =>
  withSandbox(async (s) => {
    await ok(s, [
      'create',
      '-f',
      manifest(s, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: "1"\n'),
    ]);
    const child = spawn('kubectl', ['get', 'cm', 'watched', '-w', '-o', 'jsonpath={.data.a}{"\\n"}'], { env: s.env });
    let seen = '';
    child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await waitFor('the initial state', () => seen.includes('1\n'));
      await ok(s, ['patch', 'cm', 'watched', '-p', '{"data":{"a":"2"}}']);
      await waitFor('the change', () => seen.includes('2\n'));
    } finally {
      child.kill('SIGKILL');
    }
  }));

void test('kubectl describe shows a deployment', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', manifest(s)]);
    const out = await ok(s, ['describe', 'deployment', 'web']);
    assert.match(out, /^Name:\s+web$/m);
    assert.match(out, /^Selector:\s+app=web$/m);
    assert.match(out, /GREETING:\s+hello/);
  }));

void test('kubectl scale changes replicas through the scale subresource', () =>
  withSandbox(async (s) => {
    await ok(s, ['apply', '-f', manifest(s)]);
    assert.match(await ok(s, ['scale', 'deploy/web', '--replicas=5']), /deployment.apps\/web scaled/);
    assert.equal(await ok(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
  }));

void test('kubectl delete removes what the manifest created', () =>
  withSandbox(async (s) => {
    const file = manifest(s);
    await ok(s, ['apply', '-f', file]);
    const out = await ok(s, ['delete', '-f', file]);
    assert.match(out, /deployment.apps "web" deleted/);
    const left = await s.kubectl(['get', 'deploy,svc,cm,secret', '-o', 'name']);
    assert.equal(left.stdout.trim(), 'service/kubernetes');
  }));

void test('kubectl get of a missing pod says NotFound and exits 1', () =>
  withSandbox(async (s) => {
    const result = await s.kubectl(['get', 'pod', 'nope']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  }));

void test('kubectl create of an existing object says AlreadyExists', () =>
  withSandbox(async (s) => {
    const file = manifest(s);
    await ok(s, ['create', '-f', file]);
    const result = await s.kubectl(['create', '-f', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error from server \(AlreadyExists\).*configmaps "web-config" already exists/);
  }));

void test('kubectl create subcommands, which send protobuf, create what they describe', () =>
  withSandbox(async (s) => {
    assert.match(await ok(s, ['create', 'namespace', 'shop']), /namespace\/shop created/);
    await ok(s, ['-n', 'shop', 'create', 'configmap', 'cfg', '--from-literal=a=1']);
    await ok(s, ['-n', 'shop', 'create', 'secret', 'generic', 'pw', '--from-literal=p=s3cret']);
    await ok(s, [
      '-n',
      'shop',
      'create',
      'deployment',
      'web',
      '--image=podloop/web-app',
      '--replicas=2',
      '--port=8080',
    ]);
    await ok(s, ['-n', 'shop', 'create', 'service', 'clusterip', 'web', '--tcp=80:8080']);
    await ok(s, [
      '-n',
      'shop',
      'create',
      'cronjob',
      'tick',
      '--image=podloop/busybox',
      '--schedule=*/5 * * * *',
      '--',
      'date',
    ]);
    assert.equal(await ok(s, ['-n', 'shop', 'get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}']), '1');
    const secret = await ok(s, ['-n', 'shop', 'get', 'secret', 'pw', '-o', 'jsonpath={.data.p}']);
    assert.equal(Buffer.from(secret, 'base64').toString(), 's3cret');
    const deploy = JSON.parse(await ok(s, ['-n', 'shop', 'get', 'deploy', 'web', '-o', 'json'])) as {
      spec: {
        replicas: number;
        template: { spec: { containers: { image: string; ports: { containerPort: number }[] }[] } };
      };
    };
    assert.equal(deploy.spec.replicas, 2);
    assert.equal(deploy.spec.template.spec.containers[0]!.image, 'podloop/web-app');
    assert.equal(deploy.spec.template.spec.containers[0]!.ports[0]!.containerPort, 8080);
    assert.equal(
      await ok(s, ['-n', 'shop', 'get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].targetPort}']),
      '8080',
    );
    assert.equal(await ok(s, ['-n', 'shop', 'get', 'cj', 'tick', '-o', 'jsonpath={.spec.schedule}']), '*/5 * * * *');
    await ok(s, ['-n', 'shop', 'autoscale', 'deployment', 'web', '--min=2', '--max=4', '--cpu-percent=70']);
    const target = await ok(s, [
      '-n',
      'shop',
      'get',
      'hpa',
      'web',
      '-o',
      'jsonpath={.spec.scaleTargetRef.name} {.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}',
    ]);
    assert.equal(target, 'web 4 70');
  }));
