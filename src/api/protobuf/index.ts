// Kubernetes' protobuf encoding, decode side only: turns a request body that stock kubectl sends
// as `application/vnd.kubernetes.protobuf` (every `kubectl create <kind>` subcommand) into the same
// JSON object shape a JSON body would have produced, so the API server handles both alike.
// It must not do I/O, and it never encodes: responses stay JSON, which kubectl also accepts.
//
// The decoded object equals what kubectl's JSON would carry, field for field: zero values that Go's
// JSON omits are omitted, pointers that are set are kept even when zero (`replicas: 0`), and a zero
// creationTimestamp is `null`. Status is not decoded (create ignores it) beyond a Namespace's phase:
// it reads as `{}`, as in kubectl's JSON for a new object.
import type { KObject } from '../types.js';
import { decodeMessage, ProtobufUnsupportedError } from './decode.js';
import { readEnvelope } from './envelope.js';
import { PROTOBUF_KINDS } from './kinds.js';

export { ProtobufUnsupportedError } from './decode.js';
export { ProtobufDecodeError } from './wire.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** True for `application/vnd.kubernetes.protobuf` with or without parameters. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

/** "apiVersion Kind" of every object a protobuf body may carry, e.g. "apps/v1 Deployment". */
export function supportedProtobufKinds(): string[] {
  return [...PROTOBUF_KINDS.keys()];
}

/**
 * Decodes a `k8s\0`-prefixed protobuf request body. Throws ProtobufDecodeError (malformed bytes:
 * answer 400) or ProtobufUnsupportedError (a kind or field the tables do not cover: answer 415).
 */
export function decodeK8sProtobuf(body: Uint8Array): KObject {
  const env = readEnvelope(body);
  const desc = PROTOBUF_KINDS.get(`${env.apiVersion} ${env.kind}`);
  if (desc === undefined) {
    throw new ProtobufUnsupportedError(
      `protobuf request bodies are supported for ${supportedProtobufKinds().join(', ')}; ` +
        `send ${env.apiVersion} ${env.kind} as JSON (application/json) instead`,
    );
  }
  if (env.contentEncoding !== '') {
    throw new ProtobufUnsupportedError(
      `protobuf content encoding "${env.contentEncoding}" is not supported; send the object as JSON (application/json)`,
    );
  }
  if (env.contentType !== '' && !isProtobufContentType(env.contentType)) {
    throw new ProtobufUnsupportedError(
      `the protobuf envelope holds "${env.contentType}", not a protobuf object; send it as JSON (application/json)`,
    );
  }
  const decoded = decodeMessage(env.raw, desc);
  return { apiVersion: env.apiVersion, kind: env.kind, metadata: {}, ...decoded } as KObject;
}
