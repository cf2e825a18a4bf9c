// The engine's object watch against the sandbox API server: it starts from a list, follows changes, and
// loses nothing when its connection drops (a TCP relay in front of the sandbox cuts every connection).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openKube } from '../../server/kube/index.js';
import { kubeObjects } from '../../server/kube/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { startTestSandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';

const PODS = resourceByPlural('pods');
let cluster: TestSandbox;

before(async () => {
  cluster = await startTestSandbox({ apiOnly: true });
});

after(async () => {
  await cluster.close();
});

/** A relay to the sandbox whose open connections `cut` closes; returns a kubeconfig that goes through it. */
async function relay(): Promise<{ kubeconfig: string; cut(): number; close(): void }> {
  const target = new URL(cluster.sandbox.server);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = join(cluster.stateDir, `relay-${port}.kubeconfig`);
  const text = readFileSync(cluster.sandbox.kubeconfigPath, 'utf8').replace(target.origin, `https://127.0.0.1:${port}`);
  assert.ok(text.includes(`:${port}`), 'the kubeconfig points at the relay');
  writeFileSync(kubeconfig, text);
  return {
    kubeconfig,
    cut() {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      return count;
    },
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

function createPod(namespace: string, name: string): void {
  cluster.sandbox.store.create(PODS, {
    metadata: { name, namespace, labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'podloop/busybox' }] },
  } as never);
}

const names = (items: unknown[]): string[] =>
  items.map((item) => (item as { metadata: { name: string } }).metadata.name).sort();

test('a watch starts from the list, follows changes and misses nothing across a dropped connection', async () => {
  const namespace = 'watched';
  cluster.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
  createPod(namespace, 'first');
  const through = await relay();
  const stop = new AbortController();
  try {
    const objects = kubeObjects(openKube({ kubeconfig: through.kubeconfig }));
    let seen: string[] = [];
    await objects.watch('Pod', namespace, stop.signal, { labelSelector: 'app=web' }, (items) => {
      seen = names(items);
    });
    assert.deepEqual(seen, ['first'], 'the first list is delivered before the promise resolves');

    createPod(namespace, 'second');
    await waitFor('the created pod', () => seen.includes('second'));

    // Everything written while the watch is down comes with the resumed one.
    assert.ok(through.cut() > 0, 'the watch connection was open');
    cluster.sandbox.store.delete(PODS, namespace, 'first');
    createPod(namespace, 'third');
    await waitFor('the changes made during the drop', () => seen.join() === 'second,third');
  } finally {
    stop.abort();
    through.close();
  }
});
