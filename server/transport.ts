// Reads LSP-framed JSON-RPC from a byte stream without ever giving up: garbage is skipped up to the
// next header, bad JSON answers ParseError, malformed messages answer InvalidRequest, oversized
// frames are discarded unread. Only well-formed JSON-RPC messages reach the connection.
import type { Readable } from 'node:stream';
import { AbstractMessageReader, ErrorCodes } from 'vscode-jsonrpc/node.js';
import type { DataCallback, Disposable, Message, MessageReader } from 'vscode-jsonrpc/node.js';

export interface FrameReaderOptions {
  /** Writes an error response the connection never sees (ParseError, InvalidRequest). */
  reply(message: Message): void;
  /** Tells about dropped input. */
  warn(reason: string, details: Record<string, unknown>): void;
  /** Frames larger than this are discarded. Default 16 MiB. */
  maxMessageBytes?: number;
}

const headerSeparator = Buffer.from('\r\n\r\n');
const contentLengthPattern = /content-length[ \t]*:[ \t]*([^\r\n]*)/i;
const maxHeaderBytes = 8 * 1024;

type ReaderState = { kind: 'header' } | { kind: 'body'; length: number } | { kind: 'skip'; remaining: number };

export class FrameReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private state: ReaderState = { kind: 'header' };
  private callback: DataCallback | undefined;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly input: Readable,
    private readonly options: FrameReaderOptions,
  ) {
    super();
    this.maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer): void => this.onData(chunk);
    const onEnd = (): void => this.fireClose();
    const onError = (error: Error): void => this.fireError(error);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    return {
      dispose: () => {
        this.input.off('data', onData);
        this.input.off('end', onEnd);
        this.input.off('close', onEnd);
        this.input.off('error', onError);
      },
    };
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.step()) {
      // each step consumes input or waits for more
    }
  }

  /** Advances the state machine once; false when more input is needed. */
  private step(): boolean {
    const state = this.state;
    if (state.kind === 'skip') {
      const take = Math.min(state.remaining, this.buffer.length);
      this.buffer = this.buffer.subarray(take);
      this.state = state.remaining === take ? { kind: 'header' } : { kind: 'skip', remaining: state.remaining - take };
      return this.buffer.length > 0 && this.state.kind === 'header';
    }
    if (state.kind === 'body') {
      if (this.buffer.length < state.length) return false;
      const body = this.buffer.subarray(0, state.length);
      this.buffer = this.buffer.subarray(state.length);
      this.state = { kind: 'header' };
      this.deliver(body);
      return true;
    }
    const end = this.buffer.indexOf(headerSeparator);
    if (end === -1) {
      if (this.buffer.length > maxHeaderBytes) {
        this.options.warn('dropped bytes that are not a message header', { bytes: this.buffer.length });
        this.buffer = Buffer.alloc(0);
      }
      return false;
    }
    const header = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + headerSeparator.length);
    // Garbage glued in front of a header still frames the message after it.
    const match = contentLengthPattern.exec(header);
    const value = match?.[1]?.trim() ?? '';
    if (!/^\d+$/.test(value)) {
      this.options.warn(
        match ? 'dropped a header with an invalid Content-Length' : 'dropped a header without Content-Length',
        {
          bytes: header.length,
        },
      );
      return true;
    }
    const length = Number(value);
    if (length > this.maxMessageBytes) {
      this.options.warn('dropped a message larger than the limit', { bytes: length, limit: this.maxMessageBytes });
      this.state = { kind: 'skip', remaining: length };
      return true;
    }
    this.state = { kind: 'body', length };
    return true;
  }

  private deliver(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.replyError(
        null,
        ErrorCodes.ParseError,
        `Parse error: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    const problem = checkMessage(message);
    if (problem !== undefined) {
      this.replyError(problem.id, ErrorCodes.InvalidRequest, `Invalid request: ${problem.reason}`);
      return;
    }
    this.callback?.(message as Message);
  }

  private replyError(id: number | string | null, code: number, message: string): void {
    this.options.reply({ jsonrpc: '2.0', id, error: { code, message } } as Message);
  }
}

/** Why a parsed value is not a JSON-RPC 2.0 message, with the id to answer on; undefined when it is one. */
export function checkMessage(value: unknown): { id: number | string | null; reason: string } | undefined {
  if (Array.isArray(value)) return { id: null, reason: 'batches are not supported' };
  if (typeof value !== 'object' || value === null) return { id: null, reason: 'a message must be a JSON object' };
  const message = value as Record<string, unknown>;
  const rawId = message.id;
  const idValid =
    rawId === undefined || typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId));
  const id = idValid && rawId !== undefined ? (rawId as number | string) : null;
  if (message.jsonrpc !== '2.0') return { id, reason: '"jsonrpc" must be "2.0"' };
  if (!idValid) return { id: null, reason: '"id" must be a string or a number' };
  if ('method' in message) {
    if (typeof message.method !== 'string') return { id, reason: '"method" must be a string' };
    const params = message.params;
    if (params !== undefined && (typeof params !== 'object' || params === null)) {
      return { id, reason: '"params" must be an object or an array' };
    }
    return undefined;
  }
  if (rawId !== undefined && ('result' in message || 'error' in message)) return undefined;
  return { id, reason: 'neither a request, a notification nor a response' };
}
