// A SPDY/3.1 session over any byte Duplex, for either end: the engine's port-forward client and the
// sandbox's kubelet-like server share it. Owns stream ids, frame and header-context order, flow
// control and backpressure; never the transport's upgrade. Imports nothing outside node:.

import { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, RstStatus, SpdyProtocolError, type SpdyFrame } from './frames.js';
import {
  HeaderCompressor,
  HeaderDecompressor,
  StoredHeaderEncoder,
  type HeaderEncoder,
  type SpdyHeaders,
} from './headers.js';

/** Writes larger than this are split so one busy stream cannot hog the connection. */
const MAX_FRAME_PAYLOAD = 64 * 1024;
/** How long the peer has to hang up after this session said goodbye. */
const CLOSE_GRACE_MS = 10_000;
/** Decoded frames waiting for an earlier header block before the transport is paused. */
const MAX_BACKLOG = 256;
/** SPDY/3.1's initial window, per stream and for the session. */
const INITIAL_WINDOW = 64 * 1024;
/**
 * The windows this end offers with flow control on: large enough that acknowledgements are rare
 * (one WINDOW_UPDATE per half window), small enough that a stream's window fits its read buffer.
 */
const STREAM_RECEIVE_WINDOW = 512 * 1024;
const SESSION_RECEIVE_WINDOW = 8 * 1024 * 1024;
/** What a stream buffers for a slow reader before the whole connection stops being read. */
const STREAM_READ_BUFFER = STREAM_RECEIVE_WINDOW;
/** Stream ids are 31 bits; a session that used them all takes no new streams. */
const MAX_STREAM_ID = 0x7fffffff;
/** SETTINGS id of SETTINGS_INITIAL_WINDOW_SIZE. */
const SETTINGS_INITIAL_WINDOW_SIZE = 7;

type Outgoing = { bytes: Buffer | Promise<Buffer>; done?: () => void } | { end: true };

interface PendingSend {
  data: Buffer;
  fin: boolean;
  done: () => void;
}

/** One stream. Write to send DATA, end() to send FIN, read what the peer sends. */
export class SpdyStream extends Duplex {
  private replied = false;
  private readonly afterReply: (() => void)[] = [];
  private localFinished = false;
  private remoteFinished = false;
  private resetByPeer = false;
  private receivedBytes = 0;
  private acknowledgedBytes = 0;
  /** @internal what the peer still accepts on this stream before a WINDOW_UPDATE. */
  sendWindow: number;
  /** @internal DATA waiting for the send window. */
  readonly pendingSends: PendingSend[] = [];

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
    /** Whether this end opened the stream; it then sends DATA only after the peer's SYN_REPLY. */
    readonly local: boolean,
    initialWindow: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_READ_BUFFER });
    this.sendWindow = initialWindow;
  }

  /** Accepts a peer's stream (SYN_REPLY); spdystream drops data on a stream it has no reply for. */
  reply(): void {
    if (this.local || this.replied || this.destroyed) return;
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
    this.whenReplied(() => this.session.sendData(this, chunk, false, () => callback()));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.whenReplied(() => {
      this.localFinished = true;
      this.session.sendData(this, Buffer.alloc(0), true, () => callback());
      this.forgetIfDone();
    });
  }

  override _read(): void {
    this.acknowledgeConsumed();
    this.session.readResumed(this);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.resetByPeer && !(this.localFinished && this.remoteFinished)) {
      this.resetByPeer = true;
      this.session.sendReset(this.id, RstStatus.Cancel);
    }
    this.afterReply.length = 0;
    for (const pending of this.pendingSends.splice(0)) pending.done();
    this.session.forget(this);
    callback(error);
  }

  /** @internal the session delivers a DATA frame. Returns false when the reader is full. */
  receive(data: Buffer, fin: boolean): boolean {
    if (this.remoteFinished || this.destroyed) return true;
    let wantsMore = true;
    if (data.length > 0) {
      this.receivedBytes += data.length;
      wantsMore = this.push(data);
      if (wantsMore) this.acknowledgeConsumed();
    }
    if (fin) this.finishRemote();
    return wantsMore;
  }

  /** @internal the peer accepted a stream this end opened. */
  replyReceived(fin: boolean): void {
    if (!this.local || this.replied) return;
    this.replied = true;
    for (const run of this.afterReply.splice(0)) run();
    if (fin) this.finishRemote();
  }

  /** @internal */
  finishRemote(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
    this.forgetIfDone();
  }

  /** @internal the peer sent RST_STREAM, or went away before handling this stream. */
  resetFromPeer(): void {
    this.resetByPeer = true;
    this.destroy();
  }

  private whenReplied(run: () => void): void {
    if (!this.local && !this.replied) this.reply();
    if (this.replied) run();
    else this.afterReply.push(run);
  }

  /** Bytes the reader took since the last acknowledgement go back to the peer's window. */
  private acknowledgeConsumed(): void {
    const consumed = this.receivedBytes - this.readableLength - this.acknowledgedBytes;
    if (consumed < STREAM_RECEIVE_WINDOW / 2 || this.remoteFinished) return;
    this.acknowledgedBytes += consumed;
    this.session.acknowledge(this.id, consumed);
  }

  private forgetIfDone(): void {
    if (this.localFinished && this.remoteFinished) this.session.forget(this);
  }
}

