import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError, WireReader } from '../../../src/api/protobuf/wire.js';
import { fixed32, fixed64, rawVarint, str, varint } from './proto-writer.js';

const reader = (...bytes: number[]) => new WireReader(Uint8Array.from(bytes));

describe('WireReader varints', () => {
  it('reads one- and multi-byte varints', () => {
    expect(reader(0x01).uint32()).toBe(1);
    expect(reader(0xac, 0x02).uint32()).toBe(300);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).uint32()).toBe(0xffff_ffff);
  });

  it('reads a negative int32, which arrives sign-extended to ten bytes', () => {
    const r = new WireReader(rawVarint(-5));
    expect(r.int32()).toBe(-5);
    expect(r.done()).toBe(true);
  });

  it('reads int64 values up to the JS safe range and refuses larger ones', () => {
    expect(new WireReader(rawVarint(Number.MAX_SAFE_INTEGER)).int64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(new WireReader(rawVarint(-1_700_000_000_000)).int64()).toBe(-1_700_000_000_000);
    expect(() => new WireReader(rawVarint(2n ** 60n)).int64()).toThrow(
      /int64 value outside the range a JSON number holds exactly at offset 0/,
    );
  });

  it('refuses a uint32 with bits above 32', () => {
    expect(() => new WireReader(rawVarint(2n ** 40n)).uint32()).toThrow(/uint32 value out of range/);
  });

  it('reads bool from any non-zero varint', () => {
    expect(reader(0x00).bool()).toBe(false);
    expect(reader(0x02).bool()).toBe(true);
  });

  it('names the offset of a truncated varint', () => {
    const r = reader(0x08, 0x96);
    r.tag();
    expect(() => r.uint32()).toThrow(new ProtobufDecodeError('truncated varint', 1));
    expect(() => reader(0x96).uint32()).toThrow('protobuf: truncated varint at offset 0');
  });

  it('refuses a varint longer than ten bytes', () => {
    expect(() => reader(...new Array(11).fill(0xff), 0x01).uint32()).toThrow(
      'protobuf: varint longer than 10 bytes at offset 0',
    );
  });

  it('round-trips arbitrary int32 and safe int64 values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        expect(new WireReader(rawVarint(v)).int32()).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(new WireReader(rawVarint(v)).int64()).toBe(v);
      }),
    );
  });
});

describe('WireReader tags and fields', () => {
  it('splits a tag into field number and wire type', () => {
    const r = new WireReader(str(300, 'x'));
    expect(r.tag()).toEqual({ field: 300, wire: 2, offset: 0 });
    expect(r.string()).toBe('x');
    expect(r.done()).toBe(true);
  });

  it('refuses field number 0 and group wire types', () => {
    expect(() => reader(0x02, 0x00).tag()).toThrow('protobuf: field number 0 is invalid at offset 0');
    expect(() => reader(0x0b).tag()).toThrow('protobuf: unsupported wire type 3 for field 1 at offset 0');
    expect(() => reader(0x0e).tag()).toThrow(/unsupported wire type 6/);
  });

  it('reads fixed-width values little-endian', () => {
    const r = new WireReader(Uint8Array.from([...fixed32(1, 0xdeadbeef), ...fixed64(2, 0x1_0000_0002n)]));
    r.tag();
    expect(r.fixed32()).toBe(0xdeadbeef);
    r.tag();
    expect(r.fixed64()).toEqual([2, 1]);
  });

  it('refuses a length that runs past the end, without allocating it', () => {
    const r = reader(0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x41);
    r.tag();
    expect(() => r.bytes()).toThrow(
      'protobuf: length 2147483647 runs past the end of the message (1 bytes left) at offset 1',
    );
  });

  it('refuses truncated fixed-width values', () => {
    const r = reader(0x0d, 0x01, 0x02);
    r.tag();
    expect(() => r.fixed32()).toThrow('protobuf: truncated 4-byte fixed-width value at offset 1');
  });

  it('skips a field of every supported wire type', () => {
    const body = Uint8Array.from([
      ...varint(1, -1),
      ...fixed64(2, 7n),
      ...str(3, 'skip me'),
      ...fixed32(4, 9),
      ...varint(5, 42),
    ]);
    const r = new WireReader(body);
    for (let i = 0; i < 4; i++) {
      r.skip(r.tag().wire);
    }
    expect(r.tag().field).toBe(5);
    expect(r.uint32()).toBe(42);
    expect(r.done()).toBe(true);
  });

  it('keeps sub-readers within their window and reports whole-buffer offsets', () => {
    // field 1 = {field 2 = varint with a missing continuation byte}, then trailing bytes.
    const body = Uint8Array.from([0x0a, 0x02, 0x10, 0x96, 0x08, 0x01]);
    const r = new WireReader(body);
    r.tag();
    const inner = r.sub();
    inner.tag();
    expect(() => inner.uint32()).toThrow('protobuf: truncated varint at offset 3');
    expect(r.tag().field).toBe(1);
  });

  it('refuses a window outside the buffer', () => {
    expect(() => new WireReader(new Uint8Array(2), 1, 3)).toThrow(RangeError);
  });
});
