import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiV2, openApiV3Document, openApiV3Index } from '../../sandbox/apiserver/openapi.js';
import type { JsonObject } from '../../sandbox/store/objects.js';
import { RESOURCE_TYPES } from '../../sandbox/store/resources.js';

void describe('OpenAPI documents', () => {
  void it('the v3 index names every served group/version with a hashed URL that changes with the document', () => {
    const paths = openApiV3Index().paths as JsonObject;
    assert.deepEqual(Object.keys(paths), [
      'api/v1',
      'apis/apps/v1',
      'apis/autoscaling/v2',
      'apis/batch/v1',
      'apis/coordination.k8s.io/v1',
      'apis/storage.k8s.io/v1',
    ]);
    const url = String((paths['apis/apps/v1'] as JsonObject).serverRelativeURL);
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    assert.notEqual(url.split('=')[1], String((paths['api/v1'] as JsonObject).serverRelativeURL).split('=')[1]);
    assert.equal(openApiV3Document('apis/nope/v1'), undefined);
  });

  void it('every served kind has a PATCH operation with its GVK and the fieldValidation parameter', () => {
    for (const resource of RESOURCE_TYPES) {
      const key = resource.group === '' ? `api/${resource.version}` : `apis/${resource.group}/${resource.version}`;
      const document = openApiV3Document(key) as JsonObject;
      const base = resource.namespaced
        ? `/${key}/namespaces/{namespace}/${resource.plural}/{name}`
        : `/${key}/${resource.plural}/{name}`;
      const patch = ((document.paths as JsonObject)[base] as JsonObject | undefined)?.patch as JsonObject | undefined;
      assert.ok(patch, `${resource.kind}: ${base}`);
      assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
        group: resource.group,
        version: resource.version,
        kind: resource.kind,
      });
      assert.ok((patch.parameters as JsonObject[]).some((p) => p.name === 'fieldValidation' && p.in === 'query'));
      assert.equal(patch.requestBody, undefined, 'kubectl must keep computing patches from its built-in types');
    }
  });

  void it('kind schemas carry the GVK and the patch strategy and merge keys of their lists', () => {
    const schemas = ((openApiV3Document('apis/apps/v1') as JsonObject).components as JsonObject).schemas as JsonObject;
    const deployment = schemas['io.k8s.api.apps.v1.Deployment'] as JsonObject;
    assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const podSpec = (schemas['io.k8s.api.core.v1.PodSpec'] as JsonObject).properties as JsonObject;
    assert.equal((podSpec.containers as JsonObject)['x-kubernetes-patch-merge-key'], 'name');
    assert.equal((podSpec.volumes as JsonObject)['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal((podSpec.tolerations as JsonObject)['x-kubernetes-list-type'], 'atomic');
    const strategy = ((schemas['io.k8s.api.apps.v1.DeploymentSpec'] as JsonObject).properties as JsonObject)
      .strategy as JsonObject;
    assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys');
    // Every reference resolves inside the same document.
    const refs = JSON.stringify(schemas).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const ref of refs) assert.ok(ref.slice('#/components/schemas/'.length) in schemas, ref);
  });

  void it('/openapi/v2 is an empty protobuf document', () => {
    assert.equal(openApiV2().length, 0);
  });
});
