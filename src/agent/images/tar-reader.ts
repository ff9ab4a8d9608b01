// A streaming tar reader: ustar headers with GNU long names and PAX extended headers, entry bodies
// streamed without buffering whole files. Reads bytes; does no file-system I/O.

export type TarEntryType = 'file' | 'link' | 'symlink' | 'chardev' | 'blockdev' | 'directory' | 'fifo';

export interface TarHeader {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
  /** `SCHILY.xattr.*` PAX records, by attribute name. */
  xattrs: Record<string, string>;
}

export interface TarEntry {
  readonly header: TarHeader;
  /** The entry's bytes; consume it before asking for the next entry (or it is skipped). */
  readonly body: AsyncIterable<Buffer>;
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
      } else if (r.value.byteLength > 0) {
        const b = Buffer.isBuffer(r.value)
          ? r.value
          : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
  }

  /** Exactly n bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const take = Math.min(n, all.length);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Streams n bytes as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        await this.fill(1);
        if (this.buffered === 0) {
          throw new TarFormatError('unexpected end of archive inside an entry');
        }
      }
      const head = this.chunks[0]!;
      if (head.length <= left) {
        this.chunks.shift();
        this.buffered -= head.length;
        left -= head.length;
        yield head;
      } else {
        this.chunks[0] = head.subarray(left);
        this.buffered -= left;
        yield head.subarray(0, left);
        left = 0;
      }
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) {
      // discard
    }
  }

  async drain(): Promise<void> {
    while (!this.done) {
      await this.fill(this.buffered + 1);
      this.chunks = [];
      this.buffered = 0;
    }
  }
}

function cstring(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function numeric(buf: Buffer, start: number, len: number, what: string): number {
  const field = buf.subarray(start, start + len);
  if ((field[0]! & 0x80) !== 0) {
    // base-256 (GNU): big-endian two's complement with the top bit as marker.
    let v = 0;
    for (let i = 1; i < field.length; i++) {
      v = v * 256 + field[i]!;
    }
    if (!Number.isSafeInteger(v)) {
      throw new TarFormatError(`${what} is too large`);
    }
    return v;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') {
    return 0;
  }
  if (!/^[0-7]+$/.test(text)) {
    throw new TarFormatError(`${what} field ${JSON.stringify(text)} is not octal`);
  }
  return Number.parseInt(text, 8);
}

function verifyChecksum(block: Buffer): void {
  let stored: number;
  try {
    stored = numeric(block, 148, 8, 'checksum');
  } catch {
    stored = -1;
  }
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    sum += i >= 148 && i < 156 ? 32 : block[i]!;
  }
  if (sum !== stored) {
    throw new TarFormatError('header checksum mismatch (not a tar archive, or a corrupt one)');
  }
}

/** Parses PAX records (`<len> key=value\n`). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) {
      break;
    }
    const len = Number.parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) {
      throw new TarFormatError('malformed PAX extended header');
    }
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) {
      out[record.slice(0, eq)] = record.slice(eq + 1);
    }
    pos += len;
  }
  return out;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'chardev',
  '4': 'blockdev',
  '5': 'directory',
  '6': 'fifo',
};

/** Yields the entries of an uncompressed tar stream. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0) {
      return; // tolerate archives without the two zero blocks
    }
    if (block.length < BLOCK) {
      throw new TarFormatError('truncated tar header');
    }
    if (block.every((b) => b === 0)) {
      await reader.drain();
      return;
    }
    verifyChecksum(block);
    const flag = String.fromCharCode(block[156]!);
    const size = numeric(block, 124, 12, 'size');
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 * 1024 * 1024) {
        throw new TarFormatError('extended header larger than 16 MiB');
      }
      const data = (await reader.read(padded)).subarray(0, size);
      if (flag === 'x') {
        pax = { ...pax, ...parsePax(data) };
      } else if (flag === 'L') {
        longName = cstring(data, 0, data.length);
      } else if (flag === 'K') {
        longLink = cstring(data, 0, data.length);
      }
      continue; // global headers ('g') carry nothing a layer needs
    }
    const type = TYPES[flag];
    if (type === undefined) {
      throw new TarFormatError(`unsupported tar entry type ${JSON.stringify(flag)}`);
    }
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? cstring(block, 345, 155) : '';
    let path = longName ?? (prefix ? `${prefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100));
    let linkpath = longLink ?? cstring(block, 157, 100);
    const header: TarHeader = {
      path,
      type,
      mode: numeric(block, 100, 8, 'mode') & 0o7777,
      uid: numeric(block, 108, 8, 'uid'),
      gid: numeric(block, 116, 8, 'gid'),
      size,
      mtime: numeric(block, 136, 12, 'mtime'),
      linkpath,
      devmajor: numeric(block, 329, 8, 'devmajor'),
      devminor: numeric(block, 337, 8, 'devminor'),
      xattrs: {},
    };
    for (const [k, v] of Object.entries(pax)) {
      if (k === 'path') {
        path = v;
        header.path = v;
      } else if (k === 'linkpath') {
        linkpath = v;
        header.linkpath = v;
      } else if (k === 'size' || k === 'uid' || k === 'gid') {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) {
          throw new TarFormatError(`PAX ${k} ${JSON.stringify(v)} is invalid`);
        }
        header[k] = n;
      } else if (k === 'mtime') {
        header.mtime = Math.floor(Number(v)) || 0;
      } else if (k.startsWith('SCHILY.xattr.')) {
        header.xattrs[k.slice('SCHILY.xattr.'.length)] = v;
      } else if (k.startsWith('GNU.sparse.')) {
        throw new TarFormatError('sparse tar entries are not supported');
      }
    }
    pax = {};
    longName = undefined;
    longLink = undefined;
    // Links, directories and devices carry no data even if a size is recorded (as Go's archive/tar reads it).
    const dataSize = header.type === 'file' ? header.size : 0;
    header.size = dataSize;
    let delivered = 0;
    const body = (async function* () {
      for await (const chunk of reader.stream(dataSize)) {
        delivered += chunk.length;
        yield chunk;
      }
    })();
    yield { header, body };
    // Skip whatever part of the body the consumer left unread, then the block padding.
    await reader.skip(dataSize - delivered);
    await reader.skip(Math.ceil(dataSize / BLOCK) * BLOCK - dataSize);
  }
}
