// A server-side SPDY/3.1 session over any byte Duplex (a raw upgraded socket or a WebSocket
// tunnel): accepts the client's streams as Duplexes, keeps frames and header contexts in order,
// and propagates backpressure to the transport. It never opens streams of its own.

import { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, RstStatus, SpdyProtocolError, type SpdyFrame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

/** Writes larger than this are split so one busy stream cannot hog the connection. */
const MAX_FRAME_PAYLOAD = 64 * 1024;
/** How long the client has to hang up after this session said goodbye. */
const CLOSE_GRACE_MS = 10_000;
/** Decoded frames waiting for an earlier header block before the transport is paused. */
const MAX_BACKLOG = 256;

type Outgoing = { bytes: Buffer | Promise<Buffer>; done?: () => void } | { end: true };

/** One client-initiated stream. Write to send DATA, end() to send FIN, read what the client sends. */
export class SpdyStream extends Duplex {
  private replied = false;
  private localFinished = false;
  private remoteFinished = false;
  private resetByPeer = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Accepts the stream (SYN_REPLY); spdystream drops data on a stream it has no reply for. */
  reply(): void {
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.session.sendReply(this.id);
  }

  /** Refuses or aborts the stream with RST_STREAM. */
  reset(status: number = RstStatus.Cancel): void {
    if (!this.resetByPeer && !this.destroyed) this.session.sendReset(this.id, status);
    this.resetByPeer = true;
    this.destroy();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.replied) this.reply();
    this.session.sendData(this.id, chunk, false, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.replied) this.reply();
    this.localFinished = true;
    this.session.sendData(this.id, Buffer.alloc(0), true, () => callback());
    this.forgetIfDone();
  }

  override _read(): void {
    this.session.readResumed(this);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.resetByPeer && !(this.localFinished && this.remoteFinished)) {
      this.resetByPeer = true;
      this.session.sendReset(this.id, RstStatus.Cancel);
    }
    this.session.forget(this);
    callback(error);
  }

  /** @internal the session delivers a DATA frame. Returns false when the reader is full. */
  receive(data: Buffer, fin: boolean): boolean {
    if (this.remoteFinished || this.destroyed) return true;
    let wantsMore = true;
    if (data.length > 0) wantsMore = this.push(data);
    if (fin) this.finishRemote();
    return wantsMore;
  }

  /** @internal */
  finishRemote(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
    this.forgetIfDone();
  }

  /** @internal the peer sent RST_STREAM. */
  resetFromPeer(): void {
    this.resetByPeer = true;
    this.destroy();
  }

  private forgetIfDone(): void {
    if (this.localFinished && this.remoteFinished) this.session.forget(this);
  }
}

export interface SpdySessionOptions {
  /** Called for each SYN_STREAM; the handler must reply() or reset() the stream. */
  onStream: (stream: SpdyStream) => void;
  /** Ends the transport once the session is done; defaults to transport.end(). */
  endTransport?: () => void;
}

