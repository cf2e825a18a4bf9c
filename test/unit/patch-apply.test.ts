import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { ApiError } from '../../sandbox/store/errors.js';
import type { JsonObject, KubeObject } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';

const deployments = resourceByPlural('deployments');
const APPLY = 'application/apply-patch+yaml';

const manifest = (image: string, extraEnv: boolean): string => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ${image}
        env:
        - {name: A, value: "1"}
${extraEnv ? '        - {name: B, value: "2"}\n' : ''}`;

function apply(current: KubeObject, yaml: string, manager = 'kubectl', force = false): KubeObject {
  return applyPatch(deployments, current, Buffer.from(yaml), APPLY, {
    fieldManager: manager,
    force,
  }) as unknown as KubeObject;
}

function container(object: KubeObject): JsonObject {
  const spec = ((object.spec as JsonObject).template as JsonObject).spec as JsonObject;
  return (spec.containers as JsonObject[])[0] as JsonObject;
}

const stub = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
} as unknown as KubeObject;

void describe('server-side apply', () => {
  void it('creates from an empty object and records the manager', () => {
    const created = apply(stub, manifest('web:1', true));
    assert.equal(container(created).image, 'web:1');
    assert.equal(created.metadata.namespace, 'shop');
    const entries = created.metadata.managedFields as JsonObject[];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.manager, 'kubectl');
    assert.equal(entries[0]?.operation, 'Apply');
    assert.equal(entries[0]?.fieldsType, 'FieldsV1');
    const fields = entries[0]?.fieldsV1 as JsonObject;
    assert.ok('f:replicas' in (fields['f:spec'] as JsonObject));
  });

  void it('an update changes the image and removes the env var the manager stopped applying', () => {
    const created = apply(stub, manifest('web:1', true));
    created.metadata.uid = 'u';
    created.metadata.resourceVersion = '5';
    const updated = apply(created, manifest('web:2', false));
    assert.equal(container(updated).image, 'web:2');
    assert.deepEqual(container(updated).env, [{ name: 'A', value: '1' }]);
    assert.equal(updated.metadata.resourceVersion, '5');
  });

  void it('fields set by another writer survive an apply that does not mention them', () => {
    const created = apply(stub, manifest('web:1', false));
    (created.metadata.annotations ??= {})['note'] = 'kept';
    const updated = apply(created, manifest('web:1', false));
    assert.equal(updated.metadata.annotations?.['note'], 'kept');
  });

  void it('a different applier changing an owned field conflicts unless forced', () => {
    const created = apply(stub, manifest('web:1', false));
    const other = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 5}\n';
    assert.throws(
      () => apply(created, other, 'helm'),
      (error: unknown) =>
        error instanceof ApiError &&
        error.code === 409 &&
        /conflict with "kubectl": \.spec\.replicas/.test(error.message),
    );
    const forced = apply(created, other, 'helm', true);
    assert.equal((forced.spec as JsonObject).replicas, 5);
    const kubectlEntry = (forced.metadata.managedFields as JsonObject[]).find(
      (e) => e.manager === 'kubectl',
    ) as JsonObject;
    assert.ok(!('f:replicas' in ((kubectlEntry.fieldsV1 as JsonObject)['f:spec'] as JsonObject)));
  });

  void it('kubectl keeps an existing client-side apply annotation in step with what it applied', () => {
    const created = apply(stub, manifest('web:1', false));
    created.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}' };
    const updated = apply(created, manifest('web:2', false));
    const recorded = JSON.parse(
      updated.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
    ) as JsonObject;
    assert.equal(recorded.kind, 'Deployment');
    assert.match(JSON.stringify(recorded), /web:2/);
    const helm = apply(updated, manifest('web:3', false), 'helm', true);
    assert.match(helm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /web:2/);
  });

  void it('requires a field manager and accepts the JSON the JS client sends', () => {
    assert.throws(
      () => applyPatch(deployments, stub, Buffer.from('{}'), APPLY, {}),
      (error: unknown) => error instanceof ApiError && error.code === 400,
    );
    const created = applyPatch(
      deployments,
      stub,
      Buffer.from(
        JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }),
      ),
      APPLY,
      { fieldManager: 'js' },
    );
    assert.equal((created.spec as JsonObject).replicas, 3);
  });
});
