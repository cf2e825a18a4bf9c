// The sandbox API server over raw HTTPS: bad requests get 4xx Status objects and never stop the
// server; watches replay, expire, follow selectors, bookmark and time out as a real server's do.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

function call(
  s: TestSandbox,
  method: string,
  path: string,
  options: { body?: string; contentType?: string; token?: string | null; accept?: string } = {},
): Promise<Reply> {
  const ca = readFileSync(join(s.stateDir, 'pki', 'ca.crt'));
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? s.sandbox.token : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  if (options.accept) headers.Accept = options.accept;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, s.sandbox.server), { method, ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function status(reply: Reply): { code: number; reason: string; message: string; kind: string } {
  assert.equal(reply.contentType, 'application/json');
  return JSON.parse(reply.body) as { code: number; reason: string; message: string; kind: string };
}

async function withSandbox(
  body: (s: TestSandbox) => Promise<void>,
  options: { bookmarkIntervalMs?: number } = {},
): Promise<void> {
  const sandbox = await startTestSandbox({ apiOnly: true, ...options });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

const CM = '/api/v1/namespaces/default/configmaps';

void test('bad requests get 4xx Status objects and the server keeps serving', () =>
  withSandbox(async (s) => {
    const cases: { what: string; reply: Promise<Reply>; code: number; reason: string; message?: RegExp }[] = [
      { what: 'malformed JSON', reply: call(s, 'POST', CM, { body: '{"metadata":' }), code: 400, reason: 'BadRequest' },
      {
        what: 'a kind that does not match the URL',
        reply: call(s, 'POST', CM, {
          body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
        }),
        code: 400,
        reason: 'BadRequest',
      },
      {
        what: 'an unknown resource',
        reply: call(s, 'GET', '/api/v1/namespaces/default/widgets'),
        code: 404,
        reason: 'NotFound',
        message: /the server could not find the requested resource/,
      },
      {
        what: 'a name of the wrong type',
        reply: call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 42 } }) }),
        code: 400,
        reason: 'BadRequest',
      },
      {
        what: 'a field of the wrong type',
        reply: call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'typed' }, data: 5 }) }),
        code: 400,
        reason: 'BadRequest',
      },
      {
        what: 'an invalid name',
        reply: call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'Not_Valid' } }) }),
        code: 422,
        reason: 'Invalid',
      },
      {
        what: 'a missing namespace',
        reply: call(s, 'POST', '/api/v1/namespaces/ghost/configmaps', {
          body: JSON.stringify({ metadata: { name: 'x' } }),
        }),
        code: 404,
        reason: 'NotFound',
        message: /^namespaces "ghost" not found$/,
      },
      {
        what: 'a namespace that contradicts the URL',
        reply: call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'x', namespace: 'kube-system' } }) }),
        code: 400,
        reason: 'BadRequest',
      },
      {
        what: 'a method the collection does not serve',
        reply: call(s, 'PUT', CM, { body: '{}' }),
        code: 405,
        reason: 'MethodNotAllowed',
      },
      {
        what: 'an unknown patch type',
        reply: call(s, 'PATCH', '/api/v1/namespaces/default', { body: '{}', contentType: 'text/plain' }),
        code: 415,
        reason: 'UnsupportedMediaType',
      },
      {
        what: 'a bad label selector',
        reply: call(s, 'GET', `${CM}?labelSelector=${encodeURIComponent('a in (')}`),
        code: 400,
        reason: 'BadRequest',
      },
      {
        what: 'deleting the default namespace',
        reply: call(s, 'DELETE', '/api/v1/namespaces/default'),
        code: 403,
        reason: 'Forbidden',
        message: /^namespaces "default" is forbidden: this namespace may not be deleted$/,
      },
      {
        what: 'no token',
        reply: call(s, 'GET', '/api/v1/namespaces', { token: null }),
        code: 401,
        reason: 'Unauthorized',
      },
      {
        what: 'a wrong token',
        reply: call(s, 'GET', '/version', { token: 'nope' }),
        code: 401,
        reason: 'Unauthorized',
      },
    ];
    for (const c of cases) {
      const reply = await c.reply;
      assert.equal(reply.status, c.code, `${c.what}: ${reply.body}`);
      const st = status(reply);
      assert.equal(st.kind, 'Status', c.what);
      assert.equal(st.code, c.code, c.what);
      assert.equal(st.reason, c.reason, c.what);
      if (c.message) assert.match(st.message, c.message, c.what);
    }
    const healthy = await call(s, 'GET', '/readyz', { token: null });
    assert.equal(healthy.body, 'ok');
    assert.equal((await call(s, 'GET', CM)).status, 200);
  }));

