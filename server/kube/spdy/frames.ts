// SPDY/3.1 frame encoding and decoding, byte-exact with what moby/spdystream speaks. Pure: header
// blocks stay compressed here (see headers.ts); no I/O, no session state.

export const SPDY_VERSION = 3;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
} as const;

/** A data frame may carry up to 2^24-1 bytes; smaller frames keep streams fair. */
export const MAX_DATA_PAYLOAD = 0xffffff;

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'synStream';
      streamId: number;
      associatedId: number;
      priority: number;
      slot: number;
      fin: boolean;
      unidirectional: boolean;
      headerBlock: Buffer;
    }
  | { type: 'synReply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clearPrevious: boolean; entries: SettingsEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  | { type: 'unknownControl'; version: number; controlType: number; flags: number; payload: Buffer };

export class SpdyProtocolError extends Error {}

const STREAM_ID_MASK = 0x7fffffff;

function controlFrame(type: ControlType, flags: number, payload: Buffer): Buffer {
  if (payload.length > 0xffffff) throw new SpdyProtocolError(`control frame of ${payload.length} bytes`);
  const frame = Buffer.allocUnsafe(8 + payload.length);
  frame.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  frame.writeUInt16BE(type, 2);
  frame.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  payload.copy(frame, 8);
  return frame;
}

function u32s(...values: number[]): Buffer {
  const buf = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32BE(v >>> 0, i * 4));
  return buf;
}

export function encodeFrame(frame: SpdyFrame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_DATA_PAYLOAD) throw new SpdyProtocolError(`data frame of ${frame.data.length} bytes`);
      const out = Buffer.allocUnsafe(8 + frame.data.length);
      out.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      out.writeUInt32BE((((frame.fin ? FLAG_FIN : 0) << 24) | frame.data.length) >>> 0, 4);
      frame.data.copy(out, 8);
      return out;
    }
    case 'synStream': {
      const head = Buffer.allocUnsafe(10);
      head.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      head.writeUInt32BE(frame.associatedId & STREAM_ID_MASK, 4);
      head[8] = (frame.priority & 0x7) << 5;
      head[9] = frame.slot & 0xff;
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return controlFrame(ControlType.SynStream, flags, Buffer.concat([head, frame.headerBlock]));
    }
    case 'synReply':
      return controlFrame(
        ControlType.SynReply,
        frame.fin ? FLAG_FIN : 0,
        Buffer.concat([u32s(frame.streamId & STREAM_ID_MASK), frame.headerBlock]),
      );
    case 'headers':
      return controlFrame(
        ControlType.Headers,
        frame.fin ? FLAG_FIN : 0,
        Buffer.concat([u32s(frame.streamId & STREAM_ID_MASK), frame.headerBlock]),
      );
    case 'rstStream':
      return controlFrame(ControlType.RstStream, 0, u32s(frame.streamId & STREAM_ID_MASK, frame.status));
    case 'settings': {
      const body = Buffer.allocUnsafe(4 + frame.entries.length * 8);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        body.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
        body.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return controlFrame(ControlType.Settings, frame.clearPrevious ? 0x01 : 0, body);
    }
    case 'ping':
      return controlFrame(ControlType.Ping, 0, u32s(frame.id));
    case 'goAway':
      return controlFrame(ControlType.GoAway, 0, u32s(frame.lastGoodStreamId & STREAM_ID_MASK, frame.status));
    case 'windowUpdate':
      return controlFrame(
        ControlType.WindowUpdate,
        0,
        u32s(frame.streamId & STREAM_ID_MASK, frame.delta & STREAM_ID_MASK),
      );
    case 'unknownControl': {
      const out = Buffer.allocUnsafe(8 + frame.payload.length);
      out.writeUInt16BE(0x8000 | frame.version, 0);
      out.writeUInt16BE(frame.controlType, 2);
      out.writeUInt32BE((((frame.flags & 0xff) << 24) | frame.payload.length) >>> 0, 4);
      frame.payload.copy(out, 8);
      return out;
    }
  }
}

