// Decodes one protobuf message into the JSON object Kubernetes' Go types would marshal, driven by a
// MessageDesc. Fields the descriptor does not list (status, managedFields, fields newer than the
// tables) are skipped, as any protobuf reader skips unknown fields.
import type { FieldDesc, MapValueType, MessageDesc, ScalarType, SpecialType } from './descriptor.js';
import { ProtobufDecodeError, type Tag, WIRE_LEN, WIRE_VARINT, type WireReader } from './wire.js';

export type JsonObject = Record<string, unknown>;

/** The body is well-formed but uses something these tables do not describe; JSON would work. */
export class ProtobufUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufUnsupportedError';
  }
}

export function decodeMessage(r: WireReader, desc: MessageDesc, out: JsonObject = {}): JsonObject {
  while (!r.done()) {
    const tag = r.tag();
    const fd = desc.fields.get(tag.field);
    if (fd === undefined) {
      if (desc.strict) {
        throw new ProtobufUnsupportedError(
          `field ${tag.field} of ${desc.name} is not supported in protobuf request bodies; send the object as JSON (application/json)`,
        );
      }
      r.skip(tag.wire);
      continue;
    }
    decodeField(r, tag, desc, fd, out);
  }
  return out;
}

function decodeField(r: WireReader, tag: Tag, desc: MessageDesc, fd: FieldDesc, out: JsonObject): void {
  switch (fd.kind) {
    case 'scalar': {
      if (fd.repeated) {
        const list = arrayAt(out, fd.name);
        if (tag.wire === WIRE_LEN && fd.type !== 'string' && fd.type !== 'bytes') {
          // A packed run of varints.
          const packed = r.sub();
          while (!packed.done()) {
            list.push(readScalar(packed, fd.type));
          }
        } else {
          expectWire(tag, desc, wireOf(fd.type));
          list.push(readScalar(r, fd.type));
        }
        return;
      }
      expectWire(tag, desc, wireOf(fd.type));
      const v = readScalar(r, fd.type);
      if (fd.keep || !isZero(v)) {
        out[fd.name] = v;
      } else {
        delete out[fd.name];
      }
      return;
    }
    case 'special':
      expectWire(tag, desc, WIRE_LEN);
      out[fd.name] = readSpecial(r.sub(), fd.type);
      return;
    case 'message': {
      expectWire(tag, desc, WIRE_LEN);
      const sub = r.sub();
      if (fd.repeated) {
        arrayAt(out, fd.name).push(decodeMessage(sub, fd.message));
        return;
      }
      // A message field seen twice merges, as protobuf specifies.
      const prev = out[fd.name];
      out[fd.name] = decodeMessage(sub, fd.message, isObject(prev) ? prev : {});
      return;
    }
    case 'inline':
      expectWire(tag, desc, WIRE_LEN);
      decodeMessage(r.sub(), fd.message, out);
      return;
    case 'map': {
      expectWire(tag, desc, WIRE_LEN);
      const prev = out[fd.name];
      const map = isObject(prev) ? prev : {};
      const [key, value] = readMapEntry(r.sub(), fd.value);
      // defineProperty, so a key such as "__proto__" is an own property as JSON.parse makes it.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      out[fd.name] = map;
      return;
    }
  }
}

function readScalar(r: WireReader, type: ScalarType): string | number | boolean {
  switch (type) {
    case 'string':
      return r.string();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'bool':
      return r.bool();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
  }
}

function wireOf(type: ScalarType): number {
  return type === 'string' || type === 'bytes' ? WIRE_LEN : WIRE_VARINT;
}

function isZero(v: string | number | boolean): boolean {
  return v === '' || v === 0 || v === false;
}

function readSpecial(r: WireReader, type: SpecialType): unknown {
  switch (type) {
    case 'time':
      return readTime(r);
    case 'intOrString':
      return readIntOrString(r);
    case 'quantity':
      return readQuantity(r);
  }
}

/** meta/v1 Time: whole seconds in RFC 3339 (the JSON form drops nanoseconds); zero time is null. */
function readTime(r: WireReader): string | null {
  const start = r.offset;
  let seconds = 0;
  let nanos = 0;
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wire === WIRE_VARINT) {
      seconds = r.int64();
    } else if (tag.field === 2 && tag.wire === WIRE_VARINT) {
      nanos = r.int32();
    } else {
      r.skip(tag.wire);
    }
  }
  if (seconds === 0 && nanos === 0) {
    return null;
  }
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) {
    throw new ProtobufDecodeError(`time of ${seconds} seconds is out of range`, start);
  }
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readIntOrString(r: WireReader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wire === WIRE_VARINT) {
      type = r.int64();
    } else if (tag.field === 2 && tag.wire === WIRE_VARINT) {
      intVal = r.int32();
    } else if (tag.field === 3 && tag.wire === WIRE_LEN) {
      strVal = r.string();
    } else {
      r.skip(tag.wire);
    }
  }
  return type === 1 ? strVal : intVal;
}

function readQuantity(r: WireReader): string {
  let s = '0'; // a zero Quantity marshals as "0"
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wire === WIRE_LEN) {
      s = r.string();
    } else {
      r.skip(tag.wire);
    }
  }
  return s;
}

function readMapEntry(r: WireReader, valueType: MapValueType): [string, string] {
  let key = '';
  let value = valueType === 'quantity' ? '0' : '';
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wire === WIRE_LEN) {
      key = r.string();
    } else if (tag.field === 2 && tag.wire === WIRE_LEN) {
      if (valueType === 'string') {
        value = r.string();
      } else if (valueType === 'bytes') {
        value = Buffer.from(r.bytes()).toString('base64');
      } else {
        value = readQuantity(r.sub());
      }
    } else {
      r.skip(tag.wire);
    }
  }
  return [key, value];
}

function expectWire(tag: Tag, desc: MessageDesc, wire: number): void {
  if (tag.wire !== wire) {
    throw new ProtobufDecodeError(
      `field ${tag.field} of ${desc.name} has wire type ${tag.wire}, expected ${wire}`,
      tag.offset,
    );
  }
}

function arrayAt(out: JsonObject, name: string): unknown[] {
  const prev = out[name];
  if (Array.isArray(prev)) {
    return prev;
  }
  const list: unknown[] = [];
  out[name] = list;
  return list;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