export interface SpdySessionOptions {
  /** A client opens odd-numbered streams and pings; a server accepts the client's streams. Default server. */
  role?: 'client' | 'server';
  /** Called for each SYN_STREAM from the peer; the handler must reply() or reset() it. Default: refused. */
  onStream?: (stream: SpdyStream) => void;
  /** Ends the transport once the session is done; defaults to transport.end(). */
  endTransport?: () => void;
  /**
   * SPDY/3.1 flow control: acknowledge consumed data with WINDOW_UPDATE, and keep to the peer's
   * windows once the peer shows it keeps them (SETTINGS or WINDOW_UPDATE). spdystream, which the
   * kubelet uses, does neither, so a session that mimics it leaves this off.
   */
  flowControl?: boolean;
  /** Sends a PING this often to keep idle connections open through proxies (kubectl: 10 s). */
  pingIntervalMs?: number;
  /**
   * Sends header blocks as stored deflate blocks (StoredHeaderEncoder): every SPDY peer reads them,
   * and a new stream's SYN_STREAM goes out at once instead of after a zlib round trip.
   */
  storedHeaders?: boolean;
}

export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly compressor: HeaderEncoder;
  /** Only a session that accepts streams reads header blocks; one that does not never inflates them. */
  private readonly decompressor: HeaderDecompressor | undefined;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly outgoing: Outgoing[] = [];
  private readonly fullReaders = new Set<SpdyStream>();
  private readonly blockedSenders = new Set<SpdyStream>();
  private readonly backlog: SpdyFrame[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private readonly role: 'client' | 'server';
  private processing = false;
  private flushing = false;
  private corked = false;
  /** The highest stream id the peer opened. */
  private lastPeerStreamId = 0;
  private nextStreamId: number;
  private nextPingId: number;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Whether the peer keeps flow-control windows, so this end must keep to them too. */
  private peerFlowControl = false;
  private initialSendWindow = INITIAL_WINDOW;
  private sessionSendWindow = INITIAL_WINDOW;
  private sessionUnacknowledged = 0;
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
    this.role = options.role ?? 'server';
    this.compressor = options.storedHeaders ? new StoredHeaderEncoder() : new HeaderCompressor();
    this.decompressor = options.onStream ? new HeaderDecompressor() : undefined;
    this.nextStreamId = this.role === 'client' ? 1 : 2;
    this.nextPingId = this.role === 'client' ? 1 : 2;
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.dispose());
    transport.on('close', () => this.dispose());
    transport.on('error', () => this.dispose());
    if (options.flowControl) {
      // Offer the larger windows at once: the initial 64 KiB would need an acknowledgement every 32 KiB.
      const entries = [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: STREAM_RECEIVE_WINDOW }];
      this.enqueue({ bytes: encodeFrame({ type: 'settings', clearPrevious: false, entries }) });
      const delta = SESSION_RECEIVE_WINDOW - INITIAL_WINDOW;
      this.enqueue({ bytes: encodeFrame({ type: 'windowUpdate', streamId: 0, delta }) });
    }
    if (options.pingIntervalMs !== undefined) {
      this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /** How many streams are open (not yet closed in both directions). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** False once either end said goodbye, the transport is gone or the stream ids ran out: open no more streams here. */
  get acceptsStreams(): boolean {
    return !this.closing && !this.disposed && this.nextStreamId <= MAX_STREAM_ID;
  }

  /** Opens a stream (SYN_STREAM); writes wait for the peer's SYN_REPLY, a RST_STREAM destroys it. */
  openStream(headers: SpdyHeaders): SpdyStream {
    if (!this.acceptsStreams) throw new SpdyProtocolError('the SPDY session is closed');
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, streamId, headers, true, this.initialSendWindow);
    this.streams.set(streamId, stream);
    const synStream = (headerBlock: Buffer): Buffer =>
      encodeFrame({
        type: 'synStream',
        streamId,
        associatedId: 0,
        priority: 0,
        slot: 0,
        fin: false,
        unidirectional: false,
        headerBlock,
      });
    const headerBlock = this.compressor.compress(headers);
    this.enqueue({ bytes: Buffer.isBuffer(headerBlock) ? synStream(headerBlock) : headerBlock.then(synStream) });
    return stream;
  }

  /** Says goodbye (GOAWAY) after everything already queued, then ends the transport. Idempotent. */
  close(): void {
    if (this.closing || this.disposed) return;
    this.closing = true;
    this.enqueue({ bytes: encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastPeerStreamId, status: 0 }) });
    this.enqueue({ end: true });
  }

  /** Drops the connection at once and destroys every stream. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.pingTimer);
    for (const stream of [...this.streams.values()]) stream.destroy();
    this.streams.clear();
    this.compressor.close();
    this.decompressor?.close();
    this.transport.destroy();
    this.resolveClosed();
  }

  /** @internal */
  sendReply(streamId: number): void {
    const synReply = (headerBlock: Buffer): Buffer =>
      encodeFrame({ type: 'synReply', streamId, fin: false, headerBlock });
    const headerBlock = this.compressor.compress({});
    this.enqueue({ bytes: Buffer.isBuffer(headerBlock) ? synReply(headerBlock) : headerBlock.then(synReply) });
  }

  /** @internal */
  sendReset(streamId: number, status: number): void {
    this.enqueue({ bytes: encodeFrame({ type: 'rstStream', streamId, status }) });
  }

  /** @internal `done` runs once the transport can take more, which is how streams feel backpressure. */
  sendData(stream: SpdyStream, data: Buffer, fin: boolean, done: () => void): void {
    if (this.disposed) return done();
    stream.pendingSends.push({ data, fin, done });
    this.sendPending(stream);
  }

  /** @internal the reader of `stream` took `bytes`: give them back to the peer's windows. */
  acknowledge(streamId: number, bytes: number): void {
    if (!this.options.flowControl || this.disposed) return;
    this.enqueue({ bytes: encodeFrame({ type: 'windowUpdate', streamId, delta: bytes }) });
    this.sessionUnacknowledged += bytes;
    if (this.sessionUnacknowledged < SESSION_RECEIVE_WINDOW / 2) return;
    this.enqueue({ bytes: encodeFrame({ type: 'windowUpdate', streamId: 0, delta: this.sessionUnacknowledged }) });
    this.sessionUnacknowledged = 0;
  }

  /** @internal */
  readResumed(stream: SpdyStream): void {
    if (this.fullReaders.delete(stream)) this.updateFlow();
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.blockedSenders.delete(stream);
    if (this.fullReaders.delete(stream)) this.updateFlow();
  }

  /** Frames a stream's pending DATA as far as the windows allow (without limit for a peer that keeps none). */
  private sendPending(stream: SpdyStream): void {
    this.blockedSenders.delete(stream);
    while (stream.pendingSends.length > 0 && !this.disposed) {
      const pending = stream.pendingSends[0]!;
      const window = this.peerFlowControl ? Math.min(stream.sendWindow, this.sessionSendWindow) : Infinity;
      if (pending.data.length > 0 && window <= 0) {
        this.blockedSenders.add(stream);
        return;
      }
      const size = Math.min(pending.data.length, MAX_FRAME_PAYLOAD, window);
      const slice = pending.data.subarray(0, size);
      pending.data = pending.data.subarray(size);
      stream.sendWindow -= size;
      this.sessionSendWindow -= size;
      const last = pending.data.length === 0;
      if (last) stream.pendingSends.shift();
      this.enqueue({
        bytes: encodeFrame({ type: 'data', streamId: stream.id, fin: pending.fin && last, data: slice }),
        ...(last ? { done: pending.done } : {}),
      });
    }
  }

  private windowUpdated(streamId: number, delta: number): void {
    if (!this.options.flowControl) return;
    this.peerFlowControl = true;
    if (streamId === 0) {
      this.sessionSendWindow += delta;
      for (const stream of [...this.blockedSenders]) this.sendPending(stream);
      return;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.sendWindow += delta;
    this.sendPending(stream);
  }

  private settingsReceived(frame: Extract<SpdyFrame, { type: 'settings' }>): void {
    const initial = frame.entries.find((entry) => entry.id === SETTINGS_INITIAL_WINDOW_SIZE);
    if (!this.options.flowControl || initial === undefined) return;
    this.peerFlowControl = true;
    // A new initial window shifts every open stream's window by the difference.
    const difference = initial.value - this.initialSendWindow;
    this.initialSendWindow = initial.value;
    for (const stream of this.streams.values()) stream.sendWindow += difference;
    for (const stream of [...this.blockedSenders]) this.sendPending(stream);
  }

  private ping(): void {
    if (!this.acceptsStreams) return;
    this.enqueue({ bytes: encodeFrame({ type: 'ping', id: this.nextPingId }) });
    this.nextPingId = this.nextPingId > 0x7ffffffd ? this.nextPingId - 0x7ffffffc : this.nextPingId + 2;
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
          // A peer that never closes its side does not keep the connection forever.
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
    // Frames written in one tick (two SYN_STREAMs, a reply and the first DATA) leave as one TLS
    // record and one system call.
    if (!this.corked) {
      this.corked = true;
      this.transport.cork();
      process.nextTick(() => {
        this.corked = false;
        this.transport.uncork();
      });
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
    // Only a SYN_STREAM waits for its header block; with none waiting, the rest is handled at once.
    if (!this.processing && this.backlog.length === 0) {
      let i = 0;
      while (i < frames.length && !this.waitsForHeaders(frames[i]!) && !this.disposed) this.handleFrame(frames[i++]!);
      if (i === frames.length) return;
      frames = frames.slice(i);
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
        if (frame.type === 'synStream' && this.decompressor) {
          this.updateFlow();
          const headers = await this.decompressor.decompress(frame.headerBlock);
          this.acceptStream(frame.streamId, headers, frame.fin);
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

  /** A SYN_STREAM that this session may accept needs its headers before any later frame. */
  private waitsForHeaders(frame: SpdyFrame): boolean {
    return frame.type === 'synStream' && this.decompressor !== undefined;
  }

  private acceptStream(streamId: number, headers: SpdyHeaders, fin: boolean): void {
    const peerParity = this.role === 'server' ? 1 : 0;
    if (streamId === 0 || streamId % 2 !== peerParity || streamId <= this.lastPeerStreamId || this.closing) {
      this.sendReset(streamId, this.closing ? RstStatus.RefusedStream : RstStatus.ProtocolError);
      return;
    }
    this.lastPeerStreamId = streamId;
    if (!this.options.onStream) {
      this.sendReset(streamId, RstStatus.RefusedStream);
      return;
    }
    const stream = new SpdyStream(this, streamId, headers, false, this.initialSendWindow);
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
      case 'synStream':
        // Only without an onStream handler: refused unread.
        this.acceptStream(frame.streamId, {}, frame.fin);
        return;
      case 'synReply':
      case 'headers':
        // Nothing here reads these headers. Where a later SYN_STREAM will be read, every block goes
        // through the inflater, in order, to keep the context in step; the stream need not wait.
        this.decompressor?.decompress(frame.headerBlock).catch(() => this.protocolError());
        if (frame.type === 'synReply') this.streams.get(frame.streamId)?.replyReceived(frame.fin);
        return;
      case 'rstStream':
        this.streams.get(frame.streamId)?.resetFromPeer();
        return;
      case 'ping':
        // Pings with this end's parity are answers to its own; the peer's are echoed.
        if (frame.id % 2 !== this.nextPingId % 2) this.enqueue({ bytes: encodeFrame(frame) });
        return;
      case 'goAway':
        this.closing = true;
        // Streams this end opened after the peer's last good one were never handled: fail them now.
        for (const stream of [...this.streams.values()]) {
          if (stream.local && stream.id > frame.lastGoodStreamId) stream.resetFromPeer();
        }
        return;
      case 'windowUpdate':
        this.windowUpdated(frame.streamId, frame.delta);
        return;
      case 'settings':
        this.settingsReceived(frame);
        return;
      default:
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
    this.write(encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastPeerStreamId, status: 1 }));
    this.dispose();
  }
}

export { RstStatus, SpdyProtocolError };
