// Bad bodies: each is refused with a specific error, and no byte sequence makes the decoder hang,
// over-allocate or fail with anything but its own two error types.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeK8sProtobuf,
  isProtobufContentType,
  PROTOBUF_CONTENT_TYPE,
  ProtobufDecodeError,
  ProtobufUnsupportedError,
  supportedProtobufKinds,
} from '../../../src/api/protobuf/index.js';
import { bytes, envelope, str, sub, varint } from './proto-writer.js';

const MAGIC = Buffer.from('k8s\0', 'latin1');

describe('envelope', () => {
  it('refuses a body without the k8s\\0 prefix', () => {
    expect(() => decodeK8sProtobuf(Buffer.from('{"kind":"Namespace"}'))).toThrow(
      'protobuf: not a Kubernetes protobuf body: it does not start with "k8s\\0" at offset 0',
    );
    expect(() => decodeK8sProtobuf(Buffer.from('k8s'))).toThrow(ProtobufDecodeError);
    expect(() => decodeK8sProtobuf(Buffer.alloc(0))).toThrow(ProtobufDecodeError);
  });

  it('refuses an envelope that names no kind', () => {
    const body = Buffer.concat([MAGIC, sub(1, str(1, 'v1')), bytes(2, new Uint8Array())]);
    expect(() => decodeK8sProtobuf(body)).toThrow(
      'protobuf: the envelope names no apiVersion and kind at offset 4',
    );
  });

  it('names the kinds it supports when given another one, and points to JSON', () => {
    const body = envelope('apps/v1', 'ControllerRevision', sub(1, str(1, 'r')));
    expect(() => decodeK8sProtobuf(body)).toThrow(ProtobufUnsupportedError);
    expect(() => decodeK8sProtobuf(body)).toThrow(
      /^protobuf request bodies are supported for v1 Namespace, .*apps\/v1 Deployment.*batch\/v1 Job; send apps\/v1 ControllerRevision as JSON \(application\/json\) instead$/,
    );
    expect(supportedProtobufKinds()).toContain('v1 ConfigMap');
  });

  it('refuses a content encoding or a non-protobuf payload', () => {
    const gz = envelope('v1', 'Namespace', sub(1, str(1, 'x')), [str(3, 'gzip')]);
    expect(() => decodeK8sProtobuf(gz)).toThrow(/content encoding "gzip" is not supported/);
    const json = envelope('v1', 'Namespace', sub(1, str(1, 'x')), [str(4, 'application/json')]);
    expect(() => decodeK8sProtobuf(json)).toThrow(/holds "application\/json", not a protobuf object/);
  });

  it('gives an object without metadata an empty one', () => {
    expect(decodeK8sProtobuf(envelope('v1', 'Namespace', new Uint8Array()))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {},
    });
  });
});

describe('malformed objects', () => {
  // Offsets: 4 magic + typeMeta (2 + 2+2 + 2+9 = 17 bytes) = 21; raw's tag and length take 2 more.
  const RAW_START = 23;

  it('names the offset of a truncated varint inside the object', () => {
    const raw = Uint8Array.from([0x0a, 0x03, 0x38, 0x96, 0x96]); // metadata { generation: <truncated> }
    const body = Buffer.concat([MAGIC, sub(1, str(1, 'v1'), str(2, 'Namespace')), bytes(2, raw)]);
    expect(() => decodeK8sProtobuf(body)).toThrow(`protobuf: truncated varint at offset ${RAW_START + 3}`);
  });

  it('names the offset of a length that runs past its message', () => {
    const raw = Uint8Array.from([0x0a, 0x03, 0x0a, 0x64, 0x41]); // metadata { name: <100 bytes?> }
    const body = Buffer.concat([MAGIC, sub(1, str(1, 'v1'), str(2, 'Namespace')), bytes(2, raw)]);
    expect(() => decodeK8sProtobuf(body)).toThrow(
      `protobuf: length 100 runs past the end of the message (1 bytes left) at offset ${RAW_START + 3}`,
    );
  });

  it('refuses a known field with the wrong wire type', () => {
    const body = envelope('v1', 'Namespace', varint(1, 5));
    expect(() => decodeK8sProtobuf(body)).toThrow(
      `protobuf: field 1 of Namespace has wire type 0, expected 2 at offset ${RAW_START}`,
    );
  });

  it('refuses a time outside the calendar', () => {
    const body = envelope('v1', 'Namespace', sub(1, sub(8, varint(1, 2 ** 50))));
    expect(() => decodeK8sProtobuf(body)).toThrow(/time of 1125899906842624 seconds is out of range/);
  });

  it('fails every truncation of a real kubectl body with a decode error, bar the field boundaries', () => {
    const full = readFileSync(join(import.meta.dirname, 'testdata/deployment.bin'));
    const decoded: number[] = [];
    for (let n = 0; n < full.length; n++) {
      try {
        decodeK8sProtobuf(full.subarray(0, n));
        decoded.push(n);
      } catch (e) {
        expect(e, `cut at ${n}`).toBeInstanceOf(ProtobufDecodeError);
      }
    }
    // The envelope's fields are all optional: a cut right after typeMeta, after raw or after the
    // empty contentEncoding still parses. Every cut inside a field is an error.
    expect(decoded).toEqual([27, full.length - 4, full.length - 2]);
  });

  it('never throws anything but its own errors on arbitrary bytes', () => {
    const kinds = ['Namespace', 'Pod', 'Deployment', 'Job', 'Service'];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 300 }), (kind, raw) => {
        const apiVersion = kind === 'Deployment' ? 'apps/v1' : kind === 'Job' ? 'batch/v1' : 'v1';
        try {
          decodeK8sProtobuf(envelope(apiVersion, kind, raw));
        } catch (e) {
          expect(e instanceof ProtobufDecodeError || e instanceof ProtobufUnsupportedError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('survives random byte flips in real kubectl bodies', () => {
    const full = readFileSync(join(import.meta.dirname, 'testdata/deployment.bin'));
    fc.assert(
      fc.property(fc.nat(full.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const b = Buffer.from(full);
        b[at] = value;
        try {
          decodeK8sProtobuf(b);
        } catch (e) {
          expect(e instanceof ProtobufDecodeError || e instanceof ProtobufUnsupportedError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('content type', () => {
  it('recognises the protobuf media type with or without parameters', () => {
    expect(PROTOBUF_CONTENT_TYPE).toBe('application/vnd.kubernetes.protobuf');
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobufContentType('Application/Vnd.Kubernetes.Protobuf; charset=binary')).toBe(true);
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf;stream=watch')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
    expect(isProtobufContentType(undefined)).toBe(false);
  });
});
