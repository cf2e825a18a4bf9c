// The engine's request router on its own: a protocol method that this engine build does not
// implement yet answers NotSupportedYet with the method in data, an unknown one MethodNotFound.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  createMessageConnection,
  RequestType,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { createLogger } from '../../server/logger.js';
import { createRouter } from '../../server/router.js';
import { createSession } from '../../server/session.js';

function routerWithClient(register: (router: ReturnType<typeof createRouter>) => void) {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const session = createSession('test-engine');
  session.phase = 'running';
  const router = createRouter(session, createLogger({ level: 'silent' }));
  register(router);
  const server = createMessageConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  router.listen(server);
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  client.listen();
  return {
    client,
    close: () => {
      client.dispose();
      server.dispose();
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError);
    return error;
  }
  return assert.fail('the request succeeded');
}

void test('a method declared but not implemented answers NotSupportedYet naming the method', async (t) => {
  const { client, close } = routerWithClient((router) => router.notSupported('future/feature'));
  t.after(close);
  const error = await failure(client.sendRequest('future/feature', {}));
  assert.equal(error.code, ErrorCodes.NotSupportedYet);
  assert.deepEqual(error.data, { method: 'future/feature' });
  assert.match(error.message, /future\/feature/);
});

void test('a method nobody declared answers MethodNotFound, and an unexpected throw InternalError', async (t) => {
  const boom = new RequestType<unknown, unknown, unknown>('test/boom');
  const { client, close } = routerWithClient((router) =>
    router.request(
      boom,
      (raw) => raw,
      () => {
        throw new Error('disk on fire');
      },
    ),
  );
  t.after(close);
  assert.equal((await failure(client.sendRequest('no/such', {}))).code, ErrorCodes.MethodNotFound);
  const internal = await failure(client.sendRequest(boom, {}));
  assert.equal(internal.code, ErrorCodes.InternalError);
  assert.match(internal.message, /test\/boom failed: disk on fire/);
});
