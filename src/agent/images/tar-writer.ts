// A streaming tar writer (ustar, with PAX extended headers for long names, big numbers and xattrs).
// Used by the image builder and to hand vetted layer entries to GNU tar. Does no file-system I/O
// except reading an entry's `sourcePath` when given.
import { createReadStream } from 'node:fs';
import type { TarEntryType } from './tar-reader.js';

export interface TarEntrySpec {
  readonly path: string;
  readonly type: TarEntryType;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch; 0 (reproducible builds) by default. */
  readonly mtime?: number;
  readonly linkpath?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly xattrs?: Readonly<Record<string, string>>;
  /** File content in memory… */
  readonly content?: Buffer | string;
  /** …or streamed from a file (then `size` must be given). */
  readonly sourcePath?: string;
  /** …or streamed from chunks (then `size` must be given). */
  readonly body?: AsyncIterable<Uint8Array>;
  readonly size?: number;
}

const BLOCK = 512;
const FLAGS: Record<TarEntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  chardev: '3',
  blockdev: '4',
  directory: '5',
  fifo: '6',
};

function writeString(buf: Buffer, value: string, offset: number, len: number): void {
  buf.write(value, offset, len, 'utf8');
}

function fitsOctal(value: number, len: number): boolean {
  return value >= 0 && value < 8 ** (len - 1);
}

function writeOctal(buf: Buffer, value: number, offset: number, len: number): void {
  const text = value.toString(8).padStart(len - 1, '0');
  buf.write(`${text}\0`, offset, len, 'latin1');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  while (String(total).length + len !== total) {
    len = Buffer.byteLength(body);
    total = len + String(total).length;
  }
  return `${total}${body}`;
}

/** Splits a long path into ustar prefix (≤155) + name (≤100) at a '/', when possible. */
function splitUstar(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) {
    return { prefix: '', name: path };
  }
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] === '/') {
      const prefix = path.slice(0, i);
      const name = path.slice(i + 1);
      if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
        return { prefix, name };
      }
    }
  }
  return undefined;
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  flag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, fields.name, 0, 100);
  writeOctal(b, fields.mode, 100, 8);
  writeOctal(b, fields.uid, 108, 8);
  writeOctal(b, fields.gid, 116, 8);
  writeOctal(b, fields.size, 124, 12);
  writeOctal(b, fields.mtime, 136, 12);
  b.write(fields.flag, 156, 1, 'latin1');
  writeString(b, fields.linkname, 157, 100);
  b.write('ustar\0', 257, 6, 'latin1');
  b.write('00', 263, 2, 'latin1');
  writeOctal(b, fields.devmajor, 329, 8);
  writeOctal(b, fields.devminor, 337, 8);
  writeString(b, fields.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    sum += b[i]!;
  }
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return Buffer.alloc(rem === 0 ? 0 : BLOCK - rem);
}

/** The header block(s) of one entry (PAX header first when needed). */
export function entryHeader(e: TarEntrySpec, size: number): Buffer {
  const pax: string[] = [];
  const split = splitUstar(e.path);
  if (!split || !/^[\x20-\x7e]*$/.test(e.path)) {
    pax.push(paxRecord('path', e.path));
  }
  const linkpath = e.linkpath ?? '';
  if (Buffer.byteLength(linkpath) > 100 || !/^[\x20-\x7e]*$/.test(linkpath)) {
    pax.push(paxRecord('linkpath', linkpath));
  }
  const uid = e.uid ?? 0;
  const gid = e.gid ?? 0;
  const mtime = Math.floor(e.mtime ?? 0);
  for (const [key, value, len] of [
    ['uid', uid, 8],
    ['gid', gid, 8],
    ['size', size, 12],
    ['mtime', mtime, 12],
  ] as const) {
    if (!fitsOctal(value, len)) {
      pax.push(paxRecord(key, String(value)));
    }
  }
  for (const [k, v] of Object.entries(e.xattrs ?? {})) {
    pax.push(paxRecord(`SCHILY.xattr.${k}`, v));
  }
  const blocks: Buffer[] = [];
  const clamp = (v: number, len: number) => (fitsOctal(v, len) ? v : 0);
  const common = {
    mode: (e.mode ?? (e.type === 'directory' ? 0o755 : 0o644)) & 0o7777,
    uid: clamp(uid, 8),
    gid: clamp(gid, 8),
    mtime: clamp(mtime, 12),
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  };
  if (pax.length > 0) {
    const data = Buffer.from(pax.join(''));
    const paxName = `PaxHeaders/${e.path.split('/').filter(Boolean).pop() ?? 'entry'}`.slice(0, 99);
    blocks.push(
      header({ ...common, name: paxName, prefix: '', size: data.length, flag: 'x', linkname: '' }),
      data,
      padding(data.length),
    );
  }
  const names = split && /^[\x20-\x7e]*$/.test(e.path) ? split : { prefix: '', name: e.path.slice(0, 100) };
  blocks.push(
    header({
      ...common,
      name: names.name,
      prefix: names.prefix,
      size: clamp(size, 12),
      flag: FLAGS[e.type],
      linkname: Buffer.byteLength(linkpath) <= 100 ? linkpath : '',
    }),
  );
  return Buffer.concat(blocks);
}

/** Serializes entries into a tar stream (ending with the two zero blocks). */
export async function* writeTar(
  entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>,
): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    if (e.type !== 'file') {
      yield entryHeader(e, 0);
      continue;
    }
    if (e.content !== undefined) {
      const data = typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
      yield entryHeader(e, data.length);
      yield data;
      yield padding(data.length);
      continue;
    }
    const size = e.size;
    const source = e.body ?? (e.sourcePath !== undefined ? createReadStream(e.sourcePath) : undefined);
    if (size === undefined || source === undefined) {
      throw new Error(`tar entry ${e.path}: a file needs content, or size with sourcePath or body`);
    }
    yield entryHeader(e, size);
    let written = 0;
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      written += buf.length;
      if (written > size) {
        throw new Error(`tar entry ${e.path}: more than the declared ${size} bytes`);
      }
      yield buf;
    }
    if (written !== size) {
      throw new Error(`tar entry ${e.path}: ${written} bytes instead of the declared ${size}`);
    }
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}
