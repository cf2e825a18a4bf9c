// Real kubectl against a tiny in-memory Deployments server built only from the API machinery:
// OpenAPI v3 (strict validation, explain), defaults, validation, patches and Table output.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyDefaults, validateObject, type FieldValidation } from '../../sandbox/apiserver/defaults.js';
import {
  OPENAPI_V2_CONTENT_TYPE,
  openApiV2,
  openApiV3Document,
  openApiV3Index,
} from '../../sandbox/apiserver/openapi.js';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { toTable } from '../../sandbox/apiserver/tables.js';
import { KUBERNETES_VERSION } from '../../sandbox/store/cluster.js';
import { ApiError, notFound } from '../../sandbox/store/errors.js';
import type { KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { apiVersionOf, findResource, RESOURCE_TYPES, type ResourceType } from '../../sandbox/store/resources.js';

const stored = new Map<string, KubeObject>();
let revision = 1;
/** Turned off to check kubectl's fallback to /openapi/v2. */
let serveOpenApiV3 = true;
const key = (resource: ResourceType, namespace: string, name: string): string =>
  `${resource.plural}/${namespace}/${name}`;

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': type });
  res.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function store(resource: ResourceType, input: KubeObjectInput, query: URLSearchParams): KubeObject {
  const validation = (query.get('fieldValidation') ?? 'Strict') as FieldValidation;
  validateObject(resource, input, validation);
  applyDefaults(resource, input);
  const object = input as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: String(++revision) };
  object.metadata.uid ||= randomUUID();
  object.metadata.creationTimestamp ||= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  stored.set(key(resource, object.metadata.namespace ?? '', object.metadata.name), object);
  return object;
}

function find(kind: string, name: string): KubeObject | undefined {
  return [...stored.values()].find((object) => object.kind === kind && object.metadata.name === name);
}

function discovery(): Record<string, unknown> {
  const groups = [...new Set(RESOURCE_TYPES.filter((r) => r.group !== '').map((r) => `${r.group}/${r.version}`))];
  const documents: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => ({
        name: gv.split('/')[0],
        versions: [{ groupVersion: gv, version: gv.split('/')[1] }],
        preferredVersion: { groupVersion: gv, version: gv.split('/')[1] },
      })),
    },
  };
  for (const gv of ['v1', ...groups]) {
    const path = gv === 'v1' ? '/api/v1' : `/apis/${gv}`;
    documents[path] = {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: RESOURCE_TYPES.filter((r) => apiVersionOf(r) === gv).map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        shortNames: r.shortNames,
      })),
    };
  }
  return documents;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stub');
  const path = url.pathname;
  const fixed: Record<string, unknown> = {
    '/version': { ...KUBERNETES_VERSION, platform: 'linux/amd64' },
    '/openapi/v3': openApiV3Index(),
    ...discovery(),
  };
  if (!serveOpenApiV3 && path.startsWith('/openapi/v3'))
    return send(res, 404, notFound('openapi', '', path).toStatus());
  if (path in fixed) return send(res, 200, fixed[path]);
  if (path === '/openapi/v2') return send(res, 200, openApiV2(), OPENAPI_V2_CONTENT_TYPE);
  if (path.startsWith('/openapi/v3/')) {
    const document = openApiV3Document(path.slice('/openapi/v3/'.length));
    return document ? send(res, 200, document) : send(res, 404, notFound('openapi', '', path).toStatus());
  }
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(path);
  const resource = match ? findResource(match[1] ?? '', match[2] ?? 'v1', match[4] ?? '') : undefined;
  if (!match || !resource) return send(res, 404, notFound('paths', '', path).toStatus());
  const namespace = match[3] ?? '';
  const name = match[5];
  const body = await readBody(req);
  const current = name ? stored.get(key(resource, namespace, name)) : undefined;
  if (req.method === 'GET' && !name) {
    const items = [...stored.values()].filter(
      (o) => o.kind === resource.kind && (!namespace || o.metadata.namespace === namespace),
    );
    if ((req.headers.accept ?? '').includes('as=Table')) {
      return send(res, 200, toTable(resource, items, { includeObject: 'Metadata', resourceVersion: String(revision) }));
    }
    return send(res, 200, {
      kind: resource.listKind,
      apiVersion: apiVersionOf(resource),
      metadata: { resourceVersion: String(revision) },
      items,
    });
  }
  const missing = (): void => send(res, 404, notFound(resource.plural, resource.group, name ?? '').toStatus());
  if (req.method === 'GET' && current && (req.headers.accept ?? '').includes('as=Table')) {
    return send(
      res,
      200,
      toTable(resource, [current], { includeObject: 'Metadata', resourceVersion: current.metadata.resourceVersion }),
    );
  }
  if (req.method === 'GET') return current ? send(res, 200, current) : missing();
  if (req.method === 'POST') {
    const input = JSON.parse(body.toString('utf8')) as KubeObjectInput;
    input.metadata = { ...input.metadata, ...(resource.namespaced ? { namespace } : {}) };
    return send(res, 201, store(resource, input, url.searchParams));
  }
  if (req.method === 'PATCH' && name) {
    const contentType = req.headers['content-type'] ?? '';
    if (!current && !contentType.startsWith('application/apply-patch')) return missing();
    const base =
      current ??
      ({
        apiVersion: apiVersionOf(resource),
        kind: resource.kind,
        metadata: { name, ...(resource.namespaced ? { namespace } : {}) },
      } as unknown as KubeObject);
    const patched = applyPatch(resource, base, body, contentType, {
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      force: url.searchParams.get('force') === 'true',
    });
    return send(res, current ? 200 : 201, store(resource, patched, url.searchParams));
  }
  return send(res, 405, new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method').toStatus());
}

