import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults, clusterIpFor, pullPolicyFor, validateObject } from '../../sandbox/apiserver/defaults.js';
import { ApiError } from '../../sandbox/store/errors.js';
import type { JsonObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';

const deployments = resourceByPlural('deployments');

function minimalDeployment(): KubeObjectInput {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'web:1',
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            },
          ],
        },
      },
    },
  };
}

function rejects(fn: () => unknown, code: number, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

void describe('defaults', () => {
  void it('a minimal Deployment gets the fields a real cluster shows', () => {
    const object = minimalDeployment();
    applyDefaults(deployments, object);
    const spec = object.spec as JsonObject;
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.deepEqual(spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    const podSpec = (spec.template as JsonObject).spec as JsonObject;
    assert.equal(podSpec.restartPolicy, 'Always');
    assert.equal(podSpec.dnsPolicy, 'ClusterFirst');
    assert.equal(podSpec.terminationGracePeriodSeconds, 30);
    assert.equal(podSpec.schedulerName, 'default-scheduler');
    assert.equal(podSpec.serviceAccountName, undefined, 'templates do not get the service account default');
    const container = (podSpec.containers as JsonObject[])[0] as JsonObject;
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.equal(container.terminationMessagePath, '/dev/termination-log');
    assert.deepEqual(container.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(container.readinessProbe, {
      httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const again = structuredClone(object);
    applyDefaults(deployments, again);
    assert.deepEqual(again, object, 'defaulting is idempotent');
  });

  void it('pods, services, secrets and namespaces', () => {
    const pod: KubeObjectInput = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    applyDefaults(resourceByPlural('pods'), pod);
    const podSpec = pod.spec as JsonObject;
    assert.equal(podSpec.serviceAccountName, 'default');
    assert.equal(podSpec.enableServiceLinks, true);
    assert.equal(((podSpec.containers as JsonObject[])[0] as JsonObject).imagePullPolicy, 'Always');
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });

    const service: KubeObjectInput = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    };
    applyDefaults(resourceByPlural('services'), service);
    const svc = service.spec as JsonObject;
    assert.equal(svc.type, 'ClusterIP');
    assert.equal(svc.clusterIP, clusterIpFor('shop', 'web'));
    assert.match(String(svc.clusterIP), /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    assert.deepEqual(svc.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(svc.sessionAffinity, 'None');
    assert.notEqual(clusterIpFor('shop', 'web'), clusterIpFor('shop', 'api'));

    const secret: KubeObjectInput = { metadata: { name: 's' }, stringData: { password: 'hunter2' } };
    applyDefaults(resourceByPlural('secrets'), secret);
    assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64') });
    assert.equal(secret.type, 'Opaque');
    assert.equal(secret.stringData, undefined);
    assert.equal(secret.spec, undefined);

    const namespace: KubeObjectInput = { metadata: { name: 'dev' } };
    applyDefaults(resourceByPlural('namespaces'), namespace);
    assert.equal(namespace.metadata?.labels?.['kubernetes.io/metadata.name'], 'dev');
    assert.deepEqual(namespace.status, { phase: 'Active' });
  });

  void it('image pull policy follows the tag rule', () => {
    assert.equal(pullPolicyFor('nginx'), 'Always');
    assert.equal(pullPolicyFor('nginx:latest'), 'Always');
    assert.equal(pullPolicyFor('localhost:5000/nginx'), 'Always');
    assert.equal(pullPolicyFor('localhost:5000/nginx:1.2'), 'IfNotPresent');
    assert.equal(pullPolicyFor('nginx@sha256:abc'), 'IfNotPresent');
  });
});

void describe('validation', () => {
  void it('unknown fields fail under Strict, warn under Warn and pass under Ignore', () => {
    const object = minimalDeployment();
    (object.spec as JsonObject).foo = 1;
    (
      (((object.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[]
    )[0]!.imagePullPolcy = 'Always';
    rejects(
      () => validateObject(deployments, object, 'Strict'),
      400,
      /^Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers\[0\].imagePullPolcy", unknown field "spec.foo"$/,
    );
    assert.deepEqual(validateObject(deployments, object, 'Warn').warnings, [
      'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
      'unknown field "spec.foo"',
    ]);
    assert.deepEqual(validateObject(deployments, object, 'Ignore').warnings, []);
  });

  void it('a wrong JSON type is 400 whatever the field validation', () => {
    const object = minimalDeployment();
    (object.spec as JsonObject).replicas = 'two';
    rejects(
      () => validateObject(deployments, object, 'Ignore'),
      400,
      /json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
    );
    const secret: KubeObjectInput = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { k: 'not base64!' },
    };
    rejects(
      () => validateObject(resourceByPlural('secrets'), secret, 'Strict'),
      400,
      /illegal base64 data at input byte/,
    );
  });

  void it('malformed quantities and timestamps fail decoding as on a real server', () => {
    const object = minimalDeployment();
    const podSpec = ((object.spec as JsonObject).template as JsonObject).spec as JsonObject;
    (podSpec.containers as JsonObject[])[0]!.resources = { limits: { memory: '512MB' } };
    rejects(() => validateObject(deployments, object, 'Ignore'), 400, /unable to parse quantity's suffix/);
    (podSpec.containers as JsonObject[])[0]!.resources = { limits: { memory: '512Mi', cpu: '250m' } };
    assert.deepEqual(validateObject(deployments, object, 'Strict'), { warnings: [] });
    object.metadata = { name: 'web', creationTimestamp: 'yesterday' };
    rejects(() => validateObject(deployments, object, 'Strict'), 400, /parsing time "yesterday"/);
  });

  void it('invalid values are 422 with the real causes', () => {
    const object = minimalDeployment();
    const spec = object.spec as JsonObject;
    ((spec.template as JsonObject).metadata as JsonObject).labels = { app: 'other' };
    const containers = ((spec.template as JsonObject).spec as JsonObject).containers as JsonObject[];
    containers.push({ name: 'Side_car', ports: [{ containerPort: 70000 }] });
    try {
      validateObject(deployments, object, 'Strict');
      assert.fail('expected a 422');
    } catch (error) {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 422);
      assert.equal(error.reason, 'Invalid');
      assert.match(error.message, /^Deployment\.apps "web" is invalid: /);
      const fields = error.details?.causes?.map((c) => `${c.field}: ${c.message.split(':')[0]}`);
      assert.deepEqual(fields, [
        'spec.template.metadata.labels: Invalid value',
        'spec.template.spec.containers[1].name: Invalid value',
        'spec.template.spec.containers[1].image: Required value',
        'spec.template.spec.containers[1].ports[0].containerPort: Invalid value',
      ]);
    }
  });

  void it('a Recreate strategy with rollingUpdate parameters is forbidden', () => {
    const object = minimalDeployment();
    (object.spec as JsonObject).strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
    rejects(
      () => validateObject(deployments, object, 'Strict'),
      422,
      /spec\.strategy\.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'/,
    );
  });

  void it('a valid minimal Deployment passes before and after defaulting', () => {
    const object = minimalDeployment();
    assert.deepEqual(validateObject(deployments, object, 'Strict'), { warnings: [] });
    applyDefaults(deployments, object);
    assert.deepEqual(validateObject(deployments, object, 'Strict'), { warnings: [] });
  });
});
