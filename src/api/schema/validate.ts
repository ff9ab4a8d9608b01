// Field validation of a decoded JSON object against its schema, the way the Kubernetes API server
// checks a request body: unknown fields (reported per `fieldValidation` mode) and wrong JSON types.
// Wrong types are errors in every mode: Kubernetes fails to decode such a body whatever the mode,
// and letting `replicas: "three"` into the store would break every controller that reads it.
// Duplicate keys cannot be seen after JSON.parse; the caller's decoder must catch those.
import type { StatusCause } from '../types.js';
import type { Schema } from './dsl.js';

export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

export interface FieldProblems {
  errors: StatusCause[];
  warnings: string[];
}

// Quantity grammar: signed decimal, then a binary/decimal SI suffix or a decimal exponent.
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type name Kubernetes prints for a value ("integer" for whole numbers). */
export function jsonTypeOf(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'array';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) ? 'integer' : 'number';
  }
  return typeof v;
}

export function fieldPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

class Walker {
  readonly errors: StatusCause[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly mode: FieldValidationMode) {}

  unknown(path: string): void {
    const message = `unknown field "${path}"`;
    if (this.mode === 'Strict') {
      this.errors.push({ field: path, reason: 'FieldValueInvalid', message });
    } else if (this.mode === 'Warn') {
      this.warnings.push(message);
    }
  }

  wrongType(path: string, value: unknown, expected: string): void {
    const where = path === '' ? 'body' : `${path} in body`;
    this.errors.push({
      field: path,
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: "${jsonTypeOf(value)}": ${where} must be of type ${expected}`,
    });
  }

  invalid(path: string, message: string): void {
    this.errors.push({ field: path, reason: 'FieldValueInvalid', message });
  }

  walk(v: unknown, s: Schema, path: string): void {
    if (v === null || v === undefined) {
      return; // null means "unset", as in Kubernetes
    }
    switch (s.type) {
      case 'string':
        if (typeof v !== 'string') {
          this.wrongType(path, v, 'string');
        } else if (s.format === 'byte' && !BASE64.test(v.replace(/[\r\n]/g, ''))) {
          // Never echo the value: this is usually Secret data.
          this.invalid(
            path,
            `Invalid value: "string": ${path} in body must be of type byte (base64-encoded data)`,
          );
        }
        return;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          this.wrongType(path, v, 'integer');
        } else if (s.format === 'int32' ? v < -2147483648 || v > 2147483647 : !Number.isSafeInteger(v)) {
          // as Kubernetes' decoder: a number that does not fit the Go field is a decode error
          this.invalid(
            path,
            `Invalid value: ${v}: ${path} in body must fit in ${s.format === 'int32' ? 'int32' : 'int64'}`,
          );
        }
        return;
      case 'number':
        if (typeof v !== 'number') {
          this.wrongType(path, v, 'number');
        }
        return;
      case 'boolean':
        if (typeof v !== 'boolean') {
          this.wrongType(path, v, 'boolean');
        }
        return;
      case 'intOrString':
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
          this.wrongType(path, v, 'integer or string');
        }
        return;
      case 'quantity':
        if (typeof v === 'number') {
          return;
        }
        if (typeof v !== 'string') {
          this.wrongType(path, v, 'string or number');
        } else if (!QUANTITY.test(v)) {
          this.invalid(
            path,
            `Invalid value: ${JSON.stringify(v)}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
          );
        }
        return;
      case 'preserveUnknown':
        if (!isPlainObject(v)) {
          this.wrongType(path, v, 'object');
        }
        return;
      case 'map':
        if (!isPlainObject(v)) {
          this.wrongType(path, v, 'object');
          return;
        }
        for (const [k, item] of Object.entries(v)) {
          this.walk(item, s.values, `${path}[${k}]`);
        }
        return;
      case 'array':
        if (!Array.isArray(v)) {
          this.wrongType(path, v, 'array');
          return;
        }
        v.forEach((item, i) => {
          this.walk(item, s.items, `${path}[${i}]`);
        });
        return;
      case 'object':
        if (!isPlainObject(v)) {
          this.wrongType(path, v, 'object');
          return;
        }
        for (const [k, item] of Object.entries(v)) {
          const p = fieldPath(path, k);
          const prop = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
          if (prop) {
            this.walk(item, prop, p);
          } else {
            this.unknown(p);
          }
        }
        return;
    }
  }
}

/** Checks `value` against `schema`; `path` prefixes every reported field path. */
export function validateValue(
  value: unknown,
  schema: Schema,
  mode: FieldValidationMode,
  path = '',
): FieldProblems {
  const w = new Walker(mode);
  w.walk(value, schema, path);
  return { errors: w.errors, warnings: w.warnings };
}
