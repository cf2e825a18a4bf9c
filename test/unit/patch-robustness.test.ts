import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyDefaults, validateObject } from '../../sandbox/apiserver/defaults.js';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { toTable } from '../../sandbox/apiserver/tables.js';
import { ApiError } from '../../sandbox/store/errors.js';
import type { JsonValue, KubeObject } from '../../sandbox/store/objects.js';
import { RESOURCE_TYPES } from '../../sandbox/store/resources.js';
import { seededRandom } from '../helpers/random.js';

const KEYS = [
  'spec',
  'metadata',
  'template',
  'containers',
  'name',
  'image',
  'ports',
  'env',
  'labels',
  'status',
  '$patch',
  '$retainKeys',
  '$setElementOrder/containers',
  '$deleteFromPrimitiveList/finalizers',
  'finalizers',
  'replicas',
  'selector',
  'volumes',
  'data',
  'type',
  'strategy',
  'containerPort',
  'managedFields',
];

function value(next: () => number, depth: number): JsonValue {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() > 0.5;
    case 2:
      return Math.floor(next() * 100) - 10;
    case 3:
      return ['delete', 'replace', 'merge', 'app', 'x'][Math.floor(next() * 5)] as string;
    case 4:
      return [];
    case 5:
    case 6: {
      const object: Record<string, JsonValue> = {};
      const size = Math.floor(next() * 4);
      for (let i = 0; i < size; i++) object[KEYS[Math.floor(next() * KEYS.length)] as string] = value(next, depth + 1);
      return object;
    }
    default:
      return Array.from({ length: Math.floor(next() * 3) }, () => value(next, depth + 1));
  }
}

void it('random patches, defaults, validation and tables fail only with API errors', () => {
  const seed = Number(process.env.PATCH_SEED ?? Date.now() % 1_000_000);
  const next = seededRandom(seed);
  const types = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
    'application/apply-patch+yaml',
  ];
  for (let round = 0; round < 400; round++) {
    const resource = RESOURCE_TYPES[Math.floor(next() * RESOURCE_TYPES.length)]!;
    const current = {
      apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
      kind: resource.kind,
      metadata: {
        name: 'x',
        namespace: 'ns',
        uid: 'u',
        resourceVersion: '1',
        creationTimestamp: '2026-01-01T00:00:00Z',
        finalizers: ['a'],
      },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'i' }] } } },
    } as unknown as KubeObject;
    const type = types[Math.floor(next() * types.length)]!;
    const body =
      type === 'application/json-patch+json'
        ? [
            {
              op: ['add', 'remove', 'replace', 'test', 'move'][Math.floor(next() * 5)],
              path: `/${KEYS[Math.floor(next() * KEYS.length)]}`,
              value: value(next, 0),
            },
          ]
        : value(next, 0);
    try {
      const patched = applyPatch(resource, current, Buffer.from(JSON.stringify(body)), type, { fieldManager: 'm' });
      applyDefaults(resource, patched);
      validateObject(resource, patched, 'Warn');
      toTable(resource, [patched as KubeObject], { includeObject: 'Object', resourceVersion: '1' });
    } catch (error) {
      assert.ok(
        error instanceof ApiError,
        `seed ${seed} round ${round} ${type} ${JSON.stringify(body)}: ${String((error as Error).stack)}`,
      );
      assert.ok(error.code >= 400 && error.code < 500, `seed ${seed}: ${error.code} ${error.message}`);
    }
  }
});
