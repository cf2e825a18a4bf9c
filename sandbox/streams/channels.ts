// The Kubernetes channel framing carried in WebSocket messages (channel.k8s.io … v5): one leading
// channel byte per message, the v5 CLOSE signal, port prefixes and the resize JSON stream.
// Pure: no sockets here.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5 only: `[255, ch]` half-closes channel `ch`. */
export const CLOSE = 255;

export type ExecProtocol =
  'v5.channel.k8s.io' | 'v4.channel.k8s.io' | 'v3.channel.k8s.io' | 'v2.channel.k8s.io' | 'channel.k8s.io';

const EXEC_PROTOCOLS: readonly ExecProtocol[] = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

export const PORT_FORWARD_WEBSOCKET_PROTOCOL = 'v4.channel.k8s.io';
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** The client's offered subprotocols, in its order of preference. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The first offered protocol the server supports: client preference wins, as in the kubelet. */
export function negotiate(offered: readonly string[], supported: readonly string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

export function negotiateExecProtocol(offered: readonly string[]): ExecProtocol | undefined {
  return negotiate(offered, EXEC_PROTOCOLS) as ExecProtocol | undefined;
}

/** Which features a negotiated exec protocol has. */
export function execProtocolFeatures(protocol: ExecProtocol): { statusJson: boolean; resize: boolean; close: boolean } {
  const version = protocol === 'channel.k8s.io' ? 1 : Number(protocol.slice(1, 2));
  return { statusJson: version >= 4, resize: version >= 3, close: version >= 5 };
}

export function encodeChannelFrame(channel: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(payload.length + 1);
  frame[0] = channel;
  frame.set(payload, 1);
  return frame;
}

export type ChannelMessage =
  | { kind: 'data'; channel: number; payload: Buffer }
  | { kind: 'close'; channel: number }
  | { kind: 'invalid'; reason: string };

/** Decodes one binary message; `allowClose` is true on v5, where channel 255 is the CLOSE signal. */
export function decodeChannelFrame(message: Buffer, allowClose: boolean): ChannelMessage {
  if (message.length === 0) return { kind: 'invalid', reason: 'empty message' };
  const channel = message[0]!;
  if (channel === CLOSE && allowClose) {
    if (message.length !== 2) return { kind: 'invalid', reason: `CLOSE signal of ${message.length} bytes` };
    return { kind: 'close', channel: message[1]! };
  }
  return { kind: 'data', channel, payload: message.subarray(1) };
}

/** The port number as the first message on a port-forward channel: uint16 little-endian. */
export function encodePortPrefix(channel: number, port: number): Buffer {
  const frame = Buffer.alloc(3);
  frame[0] = channel;
  frame.writeUInt16LE(port, 1);
  return frame;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * Decodes the resize channel: a stream of JSON objects that may arrive concatenated or split
 * across messages, with `Width`/`Height` in any letter case (kubectl and client-node differ).
 */
export class ResizeDecoder {
  private pending = '';

  push(chunk: Buffer | string): TerminalSize[] {
    this.pending += chunk.toString();
    const sizes: TerminalSize[] = [];
    for (;;) {
      const end = endOfFirstObject(this.pending);
      if (end < 0) break;
      const text = this.pending.slice(0, end);
      this.pending = this.pending.slice(end);
      const size = parseTerminalSize(text);
      if (size) sizes.push(size);
    }
    if (this.pending.trim() === '') this.pending = '';
    return sizes;
  }
}

function endOfFirstObject(text: string): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      depth++;
      started = true;
    } else if (c === '}') {
      depth--;
      if (started && depth === 0) return i + 1;
    }
  }
  return -1;
}

function parseTerminalSize(text: string): TerminalSize | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'number') continue;
    if (key.toLowerCase() === 'width') width = field;
    if (key.toLowerCase() === 'height') height = field;
  }
  return width !== undefined && height !== undefined ? { width, height } : undefined;
}

/** Go's strconv.ParseBool, which the API server uses for query booleans; absent means false. */
export function parseQueryBool(value: string | null): boolean | undefined {
  if (value === null) return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return undefined;
}
