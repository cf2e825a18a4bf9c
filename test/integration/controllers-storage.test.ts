// StorageClasses and claim binding as kubectl sees them on the sandbox: the default class, a claim naming a
// class that does not exist (Pending, ProvisioningFailed) and a pod that mounts it (Unschedulable), both
// recovering once the class is created. Pods are played by a stand-in kubelet.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControllers } from '../../sandbox/controllers/index.js';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';
import { fakeKubelet } from '../unit/controllers-fakes.js';

let cluster: TestSandbox;
let stopWorkloads: () => void;

before(async () => {
  cluster = await startTestSandbox({ apiOnly: true });
  const controllers = startControllers(cluster.sandbox.store, { stateDir: cluster.stateDir });
  const kubelet = fakeKubelet(cluster.sandbox.store);
  stopWorkloads = () => {
    controllers.stop();
    kubelet.stop();
  };
});

after(async () => {
  stopWorkloads();
  await cluster.close();
});

async function kubectl(...args: string[]): Promise<string> {
  const result = await cluster.kubectl(args);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function apply(manifest: string): Promise<void> {
  const result = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
  assert.equal(result.code, 0, result.stderr);
}

function claim(namespace: string, name: string, storageClass?: string): string {
  return [
    'apiVersion: v1',
    'kind: PersistentVolumeClaim',
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    'spec:',
    '  accessModes: [ReadWriteOnce]',
    '  resources: {requests: {storage: 1Gi}}',
    ...(storageClass ? [`  storageClassName: ${storageClass}`] : []),
    '',
  ].join('\n');
}

function podMounting(namespace: string, name: string, claimName: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    'spec:',
    '  containers: [{name: app, image: podloop/busybox, volumeMounts: [{name: data, mountPath: /data}]}]',
    `  volumes: [{name: data, persistentVolumeClaim: {claimName: ${claimName}}}]`,
    '',
  ].join('\n');
}

const jsonpath = (namespace: string, resource: string, path: string): Promise<string> =>
  kubectl('-n', namespace, 'get', resource, '-o', `jsonpath=${path}`);

void test('the sandbox serves a default StorageClass that claims without a class get and bind to', async () => {
  assert.match(
    await kubectl('api-resources', '--api-group=storage.k8s.io'),
    /storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass/,
  );
  assert.match(
    await kubectl('get', 'storageclass'),
    /^standard \(default\)\s+podloop\.dev\/local-dir\s+Delete\s+Immediate\s+false/m,
  );

  await kubectl('create', 'namespace', 'plain');
  await apply(claim('plain', 'data'));
  await waitFor('the claim bound', async () => (await jsonpath('plain', 'pvc/data', '{.status.phase}')) === 'Bound');
  assert.equal(await jsonpath('plain', 'pvc/data', '{.spec.storageClassName}'), 'standard');
});

void test('a claim naming a missing StorageClass stays Pending and its pod unschedulable until the class exists', async () => {
  await kubectl('create', 'namespace', 'missing-class');
  await apply(claim('missing-class', 'cache', 'fast-ssd'));
  await apply(podMounting('missing-class', 'web', 'cache'));

  const claimEvents = await waitFor('ProvisioningFailed', async () => {
    const events = await kubectl(
      '-n',
      'missing-class',
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=cache',
      '-o',
      'jsonpath={range .items[*]}{.type} {.reason} {.message}{"\\n"}{end}',
    );
    return events.includes('ProvisioningFailed') ? events : undefined;
  });
  assert.match(claimEvents, /^Warning ProvisioningFailed storageclass\.storage\.k8s\.io "fast-ssd" not found$/m);
  assert.equal(await jsonpath('missing-class', 'pvc/cache', '{.status.phase}'), 'Pending');

  const scheduled = await waitFor('the pod marked unschedulable', async () => {
    const condition = await jsonpath(
      'missing-class',
      'pod/web',
      '{.status.conditions[?(@.type=="PodScheduled")].reason}: {.status.conditions[?(@.type=="PodScheduled")].message}',
    );
    return condition.startsWith('Unschedulable') ? condition : undefined;
  });
  assert.match(scheduled, /pod has unbound immediate PersistentVolumeClaims/);
  assert.equal(await jsonpath('missing-class', 'pod/web', '{.status.phase}'), 'Pending');
  assert.equal(await jsonpath('missing-class', 'pod/web', '{.spec.nodeName}'), '');
  assert.match(
    await kubectl(
      '-n',
      'missing-class',
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=web,reason=FailedScheduling',
    ),
    /unbound immediate PersistentVolumeClaims/,
  );

  await apply(
    [
      'apiVersion: storage.k8s.io/v1',
      'kind: StorageClass',
      'metadata: {name: fast-ssd}',
      'provisioner: example.com/ssd',
      '',
    ].join('\n'),
  );
  await waitFor(
    'the claim bound',
    async () => (await jsonpath('missing-class', 'pvc/cache', '{.status.phase}')) === 'Bound',
  );
  await waitFor(
    'the pod scheduled',
    async () => (await jsonpath('missing-class', 'pod/web', '{.spec.nodeName}')) !== '',
  );
});

void test('a pod mounting a claim that does not exist is unschedulable and says which claim', async () => {
  await kubectl('create', 'namespace', 'no-claim');
  await apply(podMounting('no-claim', 'web', 'ghost'));
  const message = await waitFor('the pod marked unschedulable', async () => {
    const text = await jsonpath('no-claim', 'pod/web', '{.status.conditions[?(@.type=="PodScheduled")].message}');
    return text !== '' ? text : undefined;
  });
  assert.match(message, /persistentvolumeclaim "ghost" not found/);
});
