// SPDY/3 name/value header blocks: the uncompressed layout and the connection-long zlib contexts
// (one per direction, primed with the SPDY/3 dictionary, every block sync-flushed), compressed
// or written as stored blocks.

import zlib from 'node:zlib';

/** Header names are lower-case; several values of one name are NUL-joined on the wire. */
export type SpdyHeaders = Record<string, string>;

const DICTIONARY_WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];

const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request' +
  '401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented' +
  '503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 ' +
  'Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,' +
  'application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=' +
  'gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 zlib dictionary (1423 bytes): length-prefixed common words, then a raw tail. */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((word) => {
    const bytes = Buffer.from(word, 'latin1');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(bytes.length, 0);
    return Buffer.concat([prefix, bytes]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

export class HeaderBlockError extends Error {}

/** The uncompressed block: u32 count, then u32 length-prefixed names and values. */
export function encodeNameValueBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const nameBytes = Buffer.from(name.toLowerCase(), 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    parts.push(u32(nameBytes.length), nameBytes, u32(valueBytes.length), valueBytes);
  }
  return Buffer.concat(parts);
}

export function decodeNameValueBlock(block: Buffer): SpdyHeaders {
  let offset = 0;
  const read = (): Buffer => {
    if (offset + 4 > block.length) throw new HeaderBlockError('truncated header block');
    const length = block.readUInt32BE(offset);
    offset += 4;
    if (offset + length > block.length) throw new HeaderBlockError('truncated header block');
    const bytes = block.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  if (block.length < 4) throw new HeaderBlockError('truncated header block');
  const count = block.readUInt32BE(0);
  offset = 4;
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = read().toString('utf8').toLowerCase();
    const value = read().toString('utf8');
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}

function u32(value: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt32BE(value >>> 0, 0);
  return buf;
}

/**
 * Runs blocks through one persistent zlib stream, one at a time and in order, each ending with
 * a sync flush so the peer can decode it on its own while the context carries over.
 */
class SyncFlushedZlib {
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  constructor(private readonly engine: zlib.Deflate | zlib.Inflate) {
    engine.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  process(input: Buffer): Promise<Buffer> {
    const run = (): Promise<Buffer> =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        if (this.closed) return reject(new HeaderBlockError('header context closed'));
        const chunks: Buffer[] = [];
        const onData = (chunk: Buffer): void => {
          chunks.push(chunk);
        };
        const onError = (err: Error): void => {
          this.engine.off('data', onData);
          reject(err);
        };
        this.engine.on('data', onData);
        this.engine.once('error', onError);
        this.engine.write(input);
        this.engine.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          this.engine.off('data', onData);
          this.engine.off('error', onError);
          if (this.failure) reject(this.failure);
          else resolve(Buffer.concat(chunks));
        });
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
  }
}

/** Compresses outgoing header blocks; one per connection direction. */
export class HeaderCompressor implements HeaderEncoder {
  private readonly zlib = new SyncFlushedZlib(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.zlib.process(encodeNameValueBlock(headers));
  }

  close(): void {
    this.zlib.close();
  }
}

/** What a session sends header blocks through: a real deflater, or stored blocks. */
export interface HeaderEncoder {
  compress(headers: SpdyHeaders): Buffer | Promise<Buffer>;
  close(): void;
}

/** zlib's Adler-32, by which a zlib header names its preset dictionary. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** CMF 0x78 (deflate, 32 KiB window) and FLG with FDICT set, then the dictionary's Adler-32. */
function zlibHeaderWithDictionary(): Buffer {
  const header = Buffer.alloc(6);
  header[0] = 0x78;
  const flags = 0x20;
  header[1] = flags + ((31 - ((0x78 * 256 + flags) % 31)) % 31);
  header.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
  return header;
}

/** A stored (uncompressed) deflate block holds at most this many bytes. */
const MAX_STORED_BLOCK = 0xffff;
const EMPTY_STORED_BLOCK = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * Writes header blocks into the connection's zlib stream as stored deflate blocks, each ending
 * like a sync flush: any SPDY/3 inflater reads them like compressed ones, and they need no zlib
 * work, so they are ready synchronously. Blocks of a few dozen bytes
 * lose little by it; what they save is a thread-pool round trip before every new stream.
 */
export class StoredHeaderEncoder implements HeaderEncoder {
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const block = encodeNameValueBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      parts.push(zlibHeaderWithDictionary());
    }
    for (let offset = 0; offset < block.length; offset += MAX_STORED_BLOCK) {
      const data = block.subarray(offset, offset + MAX_STORED_BLOCK);
      const head = Buffer.alloc(5);
      // BFINAL 0, BTYPE 00 (stored), padding to the byte boundary; then LEN and its complement.
      head.writeUInt16LE(data.length, 1);
      head.writeUInt16LE(~data.length & 0xffff, 3);
      parts.push(head, data);
    }
    // The empty stored block that ends a sync flush: Go's inflater hands out what it holds when it
    // reaches one, and without it would read past the frame for the next block's header.
    parts.push(EMPTY_STORED_BLOCK);
    return Buffer.concat(parts);
  }

  close(): void {
    // Nothing to release.
  }
}

/** Decompresses incoming header blocks; one per connection direction. */
export class HeaderDecompressor {
  private readonly zlib = new SyncFlushedZlib(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    // An empty block carries no headers and must not touch the zlib context.
    if (block.length === 0) return {};
    return decodeNameValueBlock(await this.zlib.process(block));
  }

  close(): void {
    this.zlib.close();
  }
}
