// The SPDY session over an in-memory byte pipe, as a server and as a client, driven by a hand-rolled peer.

import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { encodeFrame, FrameReader, type SpdyFrame } from '../../server/kube/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from '../../server/kube/spdy/headers.js';
import { SpdySession, type SpdyStream } from '../../server/kube/spdy/session.js';

/** The other end: sends raw frames, collects the session's frames in order. */
class TestPeer {
  readonly toSession = new PassThrough();
  readonly fromSession = new PassThrough();
  readonly transport = Duplex.from({ readable: this.toSession, writable: this.fromSession });
  readonly frames: SpdyFrame[] = [];
  readonly replyHeaders = new Map<number, SpdyHeaders>();
  readonly streamHeaders = new Map<number, SpdyHeaders>();
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private decoding: Promise<void> = Promise.resolve();

  constructor() {
    this.fromSession.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        this.frames.push(frame);
        if (frame.type === 'synReply' || frame.type === 'synStream') {
          const into = frame.type === 'synReply' ? this.replyHeaders : this.streamHeaders;
          this.decoding = this.decoding.then(async () => {
            into.set(frame.streamId, await this.decompressor.decompress(frame.headerBlock));
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

  async reply(streamId: number): Promise<void> {
    this.send({ type: 'synReply', streamId, fin: false, headerBlock: await this.compressor.compress({}) });
  }

  /** The payload the session sent on `streamId` so far, and whether it ended with FIN. */
  dataOf(streamId: number): { data: Buffer; fin: boolean } {
    const frames = this.frames.filter(
      (f): f is Extract<SpdyFrame, { type: 'data' }> => f.type === 'data' && f.streamId === streamId,
    );
    return { data: Buffer.concat(frames.map((f) => f.data)), fin: frames.some((f) => f.fin) };
  }

  send(frame: SpdyFrame): void {
    this.toSession.write(encodeFrame(frame));
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
    const client = new TestPeer();
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
    const client = new TestPeer();
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
    const client = new TestPeer();
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
    const client = new TestPeer();
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

  void it('as a client, sends DATA only after the reply and keeps stream ids odd and rising', async () => {
    const server = new TestPeer();
    const session = new SpdySession(server.transport, { role: 'client' });
    try {
      const errorStream = session.openStream({ streamtype: 'error', port: '80', requestid: '0' });
      const dataStream = session.openStream({ streamtype: 'data', port: '80', requestid: '0' });
      errorStream.end();
      dataStream.write('early');
      await server.waitFor('both streams', () => server.frames.filter((f) => f.type === 'synStream').length === 2);
      assert.deepEqual([...server.streamHeaders.keys()], [1, 3]);
      assert.deepEqual(server.streamHeaders.get(3), { streamtype: 'data', port: '80', requestid: '0' });
      assert.equal(server.frames.filter((f) => f.type === 'data').length, 0, 'no DATA before a reply');

      await server.reply(3);
      await server.waitFor('the data', () => server.dataOf(3).data.length === 5);
      assert.equal(server.dataOf(3).data.toString(), 'early');
      assert.equal(server.dataOf(1).data.length, 0, 'the error stream still waits for its reply');
      await server.reply(1);
      await server.waitFor('the error stream FIN', () => server.dataOf(1).fin);

      const received = readAll(dataStream);
      server.send({ type: 'data', streamId: 3, fin: true, data: Buffer.from('answer') });
      assert.equal(await received, 'answer');
    } finally {
      session.dispose();
      server.close();
    }
  });

  void it('as a client, keeps to the windows of a server that sends them and acknowledges what it reads', async () => {
    const server = new TestPeer();
    const session = new SpdySession(server.transport, { role: 'client', flowControl: true });
    try {
      server.send({ type: 'settings', clearPrevious: false, entries: [{ flags: 0, id: 7, value: 1000 }] });
      const stream = session.openStream({ streamtype: 'data' });
      await server.waitFor('the stream', () => server.streamHeaders.has(1));
      await server.reply(1);
      const written = new Promise<void>((resolve) => stream.write(Buffer.alloc(5000, 1), () => resolve()));
      await server.waitFor('the first window', () => server.dataOf(1).data.length === 1000);
      // The ping's answer goes out after anything the write had queued.
      server.send({ type: 'ping', id: 2 });
      await server.waitFor('the ping answer', () => server.frames.some((f) => f.type === 'ping'));
      assert.equal(server.dataOf(1).data.length, 1000, 'nothing beyond the window');
      server.send({ type: 'windowUpdate', streamId: 1, delta: 4000 });
      await written;
      await server.waitFor('the rest', () => server.dataOf(1).data.length === 5000);

      // The client offered larger windows before anything else.
      assert.deepEqual(server.frames[0], {
        type: 'settings',
        clearPrevious: false,
        entries: [{ flags: 0, id: 7, value: 512 * 1024 }],
      });
      const sessionWindow = (): number =>
        server.frames
          .filter((f) => f.type === 'windowUpdate' && f.streamId === 0)
          .reduce((sum, f) => sum + (f.type === 'windowUpdate' ? f.delta : 0), 0);
      assert.equal(sessionWindow(), 8 * 1024 * 1024 - 64 * 1024);

      let read = 0;
      stream.on('data', (chunk: Buffer) => (read += chunk.length));
      const chunk = Buffer.alloc(16 * 1024, 2);
      for (let i = 0; i < 320; i++) server.send({ type: 'data', streamId: 1, fin: false, data: chunk });
      await server.waitFor('the session acknowledgement', () => sessionWindow() > 8 * 1024 * 1024 - 64 * 1024);
      const acknowledged = server.frames
        .filter((f) => f.type === 'windowUpdate' && f.streamId === 1)
        .reduce((sum, f) => sum + (f.type === 'windowUpdate' ? f.delta : 0), 0);
      assert.ok(
        acknowledged >= 4 * 1024 * 1024 && acknowledged <= read,
        `${acknowledged} of ${read} bytes acknowledged`,
      );
    } finally {
      session.dispose();
      server.close();
    }
  });

  void it('as a client, answers server pings, fails streams past a GOAWAY and opens no more', async () => {
    const server = new TestPeer();
    const session = new SpdySession(server.transport, { role: 'client' });
    try {
      const handled = session.openStream({ streamtype: 'data', requestid: '0' });
      const unhandled = session.openStream({ streamtype: 'data', requestid: '1' });
      await server.waitFor('both streams', () => server.streamHeaders.size === 2);
      const unhandledClosed = new Promise((resolve) => unhandled.once('close', resolve));
      server.send({ type: 'ping', id: 2 });
      server.send({ type: 'goAway', lastGoodStreamId: 1, status: 0 });
      await unhandledClosed;
      assert.equal(handled.destroyed, false);
      assert.equal(session.acceptsStreams, false);
      assert.throws(() => session.openStream({ streamtype: 'data' }), /closed/);
      await server.waitFor('the ping answer', () => server.frames.some((f) => f.type === 'ping'));
      assert.deepEqual(
        server.frames.filter((f) => f.type === 'ping'),
        [{ type: 'ping', id: 2 }],
      );
    } finally {
      session.dispose();
      server.close();
    }
  });

  void it('as a client without a stream handler, refuses server streams unread and keeps working', async () => {
    const server = new TestPeer();
    const session = new SpdySession(server.transport, { role: 'client' });
    try {
      await server.open(2, { streamtype: 'push' });
      await server.waitFor('the refusal', () => server.frames.some((f) => f.type === 'rstStream'));
      assert.deepEqual(
        server.frames.filter((f) => f.type === 'rstStream'),
        [{ type: 'rstStream', streamId: 2, status: 3 }],
      );
      const stream = session.openStream({ streamtype: 'data' });
      await server.waitFor('the stream', () => server.streamHeaders.has(1));
      await server.reply(1);
      stream.end('after');
      await server.waitFor('its data', () => server.dataOf(1).fin);
      assert.equal(server.dataOf(1).data.toString(), 'after');
    } finally {
      session.dispose();
      server.close();
    }
  });
});
