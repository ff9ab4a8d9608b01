// The admission chain every write passes, pure apart from the reads it is handed:
// decode checks → field validation (schema) → defaulting → semantic validation.
// Nothing is stored when any step rejects (the registry writes only after admit()).
import { applyDefaults } from '../../api/defaults/index.js';
import { errors } from '../../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { validateFields } from '../../api/schema/index.js';
import type { KObject } from '../../api/types.js';
import { validateObject } from '../../api/validation/index.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | undefined): FieldValidation {
  if (v === undefined || v === '') {
    return 'Warn';
  }
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') {
    return v;
  }
  throw errors.badRequest(`fieldValidation "${v}" is not supported: use Strict, Warn or Ignore`);
}

/** Checks the body is an object of this resource's kind; fills apiVersion/kind when absent. */
export function checkShape(info: ResourceInfo, body: unknown): KObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.badRequest(`the request body must be a JSON object of kind ${info.kind}`);
  }
  const obj = body as KObject;
  const want = apiVersionOf(info);
  if (obj.kind !== undefined && obj.kind !== info.kind) {
    throw errors.badRequest(
      `the kind in the data ("${String(obj.kind)}") does not match the expected kind ("${info.kind}") for ${info.plural}`,
    );
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw errors.badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`,
    );
  }
  const meta = obj.metadata ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw errors.badRequest(
      `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: metadata must be an object`,
      [{ field: 'metadata', message: 'Invalid value: must be an object', reason: 'FieldValueTypeInvalid' }],
    );
  }
  // a shallow copy: the caller's object is never changed
  return { ...obj, kind: info.kind, apiVersion: want, metadata: meta };
}

/** Schema check, defaults, semantic validation. Throws 422 naming every bad field. */
export function admit(
  info: ResourceInfo,
  obj: KObject,
  mode: FieldValidation,
  warnings: string[],
  old?: KObject,
): void {
  const t = { group: info.group, kind: info.kind, name: obj.metadata.name ?? obj.metadata.generateName };
  const fv = validateFields(obj, obj.apiVersion, obj.kind, mode);
  if (fv.errors.length > 0) {
    // As Kubernetes: a body that does not decode (unknown field under Strict, wrong JSON type) is a
    // 400 BadRequest naming each field, before defaulting and semantic validation (422).
    const strict = fv.errors.some((c) => c.message.startsWith('unknown field'));
    throw errors.badRequest(
      `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${strict ? 'strict decoding error: ' : ''}${fv.errors
        .map((c) => c.message)
        .join(', ')}`,
      fv.errors,
    );
  }
  warnings.push(...fv.warnings);
  applyDefaults(obj);
  const causes = validateObject(obj, old);
  if (causes.length > 0) {
    throw errors.invalid(t, causes);
  }
}