void test('a stale resourceVersion on PUT is a 409 Conflict', () =>
  withSandbox(async (s) => {
    const created = JSON.parse(
      (await call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'c' }, data: { a: '1' } }) })).body,
    ) as {
      metadata: { resourceVersion: string };
    };
    const fresh = { metadata: { name: 'c', resourceVersion: created.metadata.resourceVersion }, data: { a: '2' } };
    assert.equal((await call(s, 'PUT', `${CM}/c`, { body: JSON.stringify(fresh) })).status, 200);
    const stale = await call(s, 'PUT', `${CM}/c`, { body: JSON.stringify(fresh) });
    assert.equal(stale.status, 409);
    assert.equal(status(stale).reason, 'Conflict');
  }));

void test('dryRun=All answers as if created but stores nothing', () =>
  withSandbox(async (s) => {
    const reply = await call(s, 'POST', `${CM}?dryRun=All`, { body: JSON.stringify({ metadata: { name: 'dry' } }) });
    assert.equal(reply.status, 201);
    assert.equal((await call(s, 'GET', `${CM}/dry`)).status, 404);
  }));

/** Collects the events of a watch until `until` holds or the stream ends. */
function watchLines(
  s: TestSandbox,
  path: string,
): { lines: { type: string; object: Record<string, unknown> }[]; ended: Promise<void>; stop(): void } {
  const ca = readFileSync(join(s.stateDir, 'pki', 'ca.crt'));
  const lines: { type: string; object: Record<string, unknown> }[] = [];
  let buffer = '';
  let stop = (): void => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(
      new URL(path, s.sandbox.server),
      { ca, headers: { Authorization: `Bearer ${s.sandbox.token}` } },
      (res) => {
        res.on('data', (d: Buffer) => {
          buffer += d.toString();
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            lines.push(JSON.parse(buffer.slice(0, nl)) as { type: string; object: Record<string, unknown> });
            buffer = buffer.slice(nl + 1);
          }
        });
        res.on('end', () => resolve());
        res.on('error', () => resolve());
      },
    );
    req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
    req.end();
    stop = () => req.destroy();
  });
  return { lines, ended, stop };
}

function nameOf(object: Record<string, unknown>): string {
  return (object.metadata as { name: string }).name;
}

void test('a watch from a resourceVersion replays later events and reports an object leaving its selector as DELETED', () =>
  withSandbox(async (s) => {
    const list = JSON.parse((await call(s, 'GET', CM)).body) as { metadata: { resourceVersion: string } };
    await call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'a', labels: { app: 'x' } } }) });
    const watch = watchLines(s, `${CM}?watch=1&labelSelector=app%3Dx&resourceVersion=${list.metadata.resourceVersion}`);
    try {
      await waitFor('the replayed ADDED', () => watch.lines.length >= 1);
      await call(s, 'PATCH', `${CM}/a`, {
        body: JSON.stringify({ metadata: { labels: { app: 'y' } } }),
        contentType: 'application/merge-patch+json',
      });
      await waitFor('the DELETED', () => watch.lines.length >= 2);
      assert.deepEqual(
        watch.lines.map((l) => `${l.type} ${nameOf(l.object)}`),
        ['ADDED a', 'DELETED a'],
      );
    } finally {
      watch.stop();
    }
  }));

void test('a watch from a compacted resourceVersion gets an ERROR event with a 410 Expired Status', () =>
  withSandbox(async (s) => {
    const configmaps = resourceByPlural('configmaps');
    // Enough writes to push the first resourceVersions out of the store's event log.
    for (let i = 0; i < 20_050; i++)
      s.sandbox.store.create(configmaps, { metadata: { name: `filler-${i}`, namespace: 'kube-public' } });
    const watch = watchLines(s, `${CM}?watch=true&resourceVersion=2`);
    await watch.ended;
    assert.equal(watch.lines.length, 1);
    assert.equal(watch.lines[0]!.type, 'ERROR');
    assert.equal(watch.lines[0]!.object.code, 410);
    assert.equal(watch.lines[0]!.object.reason, 'Expired');
  }));

void test('a watch with timeoutSeconds ends by itself after sending what exists', () =>
  withSandbox(async (s) => {
    await call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'here' } }) });
    const watch = watchLines(s, `${CM}?watch=1&timeoutSeconds=1`);
    await watch.ended;
    assert.deepEqual(
      watch.lines.map((l) => `${l.type} ${nameOf(l.object)}`),
      ['ADDED here'],
    );
  }));

