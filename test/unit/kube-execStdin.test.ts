import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { execStdin, MAX_FRAME_PAYLOAD, stdinFrames } from '../../server/kube/execStdin.js';

void test('stdin frames carry the chunks in order behind the channel byte, split at the frame cap', () => {
  const chunks = [Buffer.from('abc'), Buffer.alloc(MAX_FRAME_PAYLOAD, 1), Buffer.from('xyz12')];
  const frames = stdinFrames(chunks);
  assert.deepEqual(
    frames.map((frame) => frame.length),
    [MAX_FRAME_PAYLOAD + 1, 8 + 1],
  );
  assert.ok(frames.every((frame) => frame[0] === 0));
  assert.ok(Buffer.concat(frames.map((frame) => frame.subarray(1))).equals(Buffer.concat(chunks)));
});

void test('many small stdin writes reach the server in order as fewer frames, then a v5 stdin close', async () => {
  const server = new WebSocketServer({ port: 0, handleProtocols: () => 'v5.channel.k8s.io' });
  await once(server, 'listening');
  const received: Buffer[] = [];
  const closed = new Promise<void>((resolve) => {
    server.on('connection', (peer) => {
      peer.on('message', (data: Buffer) => {
        received.push(data);
        if (data[0] === 255) resolve();
      });
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, ['v5.channel.k8s.io']);
  await once(client, 'open');
  try {
    const stdin = execStdin(client);
    const sent: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.from(`line ${i}\n`);
      sent.push(chunk);
      stdin.write(chunk);
    }
    stdin.end();
    await closed;
    const data = received.slice(0, -1);
    assert.ok(data.length < 100, `${data.length} frames for 2000 writes`);
    assert.ok(Buffer.concat(data.map((frame) => frame.subarray(1))).equals(Buffer.concat(sent)));
    assert.deepEqual([...received.at(-1)!], [255, 0]);
  } finally {
    client.close();
    server.close();
  }
});