function need(payload: Buffer, bytes: number, what: string): void {
  if (payload.length < bytes) throw new SpdyProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

function decodeControl(controlType: number, version: number, flags: number, payload: Buffer): SpdyFrame {
  if (version !== SPDY_VERSION) return { type: 'unknownControl', version, controlType, flags, payload };
  const fin = (flags & FLAG_FIN) !== 0;
  switch (controlType) {
    case ControlType.SynStream:
      need(payload, 10, 'SYN_STREAM');
      return {
        type: 'synStream',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        associatedId: payload.readUInt32BE(4) & STREAM_ID_MASK,
        priority: payload[8]! >> 5,
        slot: payload[9]!,
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: payload.subarray(10),
      };
    case ControlType.SynReply:
      need(payload, 4, 'SYN_REPLY');
      return {
        type: 'synReply',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        fin,
        headerBlock: payload.subarray(4),
      };
    case ControlType.Headers:
      need(payload, 4, 'HEADERS');
      return {
        type: 'headers',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        fin,
        headerBlock: payload.subarray(4),
      };
    case ControlType.RstStream:
      need(payload, 8, 'RST_STREAM');
      return { type: 'rstStream', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, status: payload.readUInt32BE(4) };
    case ControlType.Settings: {
      need(payload, 4, 'SETTINGS');
      const count = payload.readUInt32BE(0);
      need(payload, 4 + count * 8, 'SETTINGS');
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < count; i++) {
        const idWord = payload.readUInt32BE(4 + i * 8);
        entries.push({ flags: idWord >>> 24, id: idWord & 0xffffff, value: payload.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', clearPrevious: (flags & 0x01) !== 0, entries };
    }
    case ControlType.Ping:
      need(payload, 4, 'PING');
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case ControlType.GoAway:
      need(payload, 4, 'GOAWAY');
      return {
        type: 'goAway',
        lastGoodStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        status: payload.length >= 8 ? payload.readUInt32BE(4) : 0,
      };
    case ControlType.WindowUpdate:
      need(payload, 8, 'WINDOW_UPDATE');
      return {
        type: 'windowUpdate',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        delta: payload.readUInt32BE(4) & STREAM_ID_MASK,
      };
    default:
      return { type: 'unknownControl', version, controlType, flags, payload };
  }
}

/**
 * Decodes the first complete frame in `buf` at `offset`. Returns null when more bytes are
 * needed; throws SpdyProtocolError on a malformed frame. Payloads are views into `buf`.
 */
export function decodeFrame(buf: Buffer, offset = 0): { frame: SpdyFrame; next: number } | null {
  if (buf.length - offset < 8) return null;
  const word = buf.readUInt32BE(offset + 4);
  const flags = word >>> 24;
  const length = word & 0xffffff;
  const end = offset + 8 + length;
  if (buf.length < end) return null;
  const payload = buf.subarray(offset + 8, end);
  const first = buf.readUInt32BE(offset);
  if ((first & 0x80000000) !== 0) {
    const version = (first >>> 16) & 0x7fff;
    return { frame: decodeControl(first & 0xffff, version, flags, payload), next: end };
  }
  return {
    frame: { type: 'data', streamId: first & STREAM_ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: payload },
    next: end,
  };
}

/** Splits a byte stream into frames, keeping a partial frame for the next chunk. */
export class FrameReader {
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before the next frame can be complete: its header, then its whole length. */
  private needed = 8;

  push(chunk: Buffer): SpdyFrame[] {
    this.parts.push(chunk);
    this.buffered += chunk.length;
    // A large frame often arrives in many small pieces: join them only once it is complete.
    if (this.buffered < this.needed) return [];
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.buffered);
    const frames: SpdyFrame[] = [];
    let offset = 0;
    for (;;) {
      const decoded = decodeFrame(buf, offset);
      if (!decoded) break;
      frames.push(decoded.frame);
      offset = decoded.next;
    }
    // Copy the remainder so the payload views handed out above do not pin the whole chunk.
    const rest = offset === buf.length ? undefined : Buffer.from(buf.subarray(offset));
    this.parts = rest ? [rest] : [];
    this.buffered = rest?.length ?? 0;
    this.needed = rest && rest.length >= 8 ? 8 + (rest.readUInt32BE(4) & 0xffffff) : 8;
    return frames;
  }
}