export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly outgoing: Outgoing[] = [];
  private readonly fullReaders = new Set<SpdyStream>();
  private readonly backlog: SpdyFrame[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private processing = false;
  private flushing = false;
  private lastStreamId = 0;
  private disposed = false;
  private closing = false;
  private resolveClosed!: () => void;
  /** Resolves once the transport is gone and every stream destroyed. */
  readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    private readonly transport: Duplex,
    private readonly options: SpdySessionOptions,
  ) {
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.dispose());
    transport.on('close', () => this.dispose());
    transport.on('error', () => this.dispose());
  }

  /** How many streams are open (not yet closed in both directions). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Says goodbye (GOAWAY) after everything already queued, then ends the transport. Idempotent. */
  close(): void {
    if (this.closing || this.disposed) return;
    this.closing = true;
    this.enqueue({ bytes: encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 0 }) });
    this.enqueue({ end: true });
  }

  /** Drops the connection at once and destroys every stream. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const stream of [...this.streams.values()]) stream.destroy();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.transport.destroy();
    this.resolveClosed();
  }

  /** @internal */
  sendReply(streamId: number): void {
    const bytes = this.compressor
      .compress({})
      .then((headerBlock) => encodeFrame({ type: 'synReply', streamId, fin: false, headerBlock }));
    this.enqueue({ bytes });
  }

  /** @internal */
  sendReset(streamId: number, status: number): void {
    this.enqueue({ bytes: encodeFrame({ type: 'rstStream', streamId, status }) });
  }

  /** @internal `done` runs once the transport can take more, which is how streams feel backpressure. */
  sendData(streamId: number, data: Buffer, fin: boolean, done: () => void): void {
    if (this.disposed) return done();
    for (let offset = 0; offset < data.length; offset += MAX_FRAME_PAYLOAD) {
      const last = offset + MAX_FRAME_PAYLOAD >= data.length;
      const slice = data.subarray(offset, offset + MAX_FRAME_PAYLOAD);
      this.enqueue({
        bytes: encodeFrame({ type: 'data', streamId, fin: fin && last, data: slice }),
        ...(last ? { done } : {}),
      });
    }
    if (data.length === 0) this.enqueue({ bytes: encodeFrame({ type: 'data', streamId, fin, data }), done });
  }

  /** @internal */
  readResumed(stream: SpdyStream): void {
    if (this.fullReaders.delete(stream)) this.updateFlow();
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    if (this.fullReaders.delete(stream)) this.updateFlow();
  }

  private enqueue(item: Outgoing): void {
    if (this.disposed) {
      if ('done' in item && item.done) item.done();
      return;
    }
    if (!this.flushing && this.outgoing.length === 0 && 'bytes' in item && Buffer.isBuffer(item.bytes)) {
      this.write(item.bytes, item.done);
      return;
    }
    this.outgoing.push(item);
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outgoing.length > 0 && !this.disposed) {
        const item = this.outgoing.shift()!;
        if ('end' in item) {
          if (this.options.endTransport) this.options.endTransport();
          else this.transport.end();
          // A client that never closes its side does not keep the connection forever.
          setTimeout(() => this.dispose(), CLOSE_GRACE_MS).unref();
          continue;
        }
        const bytes = await item.bytes;
        this.write(bytes, item.done);
      }
    } catch {
      this.dispose();
    } finally {
      this.flushing = false;
    }
  }

  private write(bytes: Buffer, done?: () => void): void {
    if (this.disposed || this.transport.writableEnded) {
      done?.();
      return;
    }
    const ok = this.transport.write(bytes);
    if (!done) return;
    if (ok) {
      done();
      return;
    }
    // One drain listener for all waiting streams, however many there are.
    if (this.drainWaiters.length === 0) {
      this.transport.once('drain', () => {
        for (const waiter of this.drainWaiters.splice(0)) waiter();
      });
    }
    this.drainWaiters.push(done);
  }

  private onBytes(chunk: Buffer): void {
    if (this.disposed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      this.protocolError();
      return;
    }
    this.backlog.push(...frames);
    void this.processBacklog();
  }

  private async processBacklog(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.backlog.length > 0 && !this.disposed) {
        const frame = this.backlog.shift()!;
        if (frame.type === 'synStream' || frame.type === 'synReply' || frame.type === 'headers') {
          this.updateFlow();
          // Every block goes through the inflater, even ignored ones, to keep the context in step.
          const headers = await this.decompressor.decompress(frame.headerBlock);
          if (frame.type === 'synStream') this.openStream(frame.streamId, headers, frame.fin);
        } else {
          this.handleFrame(frame);
        }
      }
    } catch {
      this.protocolError();
    } finally {
      this.processing = false;
      this.updateFlow();
    }
  }

  private openStream(streamId: number, headers: SpdyHeaders, fin: boolean): void {
    if (streamId === 0 || streamId % 2 === 0 || streamId <= this.lastStreamId || this.closing) {
      this.sendReset(streamId, this.closing ? RstStatus.RefusedStream : RstStatus.ProtocolError);
      return;
    }
    this.lastStreamId = streamId;
    const stream = new SpdyStream(this, streamId, headers);
    this.streams.set(streamId, stream);
    if (fin) stream.finishRemote();
    this.options.onStream(stream);
  }

  private handleFrame(frame: SpdyFrame): void {
    switch (frame.type) {
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        if (!stream.receive(frame.data, frame.fin)) {
          this.fullReaders.add(stream);
          this.updateFlow();
        }
        return;
      }
      case 'rstStream':
        this.streams.get(frame.streamId)?.resetFromPeer();
        return;
      case 'ping':
        // Odd ids are the client's; even ids would be answers to pings this server never sends.
        if (frame.id % 2 === 1) this.enqueue({ bytes: encodeFrame(frame) });
        return;
      case 'goAway':
        this.closing = true;
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: spdystream neither honours nor expects flow-control windows.
        return;
    }
  }

  private updateFlow(): void {
    if (this.disposed) return;
    const shouldPause = this.fullReaders.size > 0 || this.backlog.length > MAX_BACKLOG;
    if (shouldPause && !this.transport.isPaused()) this.transport.pause();
    else if (!shouldPause && this.transport.isPaused()) this.transport.resume();
  }

  private protocolError(): void {
    if (this.disposed) return;
    this.write(encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 1 }));
    this.dispose();
  }
}

export { RstStatus, SpdyProtocolError };
