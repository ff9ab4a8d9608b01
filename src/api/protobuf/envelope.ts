// The envelope Kubernetes wraps protobuf objects in: the 4 bytes "k8s\0", then a runtime.Unknown
// message {typeMeta(1) {apiVersion(1), kind(2)}, raw(2), contentEncoding(3), contentType(4)} whose
// `raw` holds the object's own message.
import { ProtobufDecodeError, WIRE_LEN, WireReader } from './wire.js';

export const K8S_PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

export interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly contentEncoding: string;
  readonly contentType: string;
  /** A reader over `raw`, positioned in the whole body so errors name body offsets. */
  readonly raw: WireReader;
}

export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length < K8S_PROTOBUF_MAGIC.length || K8S_PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError('not a Kubernetes protobuf body: it does not start with "k8s\\0"', 0);
  }
  const r = new WireReader(body, K8S_PROTOBUF_MAGIC.length);
  let apiVersion = '';
  let kind = '';
  let contentEncoding = '';
  let contentType = '';
  let raw = new WireReader(body, body.length);
  while (!r.done()) {
    const tag = r.tag();
    if (tag.wire !== WIRE_LEN) {
      r.skip(tag.wire);
      continue;
    }
    switch (tag.field) {
      case 1: {
        const tm = r.sub();
        while (!tm.done()) {
          const t = tm.tag();
          if (t.field === 1 && t.wire === WIRE_LEN) {
            apiVersion = tm.string();
          } else if (t.field === 2 && t.wire === WIRE_LEN) {
            kind = tm.string();
          } else {
            tm.skip(t.wire);
          }
        }
        break;
      }
      case 2:
        raw = r.sub();
        break;
      case 3:
        contentEncoding = r.string();
        break;
      case 4:
        contentType = r.string();
        break;
      default:
        r.skip(tag.wire);
    }
  }
  if (apiVersion === '' || kind === '') {
    throw new ProtobufDecodeError('the envelope names no apiVersion and kind', K8S_PROTOBUF_MAGIC.length);
  }
  return { apiVersion, kind, contentEncoding, contentType, raw };
}