void test('a watch that allows bookmarks gets BOOKMARK events carrying the current resourceVersion', () =>
  withSandbox(
    async (s) => {
      const watch = watchLines(s, `${CM}?watch=1&allowWatchBookmarks=true`);
      try {
        await waitFor('a bookmark', () => watch.lines.some((l) => l.type === 'BOOKMARK'));
        const bookmark = watch.lines.find((l) => l.type === 'BOOKMARK')!;
        assert.equal(bookmark.object.kind, 'ConfigMap');
        assert.equal(
          (bookmark.object.metadata as { resourceVersion: string }).resourceVersion,
          s.sandbox.store.currentResourceVersion(),
        );
      } finally {
        watch.stop();
      }
    },
    { bookmarkIntervalMs: 100 },
  ));

void test('the old /watch/ path prefix streams events too', () =>
  withSandbox(async (s) => {
    const watch = watchLines(s, '/api/v1/watch/namespaces/default/configmaps');
    try {
      await call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'seen' } }) });
      await waitFor('the ADDED event', () => watch.lines.length >= 1);
      assert.equal(nameOf(watch.lines[0]!.object), 'seen');
    } finally {
      watch.stop();
    }
  }));

void test('deletecollection removes the selected objects only', () =>
  withSandbox(async (s) => {
    for (const [name, app] of [
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ] as const) {
      await call(s, 'POST', CM, { body: JSON.stringify({ metadata: { name, labels: { app } } }) });
    }
    const reply = await call(s, 'DELETE', `${CM}?labelSelector=app%3Dx`);
    assert.equal(reply.status, 200);
    const left = JSON.parse((await call(s, 'GET', CM)).body) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(
      left.items.map((i) => i.metadata.name),
      ['c'],
    );
  }));

void test('the status subresource changes status only, and the main resource keeps status', () =>
  withSandbox(async (s) => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const body = {
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
      status: { replicas: 9 },
    };
    const created = JSON.parse((await call(s, 'POST', path, { body: JSON.stringify(body) })).body) as Record<
      string,
      unknown
    >;
    assert.equal((created.status as { replicas?: number } | undefined)?.replicas, undefined);
    const patched = await call(s, 'PATCH', `${path}/d/status`, {
      body: JSON.stringify({ status: { replicas: 2 }, spec: { replicas: 7 } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.status, 200);
    const read = JSON.parse((await call(s, 'GET', `${path}/d`)).body) as {
      spec: { replicas: number };
      status: { replicas: number };
    };
    assert.equal(read.status.replicas, 2);
    assert.equal(read.spec.replicas, 1);
    const scale = JSON.parse((await call(s, 'GET', `${path}/d/scale`)).body) as {
      kind: string;
      spec: { replicas: number };
      status: { selector: string };
    };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    assert.equal(scale.status.selector, 'a=b');
  }));

void test('discovery answers the aggregated v2 form when asked for it and the legacy form otherwise', () =>
  withSandbox(async (s) => {
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const aggregated = await call(s, 'GET', '/apis', { accept });
    assert.equal(aggregated.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const list = JSON.parse(aggregated.body) as {
      items: {
        metadata: { name: string };
        versions: {
          resources: { resource: string; subresources?: { subresource: string; responseKind: { group: string } }[] }[];
        }[];
      }[];
    };
    const apps = list.items.find((g) => g.metadata.name === 'apps');
    const deployments = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
    assert.equal(
      deployments?.subresources?.find((sub) => sub.subresource === 'scale')?.responseKind.group,
      'autoscaling',
    );
    const legacy = await call(s, 'GET', '/apis');
    assert.equal(legacy.contentType, 'application/json');
    assert.equal((JSON.parse(legacy.body) as { kind: string }).kind, 'APIGroupList');
  }));

function upgrade(s: TestSandbox, path: string, token: string | null): Promise<Reply> {
  const ca = readFileSync(join(s.stateDir, 'pki', 'ca.crt'));
  const headers: Record<string, string> = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol': 'v5.channel.k8s.io',
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, s.sandbox.server), { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }),
      );
    });
    req.on('upgrade', () => reject(new Error('unexpected upgrade')));
    req.on('error', reject);
    req.end();
  });
}

void test('stream upgrades are refused with a Status without a token or for a missing pod', () =>
  withSandbox(async (s) => {
    const exec = '/api/v1/namespaces/default/pods/ghost/exec?command=sh&stdout=true';
    const anonymous = await upgrade(s, exec, null);
    assert.equal(anonymous.status, 401);
    assert.equal(status(anonymous).reason, 'Unauthorized');
    const missing = await upgrade(s, exec, s.sandbox.token);
    assert.equal(missing.status, 404);
    assert.equal(status(missing).message, 'pods "ghost" not found');
    const forward = await upgrade(s, '/api/v1/namespaces/default/pods/ghost/portforward?ports=80', s.sandbox.token);
    assert.equal(forward.status, 404);
  }));
