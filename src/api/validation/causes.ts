// Field errors in Kubernetes' shape: a field path (`spec.containers[0].image`), a reason
// (`FieldValueRequired`, …) and a message body (`Required value`, `Invalid value: "x": …`).
import type { StatusCause } from '../types.js';

export type FieldReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueNotFound'
  | 'FieldValueTooLong';

/** Field path helpers: child('spec', 'replicas'), index('spec.containers', 0), key('data', 'a.b'). */
export function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** How a value shows in a message: strings quoted, numbers and booleans bare, small objects as JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') {
    return JSON.stringify(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) {
    return String(v);
  }
  try {
    const json = JSON.stringify(v);
    return json.length <= 256 ? json : '"object"';
  } catch {
    return '"object"';
  }
}

function cause(field: string, reason: FieldReason, message: string): StatusCause {
  return { field, reason, message };
}

export function required(field: string, detail = ''): StatusCause {
  return cause(field, 'FieldValueRequired', detail ? `Required value: ${detail}` : 'Required value');
}

export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return cause(
    field,
    'FieldValueInvalid',
    `Invalid value: ${showValue(value)}${detail ? `: ${detail}` : ''}`,
  );
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return cause(
    field,
    'FieldValueNotSupported',
    `Unsupported value: ${showValue(value)}: supported values: ${list}`,
  );
}

export function duplicate(field: string, value: unknown): StatusCause {
  return cause(field, 'FieldValueDuplicate', `Duplicate value: ${showValue(value)}`);
}

export function forbidden(field: string, detail: string): StatusCause {
  return cause(field, 'FieldValueForbidden', `Forbidden: ${detail}`);
}

export function notFound(field: string, value: unknown): StatusCause {
  return cause(field, 'FieldValueNotFound', `Not found: ${showValue(value)}`);
}

export function tooLong(field: string, max: number): StatusCause {
  return cause(field, 'FieldValueTooLong', `Too long: must have at most ${max} bytes`);
}

/** One Invalid cause per problem a name check reported (checks return [] when the value is fine). */
export function invalidEach(field: string, value: unknown, problems: readonly string[]): StatusCause[] {
  return problems.map((p) => invalid(field, value, p));
}

export const IMMUTABLE = 'field is immutable';

/** Structural equality of JSON values (key order does not matter; undefined members are ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) {
    return false;
  }
  return ka.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]));
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** `≥ 0` integer check for optional fields. */
export function nonNegative(field: string, v: unknown): StatusCause[] {
  if (v === undefined || v === null) {
    return [];
  }
  if (!isInt(v)) {
    return [invalid(field, v, 'must be an integer')];
  }
  return v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

/** `> 0` integer check for optional fields. */
export function positive(field: string, v: unknown): StatusCause[] {
  if (v === undefined || v === null) {
    return [];
  }
  if (!isInt(v)) {
    return [invalid(field, v, 'must be an integer')];
  }
  return v <= 0 ? [invalid(field, v, 'must be greater than 0')] : [];
}

/** Optional enum check. */
export function oneOf(field: string, v: unknown, supported: readonly string[]): StatusCause[] {
  if (v === undefined || v === null) {
    return [];
  }
  return typeof v === 'string' && supported.includes(v) ? [] : [notSupported(field, v, supported)];
}
