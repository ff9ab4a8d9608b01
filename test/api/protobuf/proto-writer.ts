// A tiny protobuf wire-format writer for tests: builds bodies field by field with the field
// numbers written out in the test, independently of the decoder's descriptor tables, so a wrong
// number in a table shows up as a wrong decoded object. Like Kubernetes' generated marshallers,
// tests may write zero values explicitly to check that the decoder drops them as Go's JSON does.

type Part = Uint8Array;

function varintBytes(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(u & 0x7fn);
    u >>= 7n;
    if (u !== 0n) {
      b |= 0x80;
    }
    out.push(b);
  } while (u !== 0n);
  return out;
}

export function rawVarint(v: number | bigint): Part {
  return Uint8Array.from(varintBytes(BigInt(v)));
}

function tag(field: number, wire: number): number[] {
  return varintBytes(BigInt(field * 8 + wire));
}

/** A varint field (int32, int64, bool, enum); negative numbers take ten bytes, as in Go. */
export function varint(field: number, v: number | bigint | boolean): Part {
  const n = typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v);
  return Uint8Array.from([...tag(field, 0), ...varintBytes(n)]);
}

export function bytes(field: number, data: Uint8Array): Part {
  return Uint8Array.from([...tag(field, 2), ...varintBytes(BigInt(data.length)), ...data]);
}

export function str(field: number, s: string): Part {
  return bytes(field, new TextEncoder().encode(s));
}

/** An embedded message made of the given fields. */
export function sub(field: number, ...parts: Part[]): Part {
  return bytes(field, concat(...parts));
}

export function fixed32(field: number, v: number): Part {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return Uint8Array.from([...tag(field, 5), ...b]);
}

export function fixed64(field: number, v: bigint): Part {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return Uint8Array.from([...tag(field, 1), ...b]);
}

/** A map<string, string> entry. */
export function entry(field: number, key: string, value: string): Part {
  return sub(field, str(1, key), str(2, value));
}

/** A map<string, Quantity> entry. */
export function quantityEntry(field: number, key: string, value: string): Part {
  return sub(field, str(1, key), sub(2, str(1, value)));
}

/** An IntOrString field: a number as {type 0, intVal}, a string as {type 1, strVal}. */
export function intOrString(field: number, v: number | string): Part {
  return typeof v === 'number'
    ? sub(field, varint(1, 0), varint(2, v), str(3, ''))
    : sub(field, varint(1, 1), varint(2, 0), str(3, v));
}

export function concat(...parts: Part[]): Part {
  return Uint8Array.from(Buffer.concat(parts));
}

/** The Kubernetes envelope: "k8s\0" + runtime.Unknown {typeMeta, raw, contentEncoding, contentType}. */
export function envelope(apiVersion: string, kind: string, raw: Part, extra: Part[] = []): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    sub(1, str(1, apiVersion), str(2, kind)),
    bytes(2, raw),
    str(3, ''),
    str(4, ''),
    ...extra,
  ]);
}