let server: Server;
let dir: string;
let kubeconfig: string;

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      args,
      {
        env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const manifest = (image: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        ports:
        - containerPort: 8080
${extra}`;

void describe('real kubectl against the API machinery', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podloop-machinery-'));
    server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
        send(res, apiError.code, apiError.toStatus());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: stub, user: {}}]
contexts: [{name: stub, context: {cluster: stub, user: stub, namespace: default}}]
current-context: stub
`,
    );
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  void it('apply creates with strict server-side validation, re-applies with a strategic merge patch, and get prints the Table', async () => {
    const created = await kubectl(['apply', '-f', '-'], manifest('web:1'));
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /deployment.apps\/web created/);
    assert.equal(
      find('Deployment', 'web')?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']?.includes(
        'web:1',
      ),
      true,
    );

    const updated = await kubectl(['apply', '-f', '-'], manifest('web:2'));
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /deployment.apps\/web configured/);
    assert.doesNotMatch(updated.stderr, /warning/i);
    const spec = find('Deployment', 'web')?.spec as {
      template: { spec: { containers: { image: string; imagePullPolicy: string }[] } };
    };
    assert.equal(spec.template.spec.containers[0]?.image, 'web:2');
    assert.equal(spec.template.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');

    const listed = await kubectl(['get', 'deploy', '-o', 'wide']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    assert.match(listed.stdout, /\nweb\s+0\/2\s+0\s+0\s+\S+\s+app\s+web:2\s+app=web\n/);
  });

  void it('re-applying without a container and an env var deletes them through the patch kubectl computes', async () => {
    const withSidecar =
      manifest('web:2', '').replace(
        '        ports:\n',
        '        env:\n        - {name: A, value: "1"}\n        - {name: B, value: "2"}\n        ports:\n',
      ) + '      - name: sidecar\n        image: proxy:1\n';
    const first = await kubectl(['apply', '-f', '-'], withSidecar);
    assert.equal(first.code, 0, first.stderr);
    const second = await kubectl(
      ['apply', '-f', '-'],
      manifest('web:2', '').replace(
        '        ports:\n',
        '        env:\n        - {name: B, value: "2"}\n        ports:\n',
      ),
    );
    assert.equal(second.code, 0, second.stderr);
    const spec = find('Deployment', 'web')?.spec as {
      template: { spec: { containers: { name: string; env?: unknown[] }[] } };
    };
    assert.deepEqual(
      spec.template.spec.containers.map((c) => c.name),
      ['app'],
    );
    assert.deepEqual(spec.template.spec.containers[0]?.env, [{ name: 'B', value: '2' }]);
  });

  void it('switching the strategy to Recreate and a volume to a ConfigMap leaves no stale keys', async () => {
    const volumes = (source: string): string => `      volumes:\n      - name: data\n        ${source}\n`;
    const withStrategy = (strategy: string, source: string): string =>
      manifest('web:2', volumes(source)).replace('  replicas: 2\n', `  replicas: 2\n  strategy: ${strategy}\n`);
    const first = await kubectl(
      ['apply', '-f', '-'],
      withStrategy('{type: RollingUpdate, rollingUpdate: {maxSurge: 1}}', 'emptyDir: {}'),
    );
    assert.equal(first.code, 0, first.stderr);
    const second = await kubectl(['apply', '-f', '-'], withStrategy('{type: Recreate}', 'configMap: {name: cfg}'));
    assert.equal(second.code, 0, second.stderr);
    const spec = find('Deployment', 'web')?.spec as { strategy: unknown; template: { spec: { volumes: unknown[] } } };
    assert.deepEqual(spec.strategy, { type: 'Recreate' });
    assert.deepEqual(spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cfg', defaultMode: 420 } }]);
  });

  void it('an unknown field is rejected with the strict decoding error', async () => {
    const result = await kubectl(['apply', '-f', '-'], manifest('web:3', '  bogus: 1\n'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /strict decoding error: unknown field "spec.bogus"/);
  });

  void it('server-side apply takes the apply-patch path', async () => {
    const result = await kubectl(['apply', '--server-side', '-f', '-'], manifest('web:4'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /deployment.apps\/web serverside-applied/);
    const entries = find('Deployment', 'web')?.metadata.managedFields as { manager: string; operation: string }[];
    assert.ok(entries.some((entry) => entry.manager === 'kubectl' && entry.operation === 'Apply'));
  });

  void it('a multi-resource manifest applies under strict validation and every kind prints its columns', async () => {
    const result = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {mode: dev, level: debug}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox:1.36
        command: [sh, -c, "echo hi"]
        env:
        - name: POD
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        resources: {limits: {cpu: 100m, memory: 64Mi}}
`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /configmap\/cfg created\nsecret\/creds created\nservice\/web created\njob.batch\/once created/,
    );
    const secret = find('Secret', 'creds');
    assert.deepEqual(secret?.data, { password: Buffer.from('hunter2').toString('base64') });

    const services = await kubectl(['get', 'svc']);
    assert.match(
      services.stdout,
      /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\n$/,
    );
    const configMaps = await kubectl(['get', 'cm', 'cfg']);
    assert.match(configMaps.stdout, /^NAME\s+DATA\s+AGE\ncfg\s+2\s+\S+\n$/);
    const jobs = await kubectl(['get', 'jobs']);
    assert.match(jobs.stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nonce\s+Running\s+0\/1\s+\S+\n$/);
  });

  void it('a second server-side applier conflicts on a field kubectl applied, until it forces', async () => {
    const other = manifest('web:4').replace('replicas: 2', 'replicas: 5');
    const refused = await kubectl(['apply', '--server-side', '--field-manager=helm', '-f', '-'], other);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    const forced = await kubectl(
      ['apply', '--server-side', '--field-manager=helm', '--force-conflicts', '-f', '-'],
      other,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((find('Deployment', 'web')?.spec as { replicas: number }).replicas, 5);
  });

  void it('without OpenAPI v3, the empty v2 document still lets apply through', async () => {
    serveOpenApiV3 = false;
    try {
      const result = await kubectl(['apply', '-f', '-'], manifest('web:1').replace('name: web', 'name: legacy'));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /deployment.apps\/legacy created/);
    } finally {
      serveOpenApiV3 = true;
    }
  });

  void it('kubectl patch with a failing JSON patch test reports the request as invalid', async () => {
    const result = await kubectl([
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":1}]',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /The request is invalid: the server rejected our request due to an error in our request/,
    );
    const scaled = await kubectl(['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal((find('Deployment', 'web')?.spec as { replicas: number }).replicas, 3);
  });

  void it('explain reads the served schemas', async () => {
    const result = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /rollingUpdate/);
    assert.match(result.stdout, /How old pods are replaced/);
    const ports = await kubectl(['explain', 'pods.spec.containers.ports']);
    assert.match(ports.stdout, /containerPort\t<integer> -required-/);
  });
});
