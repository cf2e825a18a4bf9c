import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { ApiError } from '../../sandbox/store/errors.js';
import type { JsonObject, KubeObject } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';

const deployments = resourceByPlural('deployments');
const pods = resourceByPlural('pods');
const SMP = 'application/strategic-merge-patch+json';

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '41',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'web' },
      finalizers: ['a'],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'web:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              args: ['--x', '--y'],
            },
            { name: 'sidecar', image: 'proxy:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

function patch(current: KubeObject, body: unknown, type = SMP): JsonObject {
  return applyPatch(
    current.kind === 'Pod' ? pods : deployments,
    current,
    Buffer.from(JSON.stringify(body)),
    type,
    {},
  ) as unknown as JsonObject;
}

function containers(object: JsonObject): JsonObject[] {
  return (((object.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[];
}

void describe('strategic merge patch', () => {
  void it('kubectl apply after an image change updates one container and keeps the other', () => {
    const body = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            containers: [{ image: 'web:2', name: 'app' }],
          },
        },
      },
    };
    const result = patch(deployment(), body);
    assert.deepEqual(
      containers(result).map((c) => [c.name, c.image]),
      [
        ['app', 'web:2'],
        ['sidecar', 'proxy:1'],
      ],
    );
    assert.deepEqual((containers(result)[0]?.env as JsonObject[]).length, 2);
    const metadata = result.metadata as JsonObject;
    assert.equal((metadata.annotations as JsonObject)['kubectl.kubernetes.io/last-applied-configuration'], '{}');
    assert.equal(metadata.resourceVersion, '41');
    assert.equal(metadata.uid, 'u-1');
  });

  void it('kubectl set image and rollout restart merge into the template', () => {
    let result = patch(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy:2' }] } } },
    });
    assert.deepEqual(
      containers(result).map((c) => c.image),
      ['web:1', 'proxy:2'],
    );
    result = patch(result as unknown as KubeObject, {
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-24T21:00:00Z' } } },
      },
    });
    const template = (result.spec as JsonObject).template as JsonObject;
    assert.deepEqual((template.metadata as JsonObject).labels, { app: 'web' });
    assert.equal(
      ((template.metadata as JsonObject).annotations as JsonObject)['kubectl.kubernetes.io/restartedAt'],
      '2026-11-24T21:00:00Z',
    );
  });

  void it('env merges by name, null deletes, atomic args are replaced, $patch delete removes a container', () => {
    const result = patch(deployment(), {
      spec: {
        replicas: null,
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                env: [
                  { name: 'B', value: '3' },
                  { name: 'C', value: '4' },
                ],
                args: ['--z'],
              },
              { name: 'sidecar', $patch: 'delete' },
            ],
          },
        },
      },
    });
    assert.equal((result.spec as JsonObject).replicas, undefined);
    const [app, ...rest] = containers(result);
    assert.equal(rest.length, 0);
    assert.deepEqual(app?.env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    assert.deepEqual(app?.args, ['--z']);
  });

  void it('$retainKeys on the strategy drops rollingUpdate when switching to Recreate', () => {
    const result = patch(deployment(), {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } },
    });
    assert.deepEqual((result.spec as JsonObject).strategy, { type: 'Recreate' });
  });

  void it('$patch replace on a list and $deleteFromPrimitiveList on finalizers', () => {
    const result = patch(deployment(), {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        template: { spec: { volumes: [{ $patch: 'replace' }, { name: 'cache', emptyDir: { medium: 'Memory' } }] } },
      },
    });
    assert.deepEqual((result.metadata as JsonObject).finalizers, []);
    const spec = ((result.spec as JsonObject).template as JsonObject).spec as JsonObject;
    assert.deepEqual(spec.volumes, [{ name: 'cache', emptyDir: { medium: 'Memory' } }]);
  });

  void it('a volume switched from emptyDir to configMap keeps only the retained keys', () => {
    const result = patch(deployment(), {
      spec: {
        template: {
          spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' } }] },
        },
      },
    });
    const spec = ((result.spec as JsonObject).template as JsonObject).spec as JsonObject;
    assert.deepEqual(spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
  });

  void it('$setElementOrder keeps a server-only container in its live place among the ordered ones', () => {
    const live = deployment();
    const liveSpec = ((live.spec as JsonObject).template as JsonObject).spec as JsonObject;
    liveSpec.containers = [
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:1' },
      { name: 'injected', image: 'mesh:1' },
    ];
    const result = patch(live, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
            containers: [{ name: 'c', image: 'c:1' }],
          },
        },
      },
    });
    assert.deepEqual(
      containers(result).map((c) => c.name),
      ['a', 'b', 'c', 'injected'],
    );
  });

  void it('a patch cannot rename the object', () => {
    const result = patch(deployment(), { metadata: { name: 'other', namespace: 'elsewhere' } });
    assert.equal((result.metadata as JsonObject).name, 'web');
    assert.equal((result.metadata as JsonObject).namespace, 'shop');
  });
});

void describe('merge and JSON patch', () => {
  void it('kubectl scale merge patch sets replicas and a null deletes a label', () => {
    const result = patch(
      deployment(),
      { spec: { replicas: 5 }, metadata: { labels: { app: null } } },
      'application/merge-patch+json',
    );
    assert.equal((result.spec as JsonObject).replicas, 5);
    assert.deepEqual((result.metadata as JsonObject).labels, {});
    // RFC 7386 replaces lists whole.
    const replaced = patch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'x', image: 'y' }] } } } },
      'application/merge-patch+json',
    );
    assert.deepEqual(containers(replaced), [{ name: 'x', image: 'y' }]);
  });

  void it("a JSON patch applies in order; a failed test is the real server's generic 422 Invalid", () => {
    const ok = patch(
      deployment(),
      [
        { op: 'test', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'web:9' },
      ],
      'application/json-patch+json',
    );
    assert.equal(containers(ok)[0]?.image, 'web:9');
    assert.throws(
      () => patch(deployment(), [{ op: 'test', path: '/spec/replicas', value: 3 }], 'application/json-patch+json'),
      (error: unknown) =>
        error instanceof ApiError &&
        error.code === 422 &&
        error.reason === 'Invalid' &&
        error.message === 'the server rejected our request due to an error in our request',
    );
  });

  void it('unparsable bodies are 400 and unknown patch types are 415', () => {
    const current = deployment();
    assert.throws(
      () => applyPatch(deployments, current, Buffer.from('{nope'), SMP, {}),
      (error: unknown) => error instanceof ApiError && error.code === 400,
    );
    assert.throws(
      () => applyPatch(deployments, current, Buffer.from('{"op":"add"}'), 'application/json-patch+json', {}),
      (error: unknown) => error instanceof ApiError && error.code === 400,
    );
    assert.throws(
      () =>
        applyPatch(
          deployments,
          current,
          Buffer.from('[{"op":"remove","path":"/spec/nope"}]'),
          'application/json-patch+json',
          {},
        ),
      (error: unknown) => error instanceof ApiError && error.code === 422,
    );
    assert.throws(
      () => applyPatch(deployments, current, Buffer.from('{}'), 'application/apply-patch+cbor', {}),
      (error: unknown) => error instanceof ApiError && error.code === 415 && error.reason === 'UnsupportedMediaType',
    );
  });

  void it('a patch that sets a resourceVersion keeps it for the store to check', () => {
    const result = patch(deployment(), { metadata: { resourceVersion: '7' } }, 'application/merge-patch+json');
    assert.equal((result.metadata as JsonObject).resourceVersion, '7');
  });
});
