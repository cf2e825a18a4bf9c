// Tar headers for sync entries, written straight into a caller's buffer: one ustar block, or a pax
// block with the path and link target first when they do not fit ustar. Pure byte encoding.

import type { Entry } from './manifest.js';

export const BLOCK = 512;

const TYPEFLAG = { file: 0x30, symlink: 0x32, dir: 0x35, pax: 0x78 } as const;
const USTAR_MAGIC = Buffer.from('ustar\u000000', 'latin1');

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function tarName(entry: Entry): string {
  return entry.type === 'dir' ? entry.path + '/' : entry.path;
}

/** The ustar name and prefix for an ASCII path, split at a slash; null when it does not fit. */
function ustarName(path: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(path) !== path.length) return null;
  let name = path;
  let prefix = '';
  while (name.length > 100) {
    const slash = name.indexOf('/');
    if (slash === -1) return null;
    prefix += prefix ? '/' + name.slice(0, slash) : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  return prefix.length > 155 ? null : { name, prefix };
}

function fitsUstar(entry: Entry): boolean {
  if (ustarName(tarName(entry)) === null) return false;
  return !(entry.linkTarget && Buffer.byteLength(entry.linkTarget) > 100);
}

// A pax record is "<length> <key>=<value>\n", the length counting its own digits.
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const length = Buffer.byteLength(body);
  let digits = String(length).length;
  if (String(length + digits).length > digits) digits++;
  return `${length + digits}${body}`;
}

function paxBody(entry: Entry): string {
  return paxRecord('path', tarName(entry)) + (entry.linkTarget ? paxRecord('linkpath', entry.linkTarget) : '');
}

/** Bytes of header blocks one entry needs (its content not included). */
export function headerSize(entry: Entry): number {
  if (fitsUstar(entry)) return BLOCK;
  return BLOCK + padded(Buffer.byteLength(paxBody(entry))) + BLOCK;
}

// Octal digits, zero-padded to `width`, then a space (the layout GNU and busybox tar both read).
function writeOctal(target: Buffer, offset: number, value: number, width: number): void {
  const digits = Math.max(0, Math.floor(value)).toString(8);
  const text = digits.length > width ? '7'.repeat(width) : digits.padStart(width, '0');
  target.write(text + ' ', offset, 'latin1');
}

// Sizes beyond 11 octal digits (8 GiB) use the base-256 form.
function writeSize(target: Buffer, offset: number, size: number): void {
  if (size.toString(8).length <= 11) {
    writeOctal(target, offset, size, 11);
    return;
  }
  target[offset] = 0x80;
  let rest = size;
  for (let i = 11; i > 0; i--) {
    target[offset + i] = rest & 0xff;
    rest = Math.floor(rest / 0x100);
  }
}

function writeBlock(
  target: Buffer,
  offset: number,
  fields: { name: string; prefix: string; mode: number; size: number; mtimeMs: number; type: number; link: string },
): void {
  target.fill(0, offset, offset + BLOCK);
  target.write(fields.name, offset, 100, 'utf8');
  writeOctal(target, offset + 100, fields.mode & 0o7777, 6);
  writeOctal(target, offset + 108, 0, 6);
  writeOctal(target, offset + 116, 0, 6);
  writeSize(target, offset + 124, fields.size);
  writeOctal(target, offset + 136, fields.mtimeMs / 1000, 11);
  target[offset + 156] = fields.type;
  if (fields.link) target.write(fields.link, offset + 157, 100, 'utf8');
  USTAR_MAGIC.copy(target, offset + 257);
  writeOctal(target, offset + 329, 0, 6);
  writeOctal(target, offset + 337, 0, 6);
  if (fields.prefix) target.write(fields.prefix, offset + 345, 155, 'latin1');
  // The checksum is computed with its own field read as spaces.
  target.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = offset; i < offset + BLOCK; i++) sum += target[i]!;
  writeOctal(target, offset + 148, sum, 6);
}

/** Writes the entry's header blocks at `offset` (headerSize(entry) bytes); returns the end offset. */
export function writeHeader(entry: Entry, target: Buffer, offset: number): number {
  const size = entry.type === 'file' ? entry.size : 0;
  const type = TYPEFLAG[entry.type];
  const fitted = fitsUstar(entry) ? ustarName(tarName(entry)) : null;
  if (fitted) {
    writeBlock(target, offset, {
      ...fitted,
      mode: entry.mode,
      size,
      mtimeMs: entry.mtimeMs,
      type,
      link: entry.linkTarget ?? '',
    });
    return offset + BLOCK;
  }
  const body = Buffer.from(paxBody(entry), 'utf8');
  const link = entry.linkTarget ? 'PaxHeader' : '';
  const common = { name: 'PaxHeader', prefix: '', mode: entry.mode, mtimeMs: entry.mtimeMs, link };
  writeBlock(target, offset, { ...common, size: body.length, type: TYPEFLAG.pax });
  let at = offset + BLOCK;
  body.copy(target, at);
  target.fill(0, at + body.length, at + padded(body.length));
  at += padded(body.length);
  writeBlock(target, at, { ...common, size, type });
  return at + BLOCK;
}
