// A minimal, bounds-checked reader for the protobuf wire format: varints, length-delimited fields,
// fixed32/fixed64, and skipping of fields nobody asked for. It never copies (sub-messages are views
// of the same buffer) and every read checks the end first, so malformed input throws a
// ProtobufDecodeError naming the offset instead of hanging or allocating what a length claims.

/** Wire types (the low three bits of a tag). Groups (3 and 4) are deprecated and rejected. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufDecodeError extends Error {
  /** Byte offset into the buffer being read (for nested messages: into the whole body). */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`protobuf: ${message} at offset ${offset}`);
    this.name = 'ProtobufDecodeError';
    this.offset = offset;
  }
}

export interface Tag {
  readonly field: number;
  readonly wire: number;
  /** Offset of the tag itself, for error messages. */
  readonly offset: number;
}

const utf8 = new TextDecoder('utf-8');

export class WireReader {
  private pos: number;

  /** Reads buf[start, end); offsets in errors are relative to buf, so views keep whole-body offsets. */
  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`invalid window [${start}, ${end}) on a buffer of ${buf.length} bytes`);
    }
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  tag(): Tag {
    const offset = this.pos;
    const [lo, hi] = this.varint64();
    if (hi !== 0) {
      throw new ProtobufDecodeError('tag out of range', offset);
    }
    const field = lo >>> 3;
    const wire = lo & 7;
    if (field === 0) {
      throw new ProtobufDecodeError('field number 0 is invalid', offset);
    }
    if (wire !== WIRE_VARINT && wire !== WIRE_FIXED64 && wire !== WIRE_LEN && wire !== WIRE_FIXED32) {
      throw new ProtobufDecodeError(`unsupported wire type ${wire} for field ${field}`, offset);
    }
    return { field, wire, offset };
  }

  /** A varint as two unsigned 32-bit halves [low, high]. */
  varint64(): [number, number] {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        throw new ProtobufDecodeError('truncated varint', start);
      }
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (i < 4) {
        lo |= bits << (7 * i);
      } else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else {
        hi |= bits << (7 * i - 32);
      }
      if (b < 0x80) {
        return [lo >>> 0, hi >>> 0];
      }
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes', start);
  }

  /** int32 fields: negative values arrive sign-extended to 64 bits; the low half is the value. */
  int32(): number {
    return this.varint64()[0] | 0;
  }

  uint32(): number {
    const start = this.pos;
    const [lo, hi] = this.varint64();
    if (hi !== 0) {
      throw new ProtobufDecodeError('uint32 value out of range', start);
    }
    return lo;
  }

  /** int64 as a JS number; values past ±2^53 cannot be represented exactly and are rejected. */
  int64(): number {
    const start = this.pos;
    const [lo, hi] = this.varint64();
    const v = (hi | 0) * 0x1_0000_0000 + lo;
    if (!Number.isSafeInteger(v)) {
      throw new ProtobufDecodeError('int64 value outside the range a JSON number holds exactly', start);
    }
    return v;
  }

  bool(): boolean {
    const [lo, hi] = this.varint64();
    return lo !== 0 || hi !== 0;
  }

  /** A length-delimited field's payload, as a view of the buffer. */
  bytes(): Uint8Array {
    const [from, to] = this.lengthDelimited();
    return this.buf.subarray(from, to);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** A reader over a length-delimited field's payload (an embedded message). */
  sub(): WireReader {
    const [from, to] = this.lengthDelimited();
    return new WireReader(this.buf, from, to);
  }

  fixed32(): number {
    const start = this.take(4);
    return (
      (this.buf[start]! | (this.buf[start + 1]! << 8) | (this.buf[start + 2]! << 16)) +
      this.buf[start + 3]! * 0x100_0000
    );
  }

  /** fixed64 as [low, high] unsigned halves. */
  fixed64(): [number, number] {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return [lo, hi];
  }

  /** Skips the value of a field of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.take(8);
        return;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.take(4);
        return;
      default:
        throw new ProtobufDecodeError(`cannot skip wire type ${wire}`, this.pos);
    }
  }

  private lengthDelimited(): [number, number] {
    const start = this.pos;
    const [len, hi] = this.varint64();
    const left = this.end - this.pos;
    if (hi !== 0 || len > left) {
      const n = hi === 0 ? String(len) : 'more than 2^32';
      throw new ProtobufDecodeError(
        `length ${n} runs past the end of the message (${left} bytes left)`,
        start,
      );
    }
    const from = this.pos;
    this.pos += len;
    return [from, this.pos];
  }

  private take(n: number): number {
    if (this.end - this.pos < n) {
      throw new ProtobufDecodeError(`truncated ${n}-byte fixed-width value`, this.pos);
    }
    const start = this.pos;
    this.pos += n;
    return start;
  }
}
