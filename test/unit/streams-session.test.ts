// The server SPDY session over an in-memory byte pipe, driven by a hand-rolled client.

import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { encodeFrame, FrameReader, type SpdyFrame } from '../../server/kube/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from '../../server/kube/spdy/headers.js';
import { SpdySession, type SpdyStream } from '../../server/kube/spdy/session.js';

/** A client end: sends frames, collects the server's frames in order. */
class TestClient {
  readonly toServer = new PassThrough();
  readonly fromServer = new PassThrough();
  readonly transport = Duplex.from({ readable: this.toServer, writable: this.fromServer });
  readonly frames: SpdyFrame[] = [];
  readonly replyHeaders = new Map<number, SpdyHeaders>();
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private decoding: Promise<void> = Promise.resolve();

  constructor() {
    this.fromServer.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        this.frames.push(frame);
        if (frame.type === 'synReply') {
          this.decoding = this.decoding.then(async () => {
            this.replyHeaders.set(frame.streamId, await this.decompressor.decompress(frame.headerBlock));
          });
        }
      }
    });
  }

  async open(streamId: number, headers: SpdyHeaders, fin = false): Promise<void> {
    const headerBlock = await this.compressor.compress(headers);
    this.send({
      type: 'synStream',
      streamId,
      associatedId: 0,
      priority: 0,
      slot: 0,
      fin,
      unidirectional: false,
      headerBlock,
    });
  }

  send(frame: SpdyFrame): void {
    this.toServer.write(encodeFrame(frame));
  }

  async waitFor(what: string, condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 3000;
    while (!condition()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.decoding;
  }

  close(): void {
    this.compressor.close();
    this.decompressor.close();
  }
}

function readAll(stream: SpdyStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.once('end', () => resolve(text));
  });
}

void describe('SPDY session', () => {
  void it('replies to a stream before its data, and FINs it when the server ends it', async () => {
    const client = new TestClient();
    const opened: SpdyStream[] = [];
    const session = new SpdySession(client.transport, {
      onStream: (stream) => {
        stream.reply();
        opened.push(stream);
        stream.end('hello back');
      },
    });
    try {
      await client.open(1, { streamtype: 'data', port: '80' });
      await client.open(3, { streamtype: 'data', port: '81' });
      await client.waitFor('two FINs', () => client.frames.filter((f) => f.type === 'data' && f.fin).length === 2);
      assert.deepEqual(
        opened.map((s) => [s.id, s.headers]),
        [
          [1, { streamtype: 'data', port: '80' }],
          [3, { streamtype: 'data', port: '81' }],
        ],
      );
      const forStream1 = client.frames.filter((f) => 'streamId' in f && f.streamId === 1).map((f) => f.type);
      assert.deepEqual(forStream1, ['synReply', 'data', 'data']);
      assert.deepEqual(client.replyHeaders.get(3), {});
    } finally {
      session.dispose();
      client.close();
    }
  });

  void it('delivers client data up to its FIN and echoes only the client pings', async () => {
    const client = new TestClient();
    let received: Promise<string> | undefined;
    const session = new SpdySession(client.transport, {
      onStream: (stream) => {
        stream.reply();
        received = readAll(stream);
      },
    });
    try {
      await client.open(1, { streamtype: 'stdin' });
      client.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('abc') });
      client.send({ type: 'windowUpdate', streamId: 1, delta: 100 });
      client.send({ type: 'data', streamId: 1, fin: true, data: Buffer.from('def') });
      client.send({ type: 'ping', id: 1 });
      client.send({ type: 'ping', id: 2 });
      await client.waitFor('the stream', () => received !== undefined);
      assert.equal(await received, 'abcdef');
      await client.waitFor('the ping answer', () => client.frames.some((f) => f.type === 'ping'));
      assert.deepEqual(
        client.frames.filter((f) => f.type === 'ping'),
        [{ type: 'ping', id: 1 }],
      );
    } finally {
      session.dispose();
      client.close();
    }
  });

  void it('destroys a stream the client resets', async () => {
    const client = new TestClient();
    let stream: SpdyStream | undefined;
    const session = new SpdySession(client.transport, {
      onStream: (s) => {
        s.reply();
        stream = s;
      },
    });
    try {
      await client.open(1, { streamtype: 'data' });
      await client.waitFor('the stream', () => stream !== undefined);
      const closed = new Promise((resolve) => stream!.once('close', resolve));
      client.send({ type: 'rstStream', streamId: 1, status: 5 });
      await closed;
      assert.equal(session.openStreams, 0);
      // Having been reset, the stream sends no RST of its own.
      assert.equal(client.frames.filter((f) => f.type === 'rstStream').length, 0);
    } finally {
      session.dispose();
      client.close();
    }
  });

  void it('stops reading the connection while a stream is not read, and resumes when it is', async () => {
    const client = new TestClient();
    let stream: SpdyStream | undefined;
    const session = new SpdySession(client.transport, {
      onStream: (s) => {
        s.reply();
        stream = s;
      },
    });
    try {
      await client.open(1, { streamtype: 'data' });
      await client.waitFor('the stream', () => stream !== undefined);
      const chunk = Buffer.alloc(32 * 1024, 1);
      for (let i = 0; i < 64; i++) client.send({ type: 'data', streamId: 1, fin: i === 63, data: chunk });
      await client.waitFor('the session to pause', () => client.transport.isPaused());
      // 2 MB were sent; only a bounded part of it may sit in the stream.
      assert.ok(stream!.readableLength < 1024 * 1024, `${stream!.readableLength} bytes buffered`);
      let total = 0;
      stream!.on('data', (c: Buffer) => (total += c.length));
      await new Promise((resolve) => stream!.once('end', resolve));
      assert.equal(total, 64 * chunk.length);
    } finally {
      session.dispose();
      client.close();
    }
  });
});
