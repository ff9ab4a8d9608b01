// DNS wire format (RFC 1035), just what cluster DNS needs: decode queries and responses, encode
// responses with A and SOA records. Pure.

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const;
export const DnsClass = { IN: 1 } as const;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsQuestion {
  /** Without the trailing dot, case as sent. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: Buffer;
}

export interface DnsMessage {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

const HEADER_LEN = 12;

export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER_LEN) {
    throw new DnsFormatError('message shorter than its header');
  }
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let offset = HEADER_LEN;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < (counts[0] ?? 0); i++) {
    const [name, next] = readName(buf, offset);
    need(buf, next + 4);
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < (counts[s + 1] ?? 0); i++) {
      const [name, next] = readName(buf, offset);
      need(buf, next + 10);
      const len = buf.readUInt16BE(next + 8);
      need(buf, next + 10 + len);
      sections[s]?.push({
        name,
        type: buf.readUInt16BE(next),
        class: buf.readUInt16BE(next + 2),
        ttl: buf.readUInt32BE(next + 4),
        data: buf.subarray(next + 10, next + 10 + len),
      });
      offset = next + 10 + len;
    }
  }
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0] ?? [],
    authorities: sections[1] ?? [],
    additionals: sections[2] ?? [],
  };
}

export interface EncodeOptions {
  /** Sets TC and drops records when the message would exceed this many bytes (UDP: 512). */
  readonly maxBytes?: number;
}

export function encodeMessage(msg: DnsMessage, opts: EncodeOptions = {}): Buffer {
  const full = encodeWhole(msg);
  if (opts.maxBytes === undefined || full.length <= opts.maxBytes) {
    return full;
  }
  return encodeWhole({ ...msg, tc: true, answers: [], authorities: [], additionals: [] });
}

function encodeWhole(msg: DnsMessage): Buffer {
  const w = new Writer();
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(msg.id & 0xffff, 0);
  const flags =
    (msg.qr ? 0x8000 : 0) |
    ((msg.opcode & 0xf) << 11) |
    (msg.aa ? 0x0400 : 0) |
    (msg.tc ? 0x0200 : 0) |
    (msg.rd ? 0x0100 : 0) |
    (msg.ra ? 0x0080 : 0) |
    (msg.rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(msg.questions.length, 4);
  header.writeUInt16BE(msg.answers.length, 6);
  header.writeUInt16BE(msg.authorities.length, 8);
  header.writeUInt16BE(msg.additionals.length, 10);
  w.push(header);
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of [...msg.answers, ...msg.authorities, ...msg.additionals]) {
    w.name(r.name);
    w.u16(r.type);
    w.u16(r.class);
    w.u32(r.ttl);
    w.u16(r.data.length);
    w.push(r.data);
  }
  return w.done();
}

export function aRecord(name: string, ip: string, ttl: number): DnsRecord {
  return { name, type: DnsType.A, class: DnsClass.IN, ttl, data: Buffer.from(ip.split('.').map(Number)) };
}

/** An SOA record for a zone we are authoritative for (negative answers carry it so clients cache them). */
export function soaRecord(zone: string, ttl: number, serial: number): DnsRecord {
  const w = new Writer(false);
  w.name(`ns.dns.${zone}`);
  w.name(`hostmaster.${zone}`);
  for (const n of [serial >>> 0, 7200, 1800, 86400, ttl]) {
    w.u32(n);
  }
  return { name: zone, type: DnsType.SOA, class: DnsClass.IN, ttl, data: w.done() };
}

/** Decodes the IPv4 address of an A record. */
export function aRecordIp(record: DnsRecord): string {
  return [...record.data].join('.');
}

function need(buf: Buffer, end: number): void {
  if (end > buf.length) {
    throw new DnsFormatError('message truncated');
  }
}

function readName(buf: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  let jumps = 0;
  for (;;) {
    need(buf, offset + 1);
    const len = buf[offset] ?? 0;
    if (len === 0) {
      offset += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      need(buf, offset + 2);
      if (++jumps > 32) {
        throw new DnsFormatError('name compression loop');
      }
      if (end < 0) {
        end = offset + 2;
      }
      offset = buf.readUInt16BE(offset) & 0x3fff;
      continue;
    }
    if ((len & 0xc0) !== 0) {
      throw new DnsFormatError('unsupported label type');
    }
    need(buf, offset + 1 + len);
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
    if (labels.join('.').length > 255) {
      throw new DnsFormatError('name too long');
    }
  }
  return [labels.join('.'), end < 0 ? offset : end];
}

class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  /** Offsets of names already written (lowercased), for compression pointers. */
  private readonly names = new Map<string, number>();

  constructor(private readonly compress = true) {}

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n & 0xffff);
    this.push(b);
  }

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.push(b);
  }

  name(name: string): void {
    const labels = name
      .replace(/\.$/, '')
      .split('.')
      .filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.compress ? this.names.get(suffix) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.length < 0x4000) {
        this.names.set(suffix, this.length);
      }
      const label = Buffer.from(labels[i] ?? '', 'latin1');
      if (label.length > 63) {
        throw new DnsFormatError(`label longer than 63 bytes in ${name}`);
      }
      this.push(Buffer.from([label.length]));
      this.push(label);
    }
    this.push(Buffer.from([0]));
  }

  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
