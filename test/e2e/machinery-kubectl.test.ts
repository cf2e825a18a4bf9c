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
import { OPENAPI_V2_CONTENT_TYPE, openApiV2, openApiV3Document, openApiV3Index } from '../../sandbox/apiserver/openapi.js';
import { applyPatch } from '../../sandbox/apiserver/patch.js';
import { toTable } from '../../sandbox/apiserver/tables.js';
import { KUBERNETES_VERSION } from '../../sandbox/store/cluster.js';
import { ApiError, notFound } from '../../sandbox/store/errors.js';
import type { KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';

const deployments = resourceByPlural('deployments');
const stored = new Map<string, KubeObject>();
let revision = 1;

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': type });
  res.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function store(input: KubeObjectInput, query: URLSearchParams): KubeObject {
  const validation = (query.get('fieldValidation') ?? 'Strict') as FieldValidation;
  validateObject(deployments, input, validation);
  applyDefaults(deployments, input);
  const object = input as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: String(++revision) };
  object.metadata.uid ||= randomUUID();
  object.metadata.creationTimestamp ||= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  stored.set(object.metadata.name, object);
  return object;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stub');
  const path = url.pathname;
  const fixed: Record<string, unknown> = {
    '/version': { ...KUBERNETES_VERSION, platform: 'linux/amd64' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] },
    '/api/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources: [
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'] }] },
    '/apis/apps/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [
      { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', shortNames: ['deploy'],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }] },
    '/openapi/v3': openApiV3Index(),
  };
  if (path in fixed) return send(res, 200, fixed[path]);
  if (path === '/openapi/v2') return send(res, 200, openApiV2(), OPENAPI_V2_CONTENT_TYPE);
  if (path.startsWith('/openapi/v3/')) {
    const document = openApiV3Document(path.slice('/openapi/v3/'.length));
    return document ? send(res, 200, document) : send(res, 404, notFound('openapi', '', path).toStatus());
  }
  const match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(path);
  if (!match) return send(res, 404, notFound('paths', '', path).toStatus());
  const [, namespace, name] = match;
  const body = await readBody(req);
  const current = name ? stored.get(name) : undefined;
  if (req.method === 'GET' && !name) {
    const items = [...stored.values()];
    if ((req.headers.accept ?? '').includes('as=Table')) {
      return send(res, 200, toTable(deployments, items, { includeObject: 'Metadata', resourceVersion: String(revision) }));
    }
    return send(res, 200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(revision) }, items });
  }
  if (req.method === 'GET') return current ? send(res, 200, current) : send(res, 404, notFound('deployments', 'apps', name ?? '').toStatus());
  if (req.method === 'POST') {
    const input = JSON.parse(body.toString('utf8')) as KubeObjectInput;
    input.metadata = { ...input.metadata, namespace };
    return send(res, 201, store(input, url.searchParams));
  }
  if (req.method === 'PATCH' && name) {
    const base = current ?? ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } } as unknown as KubeObject);
    const contentType = req.headers['content-type'] ?? '';
    if (!current && !contentType.startsWith('application/apply-patch')) {
      return send(res, 404, notFound('deployments', 'apps', name).toStatus());
    }
    const patched = applyPatch(deployments, base, body, contentType, {
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      force: url.searchParams.get('force') === 'true',
    });
    return send(res, current ? 200 : 201, store(patched, url.searchParams));
  }
  return send(res, 405, new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method').toStatus());
}

let server: Server;
let dir: string;
let kubeconfig: string;

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, {
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') }, timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
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

describe('real kubectl against the API machinery', () => {
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
    await writeFile(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: stub, user: {}}]
contexts: [{name: stub, context: {cluster: stub, user: stub, namespace: default}}]
current-context: stub
`);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('apply creates with strict server-side validation, re-applies with a strategic merge patch, and get prints the Table', async () => {
    const created = await kubectl(['apply', '-f', '-'], manifest('web:1'));
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /deployment.apps\/web created/);
    assert.equal(stored.get('web')?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']?.includes('web:1'), true);

    const updated = await kubectl(['apply', '-f', '-'], manifest('web:2'));
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /deployment.apps\/web configured/);
    const spec = stored.get('web')?.spec as { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } };
    assert.equal(spec.template.spec.containers[0]?.image, 'web:2');
    assert.equal(spec.template.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');

    const listed = await kubectl(['get', 'deploy', '-o', 'wide']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    assert.match(listed.stdout, /\nweb\s+0\/2\s+0\s+0\s+\S+\s+app\s+web:2\s+app=web\n/);
  });

  it('an unknown field is rejected with the strict decoding error', async () => {
    const result = await kubectl(['apply', '-f', '-'], manifest('web:3', '  bogus: 1\n'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /strict decoding error: unknown field "spec.bogus"/);
  });

  it('server-side apply takes the apply-patch path', async () => {
    const result = await kubectl(['apply', '--server-side', '-f', '-'], manifest('web:4'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /deployment.apps\/web serverside-applied/);
    const entries = stored.get('web')?.metadata.managedFields as { manager: string; operation: string }[];
    assert.ok(entries.some((entry) => entry.manager === 'kubectl' && entry.operation === 'Apply'));
  });

  it('explain reads the served schemas', async () => {
    const result = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /rollingUpdate/);
    assert.match(result.stdout, /How old pods are replaced/);
  });
});
