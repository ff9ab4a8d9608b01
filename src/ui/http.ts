// Request and response plumbing of the dashboard's endpoints: the headers every /ui answer carries,
// JSON bodies with a size cap and a field-by-field type check (400 naming the field), and errors
// as Kubernetes Status objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiError, errors } from '../api/errors.js';
import { readBody } from '../cluster/apiserver/http-util.js';

/** Requests to /ui/api carry small JSON bodies. */
export const MAX_UI_BODY_BYTES = 1024 * 1024;

export const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

/** Headers on every /ui answer: nothing from elsewhere, no sniffing, no framing by other sites. */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

export function sendStatus(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

export type FieldType = 'boolean' | 'string';

/**
 * Reads a JSON object body (an empty body is `{}`) and checks each field against `fields`:
 * unknown fields and wrong types are a 400 naming the field.
 */
export async function readJsonObject(
  req: IncomingMessage,
  fields: Readonly<Record<string, FieldType>>,
): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_UI_BODY_BYTES);
  const text = body.toString('utf8');
  if (text.trim() === '') {
    return {};
  }
  const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json' && ct !== 'text/plain' && ct !== '') {
    throw errors.unsupportedMediaType(`the request body must be application/json, not ${ct}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding JSON body: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.badRequest('the request body must be a JSON object');
  }
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    const want = fields[k];
    if (!want || !Object.hasOwn(fields, k)) {
      throw errors.badRequest(`unknown field "${k}" (allowed: ${Object.keys(fields).join(', ') || 'none'})`, [
        { field: k, message: 'unknown field', reason: 'FieldValueNotSupported' },
      ]);
    }
    if (v !== undefined && v !== null && typeof v !== want) {
      throw errors.badRequest(
        `field "${k}" must be a ${want}, not ${Array.isArray(v) ? 'array' : typeof v}`,
        [{ field: k, message: `must be a ${want}`, reason: 'FieldValueInvalid' }],
      );
    }
  }
  return obj;
}

/** An optional string field of a checked body. */
export function optString(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

export function optBool(o: Record<string, unknown>, k: string): boolean {
  return o[k] === true;
}
