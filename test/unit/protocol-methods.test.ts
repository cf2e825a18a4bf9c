// The protocol definitions agree with each other: every method namespace appears in the method
// list and vice versa, error codes are unique and in range, and the Kubernetes classifiers work.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as protocol from '../../protocol/index.js';

interface MethodNamespace {
  method: string;
  messageDirection: string;
  type: { method: string };
}

function namespaces(): MethodNamespace[] {
  return (Object.values(protocol) as unknown[]).filter(
    (value): value is MethodNamespace =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { method?: unknown }).method === 'string' &&
      'type' in value,
  );
}

void test('every method namespace is in the method list with the same direction, and nothing else is', () => {
  const listed = new Map(protocol.methods.map((info) => [info.method, info]));
  const defined = namespaces();
  for (const namespace of defined) {
    const info = listed.get(namespace.method);
    assert.ok(info, `${namespace.method} is listed in methods.ts`);
    assert.equal(info.direction, namespace.messageDirection, `${namespace.method} direction`);
    assert.equal(namespace.type.method, namespace.method);
  }
  const definedNames = new Set(defined.map((namespace) => namespace.method));
  for (const info of protocol.methods) assert.ok(definedNames.has(info.method), `${info.method} has a namespace`);
  assert.equal(listed.size, protocol.methods.length, 'no method is listed twice');
});

void test('method names follow area/camelCase, with $/ only for transport messages', () => {
  for (const info of protocol.methods) {
    assert.match(info.method, /^(\$\/(cancelRequest|progress)|[a-z]+|[a-z]+[A-Za-z]*\/[a-z][A-Za-z]*)$/, info.method);
  }
});

void test('error codes are unique, and podloop codes lie in -32000..-32099', () => {
  const codes = protocol.errorCatalog.map((info) => info.code);
  assert.equal(new Set(codes).size, codes.length);
  const own = Object.entries(protocol.ErrorCodes).filter(
    ([, code]) => code > -32700 + 100 && code !== protocol.ErrorCodes.Cancelled,
  );
  for (const [name, code] of own) assert.ok(code <= -32000 && code >= -32099, `${name} ${code}`);
  for (const [name, code] of Object.entries(protocol.ErrorCodes)) {
    assert.ok(
      protocol.errorCatalog.some((info) => info.code === code && info.name === name),
      `${name} documented`,
    );
  }
});

void test('Kubernetes failures are classified by status and network cause', () => {
  const apiError = { code: 404, body: '{"kind":"Status","reason":"NotFound","code":404}' };
  assert.ok(protocol.isNotFound(apiError));
  assert.equal(protocol.statusReasonOf(apiError), 'NotFound');
  assert.ok(protocol.isConflict({ code: 409 }));
  assert.ok(protocol.isForbidden({ statusCode: 403 }));
  assert.ok(protocol.isUnauthorized({ code: 401 }));
  assert.ok(!protocol.isNotFound({ code: 'ENOENT' }));
  const refused = Object.assign(new Error('request failed'), {
    type: 'system',
    code: 'ECONNREFUSED',
    errno: 'ECONNREFUSED',
  });
  assert.equal(protocol.unreachableCause(refused), 'ECONNREFUSED');
  assert.equal(protocol.unreachableCause(new Error('wrapped', { cause: { code: 'ETIMEDOUT' } })), 'ETIMEDOUT');
  assert.equal(protocol.unreachableCause({ code: 500 }), undefined);
});

void test('notSupportedYet and invalidParams carry their typed data', () => {
  const error = protocol.notSupportedYet('dev/start');
  assert.equal(error.code, protocol.ErrorCodes.NotSupportedYet);
  assert.deepEqual(error.data, { method: 'dev/start' });
  assert.deepEqual(protocol.invalidParams('params.name', 'params.name must be a string').data, {
    field: 'params.name',
  });
});
