// @kubernetes/client-node's Log against a full sandbox: following a container's output until the
// container ends, and reading only the last lines.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestSandbox, waitFor } from '../helpers/sandbox.js';

void test('client-node Log follows a container to its end and tails the last lines', async () => {
  const s = await startTestSandbox();
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.sandbox.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'counter' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'podloop/busybox',
              command: ['sh', '-c', 'for i in 1 2 3; do echo line-$i; sleep 0.3; done'],
            },
          ],
        },
      },
    });
    await waitFor(
      'the container to start',
      async () => {
        const pod = await core.readNamespacedPod({ name: 'counter', namespace: 'default' });
        return pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded';
      },
      60_000,
    );
    const followed = new PassThrough();
    let text = '';
    followed.on('data', (d: Buffer) => (text += d.toString()));
    const ended = new Promise<void>((resolve) => followed.on('end', resolve));
    await new k8s.Log(kc).log('default', 'counter', 'main', followed, { follow: true });
    await ended;
    assert.equal(text, 'line-1\nline-2\nline-3\n');

    const tail = new PassThrough();
    let last = '';
    tail.on('data', (d: Buffer) => (last += d.toString()));
    const tailEnded = new Promise<void>((resolve) => tail.on('end', resolve));
    await new k8s.Log(kc).log('default', 'counter', 'main', tail, { tailLines: 1 });
    await tailEnded;
    assert.equal(last, 'line-3\n');
  } finally {
    await s.close();
  }
});
