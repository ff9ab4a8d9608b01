// Request/response plumbing for the API server: bodies with a size cap, JSON and Status replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../api/errors.js';
import { MAX_JSON_DEPTH, scanJson } from '../../api/json-scan.js';
import {
  decodeK8sProtobuf,
  isProtobufContentType,
  ProtobufDecodeError,
  ProtobufUnsupportedError,
} from '../../api/protobuf/index.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024; // Kubernetes' request size limit

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge(`the request body is ${declared} bytes, more than the limit of ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge(`the request body is more than the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Walks a parsed value iteratively and refuses nesting past MAX_JSON_DEPTH (YAML bodies). */
function checkParsedDepth(v: unknown): void {
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x !== null && typeof x === 'object') {
      if (d > MAX_JSON_DEPTH) {
        throw errors.badRequest(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
      for (const c of Object.values(x)) {
        stack.push([c, d + 1]);
      }
    }
  }
}

/** Refuses JSON text nested past the limit, and under strict validation, duplicate keys. */
export function checkJsonText(text: string, strict: boolean): void {
  const scan = scanJson(text, { duplicates: strict });
  if (scan.depth > MAX_JSON_DEPTH) {
    const at = scan.tooDeepAt ?? '';
    throw errors.badRequest(
      `the request body nests deeper than ${MAX_JSON_DEPTH} levels${at ? ` at ${at}` : ''}`,
      [{ field: at, message: `nested deeper than ${MAX_JSON_DEPTH} levels`, reason: 'FieldValueInvalid' }],
    );
  }
  if (scan.duplicates.length > 0) {
    throw errors.badRequest(
      `strict decoding error: ${scan.duplicates.map((d) => `duplicate field "${d}"`).join(', ')}`,
      scan.duplicates.map((d) => ({
        field: d,
        message: `duplicate field "${d}"`,
        reason: 'FieldValueDuplicate',
      })),
    );
  }
}

/**
 * Parses a JSON (or, for application/yaml, YAML) request body; 400 naming the position on
 * failure. `strict` (fieldValidation=Strict) also refuses duplicate keys.
 */
export async function parseJsonBody(
  body: Buffer,
  contentType: string | undefined,
  strict = false,
): Promise<unknown> {
  if (isProtobufContentType(contentType)) {
    // kubectl create sends built-in kinds as Kubernetes protobuf
    try {
      return decodeK8sProtobuf(body);
    } catch (e) {
      if (e instanceof ProtobufUnsupportedError) {
        throw errors.unsupportedMediaType(e.message);
      }
      if (e instanceof ProtobufDecodeError) {
        throw errors.badRequest(`error decoding protobuf body: ${e.message}`);
      }
      throw e;
    }
  }
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw errors.badRequest('the request body is empty');
  }
  const mt = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (mt === 'application/yaml' || mt === 'application/x-yaml') {
    const { parseDocument } = await import('yaml');
    let value: unknown;
    try {
      const doc = parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length > 0) {
        throw doc.errors[0];
      }
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw errors.badRequest(`error decoding YAML body: ${(e as Error).message}`);
    }
    checkParsedDepth(value);
    return value;
  }
  if (mt !== 'application/json' && mt !== '*/*' && mt !== '') {
    throw errors.unsupportedMediaType(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  }
  checkJsonText(text, strict);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding JSON body: ${(e as Error).message}`);
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err =
    e instanceof ApiError ? e : errors.internal(`internal error: ${(e as Error)?.message ?? String(e)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

export function queryFlag(v: string | null): boolean {
  return v === 'true' || v === '1';
}
