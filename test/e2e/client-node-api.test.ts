// @kubernetes/client-node 1.4 against an in-process sandbox API server: typed list/read/patch,
// the generic object API, watches and authentication.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';

async function withSandbox(body: (s: TestSandbox, kc: k8s.KubeConfig) => Promise<void>): Promise<void> {
  const sandbox = await startTestSandbox({ apiOnly: true });
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sandbox.sandbox.kubeconfigPath);
    await body(sandbox, kc);
  } finally {
    await sandbox.close();
  }
}

function configMap(name: string, data: Record<string, string>): k8s.V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'demo' } }, data };
}

void test('client-node lists namespaces and configmaps filtered by label', () =>
  withSandbox(async (_s, kc) => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespaces = await core.listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === 'kube-system'));
    await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('one', { a: '1' }) });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other' } } });
    const labelled = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=demo' });
    assert.deepEqual(
      labelled.items.map((c) => c.metadata?.name),
      ['one'],
    );
    assert.match(labelled.metadata?.resourceVersion ?? '', /^\d+$/);
  }));

void test('client-node reads and patches with json-patch (its default) and merge-patch', () =>
  withSandbox(async (_s, kc) => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('cfg', { a: '1' }) });
    const jsonPatched = await core.patchNamespacedConfigMap({
      name: 'cfg',
      namespace: 'default',
      body: [{ op: 'replace', path: '/data/a', value: '2' }],
    });
    assert.equal(jsonPatched.data?.a, '2');
    const merged = await core.patchNamespacedConfigMap(
      { name: 'cfg', namespace: 'default', body: { data: { b: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.data, { a: '2', b: '3' });
    const read = await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
    assert.equal(read.metadata?.resourceVersion, merged.metadata?.resourceVersion);
  }));

void test('client-node KubernetesObjectApi creates, reads and strategic-merge-patches a deployment', () =>
  withSandbox(async (_s, kc) => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const deployment: k8s.V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'web-app:1', env: [{ name: 'A', value: '1' }] }] },
        },
      },
    };
    await objects.create(deployment);
    await objects.patch({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] } } },
    } as k8s.V1Deployment);
    const read = (await objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
    })) as k8s.V1Deployment;
    const env = read.spec?.template.spec?.containers[0]?.env?.map((e) => e.name).sort();
    assert.deepEqual(env, ['A', 'B']);
    assert.equal(read.spec?.template.spec?.containers[0]?.image, 'web-app:1');
  }));

void test('client-node watch sees add, update and delete', () =>
  withSandbox(async (_s, kc) => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      (phase, object: k8s.V1ConfigMap) =>
        events.push(`${phase} ${object.metadata?.name ?? ''} ${object.data?.a ?? ''}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('w', { a: '1' }) });
      await core.replaceNamespacedConfigMap({ name: 'w', namespace: 'default', body: configMap('w', { a: '2' }) });
      await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
      await waitFor('three events', () => events.length >= 3);
      assert.deepEqual(events, ['ADDED w 1', 'MODIFIED w 2', 'DELETED w 2']);
    } finally {
      controller.abort();
    }
  }));

void test('client-node gets 401 with a wrong token', () =>
  withSandbox(async (s) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.sandbox.kubeconfigPath);
    const user = kc.getCurrentUser();
    assert.ok(user);
    kc.users = [{ ...user, token: 'wrong' }];
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(
      core.listNamespace(),
      (error: unknown) => error instanceof k8s.ApiException && error.code === 401,
    );
  }));

void test('a client-node informer lists, then follows adds, updates and deletes', () =>
  withSandbox(async (_s, kc) => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('before', { a: '0' }) });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const seen: string[] = [];
    informer.on('add', (o: k8s.V1ConfigMap) => seen.push(`add ${o.metadata?.name ?? ''}`));
    informer.on('update', (o: k8s.V1ConfigMap) => seen.push(`update ${o.metadata?.name ?? ''} ${o.data?.a ?? ''}`));
    informer.on('delete', (o: k8s.V1ConfigMap) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    await informer.start();
    try {
      await waitFor('the listed object', () => seen.includes('add before'));
      await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('after', { a: '1' }) });
      await core.patchNamespacedConfigMap(
        { name: 'after', namespace: 'default', body: { data: { a: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'default' });
      await waitFor('the later events', () => seen.length >= 4);
      assert.deepEqual(seen, ['add before', 'add after', 'update after 2', 'delete before']);
      assert.deepEqual(
        informer.list().map((o) => o.metadata?.name),
        ['after'],
      );
    } finally {
      await informer.stop();
    }
  }));
