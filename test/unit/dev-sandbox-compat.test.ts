// Dev-mode plans against the sandbox API machinery: every object podloop writes passes the API server's
// strict validation, and its JSON patches apply (or fail on a changed spec) as the server applies them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parse } from 'yaml';
import { applyDefaults, validateObject } from '../../sandbox/apiserver/defaults.js';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { ApiError } from '../../sandbox/store/errors.js';
import type { KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { resourceForKind } from '../../sandbox/store/resources.js';
import { parseConfigText } from '../../server/config/load.js';
import type { JsonPatchOperation } from '../../server/dev/jsonPatch.js';
import { planDevEnd, planDevStart } from '../../server/dev/plan.js';
import type { Workload } from '../../server/dev/types.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/config/workloads/', import.meta.url));
const config = parseConfigText(
  'version: 1\nworkloads:\n  - kind: Pod\n    name: any\n    containers:\n      - env: { MODE: dev }\n        persistentDirs: [{ path: /root/.cache }]\n        resources: { limits: { cpu: 1 } }\n',
  'test',
).workloads[0]!.containers[0]!;

function resource(object: { apiVersion?: string; kind: string }): NonNullable<ReturnType<typeof resourceForKind>> {
  const found = resourceForKind(object.apiVersion ?? 'v1', object.kind);
  assert.ok(found, `the sandbox serves ${object.kind}`);
  return found;
}

/** What the sandbox would store for a created object: defaulted, and rejected if invalid. */
function admitted(object: Workload): Workload {
  const copy = structuredClone(object) as unknown as KubeObjectInput;
  applyDefaults(resource(object), copy);
  validateObject(resource(object), copy, 'Strict');
  return copy as unknown as Workload;
}

function serverPatch(current: Workload, patch: JsonPatchOperation[]): Workload {
  const patched = applyPatch(
    resource(current),
    current as unknown as KubeObject,
    Buffer.from(JSON.stringify(patch)),
    'application/json-patch+json',
    {},
  );
  // The API server defaults an updated object as it does a created one.
  applyDefaults(resource(current), patched);
  validateObject(resource(current), patched, 'Strict');
  return patched as unknown as Workload;
}

for (const name of ['deployment', 'statefulset', 'daemonset', 'pod', 'job', 'cronjob']) {
  void test(`a ${name} in dev mode passes the API server's validation and is restored exactly through it`, () => {
    const stored = admitted(parse(readFileSync(join(fixtures, `${name}.yaml`), 'utf8')) as Workload);
    const plan = planDevStart(stored, { engineId: 'engine-a', now: new Date(), language: 'node', config });
    const patched = serverPatch(stored, plan.patch);
    assert.deepEqual(patched, plan.workload);
    for (const created of [
      plan.devPod,
      plan.recreatedPod,
      plan.podBackup,
      ...plan.persistentDirs.map((d) => d.claim),
    ]) {
      if (created) admitted(created);
    }
    const inDevMode = plan.recreatedPod ? admitted(plan.recreatedPod) : patched;
    const end = planDevEnd(inDevMode);
    const restored = end.recreatedPod ? admitted(end.recreatedPod) : serverPatch(inDevMode, end.patch);
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...restoredMetadata } = restored.metadata;
    const { uid: _uid2, resourceVersion: _rv2, creationTimestamp: _ct2, ...storedMetadata } = stored.metadata;
    assert.deepEqual(restoredMetadata, storedMetadata);
    assert.deepEqual(restored.spec, stored.spec);
  });
}

void test('a dev-start patch planned from an older read is refused by the API server, status churn is not', () => {
  const stored = admitted(parse(readFileSync(join(fixtures, 'deployment.yaml'), 'utf8')) as Workload);
  const plan = planDevStart(stored, { engineId: 'engine-a', now: new Date(), language: 'node' });
  const churned = { ...stored, metadata: { ...stored.metadata, resourceVersion: '9999' }, status: { replicas: 1 } };
  assert.equal(serverPatch(churned, plan.patch).spec?.replicas, 1);
  const scaled = { ...stored, spec: { ...stored.spec, replicas: 7 } };
  assert.throws(
    () => serverPatch(scaled, plan.patch),
    (error: unknown) => error instanceof ApiError && error.code === 422,
  );
});
