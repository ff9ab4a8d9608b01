// src/api/schema: one schema source for every kind Gantry serves. From it come strict field
// validation of request bodies, the list merge keys strategic merge patch needs, and the OpenAPI
// v3 documents kubectl reads (`/openapi/v3`). Pure data and functions: no I/O, no store access.
import type { Schema } from './dsl.js';
import { lookupSchema } from './registry.js';
import { type ListStrategy, listStrategyOf, schemaAtPath } from './strategy.js';
import { type FieldProblems, type FieldValidationMode, validateValue } from './validate.js';

export type { Schema } from './dsl.js';
export {
  openApiV3GroupVersion,
  openApiV3GroupVersionJson,
  openApiV3PathKey,
  openApiV3Root,
} from './openapi.js';
export { resourceSchemas } from './registry.js';
export type { ListStrategy } from './strategy.js';
export type { FieldProblems, FieldValidationMode } from './validate.js';

/** The schema of a served kind (or of Status, DeleteOptions, autoscaling/v1 Scale, v1 Binding). */
export function schemaFor(apiVersion: string, kind: string): Schema | undefined {
  return lookupSchema(apiVersion, kind);
}

/**
 * Checks a decoded request body against its kind's schema. Unknown fields are errors in Strict,
 * warnings in Warn and ignored in Ignore; a wrong JSON type (or a malformed quantity or base64
 * value) is an error in every mode, as Kubernetes cannot decode such a body either. Unknown kinds
 * yield no problems (the caller rejects those itself).
 */
export function validateFields(
  obj: unknown,
  apiVersion: string,
  kind: string,
  mode: FieldValidationMode,
): FieldProblems {
  const schema = lookupSchema(apiVersion, kind);
  if (!schema) {
    return { errors: [], warnings: [] };
  }
  return validateValue(obj, schema, mode);
}

/** The schema at a JSON path in a kind (numeric segments step into list elements). */
export function schemaAt(
  apiVersion: string,
  kind: string,
  path: readonly (string | number)[],
): Schema | undefined {
  const schema = lookupSchema(apiVersion, kind);
  return schema ? schemaAtPath(schema, path) : undefined;
}

/**
 * How the list (or retainKeys object) at `path` merges in a strategic merge patch, e.g.
 * `['spec','template','spec','containers']` -> `{ strategy: 'merge', mergeKey: 'name' }`.
 * Lists without merge metadata are `{ strategy: 'replace' }`; unknown paths are undefined.
 */
export function listStrategyAt(
  apiVersion: string,
  kind: string,
  path: readonly (string | number)[],
): ListStrategy | undefined {
  const schema = lookupSchema(apiVersion, kind);
  return schema ? listStrategyOf(schema, path) : undefined;
}
