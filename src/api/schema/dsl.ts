// A tiny schema language for the object shapes Gantry serves. Plain data: the same tree drives
// field validation (validate.ts), strategic-merge list metadata (strategy.ts) and the OpenAPI v3
// documents kubectl reads (openapi.ts). An object schema with a `name` becomes a named OpenAPI
// component; everything else is inlined.

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys';
export type ListType = 'atomic' | 'set' | 'map';

export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

interface Described {
  readonly description?: string;
}

export interface StringSchema extends Described {
  readonly type: 'string';
  readonly format?: 'date-time' | 'byte';
  readonly enum?: readonly string[];
}

export interface IntegerSchema extends Described {
  readonly type: 'integer';
  readonly format: 'int32' | 'int64';
}

export interface NumberSchema extends Described {
  readonly type: 'number';
}

export interface BooleanSchema extends Described {
  readonly type: 'boolean';
}

export interface ObjectSchema extends Described {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  /** OpenAPI component name, e.g. `io.k8s.api.core.v1.Container`. */
  readonly name?: string;
  /** Set on top-level kinds. */
  readonly gvk?: readonly Gvk[];
  /** Strategic merge: clear sibling keys the patch does not mention (like Deployment `strategy`). */
  readonly retainKeys?: boolean;
  /** `atomic`: replaced as a whole by a merge (like LabelSelector). */
  readonly mapType?: 'atomic';
}

export interface ArraySchema extends Described {
  readonly type: 'array';
  readonly items: Schema;
  /** Strategic merge: the key that identifies an element (x-kubernetes-patch-merge-key). */
  readonly mergeKey?: string;
  /** Strategic merge: how the list merges (x-kubernetes-patch-strategy); absent means replace. */
  readonly strategy?: 'merge' | 'replace';
  /** Strategic merge: elements keep only the keys the patch names (volumes: "merge,retainKeys"). */
  readonly retainKeys?: boolean;
  readonly listType?: ListType;
  readonly mapKeys?: readonly string[];
}

export interface MapSchema extends Described {
  readonly type: 'map';
  readonly values: Schema;
  readonly mapType?: 'atomic';
}

export interface IntOrStringSchema extends Described {
  readonly type: 'intOrString';
}

export interface QuantitySchema extends Described {
  readonly type: 'quantity';
}

/** A free-form JSON object: anything below it is accepted as is. */
export interface PreserveUnknownSchema extends Described {
  readonly type: 'preserveUnknown';
}

export type Schema =
  | StringSchema
  | IntegerSchema
  | NumberSchema
  | BooleanSchema
  | ObjectSchema
  | ArraySchema
  | MapSchema
  | IntOrStringSchema
  | QuantitySchema
  | PreserveUnknownSchema;

// ---- constructors -------------------------------------------------------------------------

export const str = (description?: string): StringSchema =>
  description === undefined ? { type: 'string' } : { type: 'string', description };
/** RFC 3339 timestamp (metav1.Time / MicroTime). */
export const time = (): StringSchema => ({ type: 'string', format: 'date-time' });
/** Base64 data (Secret `data`, ConfigMap `binaryData`). */
export const bytes = (): StringSchema => ({ type: 'string', format: 'byte' });
export const enumOf = (...values: string[]): StringSchema => ({ type: 'string', enum: values });
export const int32 = (): IntegerSchema => ({ type: 'integer', format: 'int32' });
export const int64 = (): IntegerSchema => ({ type: 'integer', format: 'int64' });
export const num = (): NumberSchema => ({ type: 'number' });
export const bool = (): BooleanSchema => ({ type: 'boolean' });
export const intOrString = (): IntOrStringSchema => ({ type: 'intOrString' });
export const quantity = (): QuantitySchema => ({ type: 'quantity' });
export const free = (description?: string): PreserveUnknownSchema =>
  description === undefined ? { type: 'preserveUnknown' } : { type: 'preserveUnknown', description };

export function obj(
  properties: Record<string, Schema>,
  opts: {
    required?: string[];
    name?: string;
    description?: string;
    retainKeys?: boolean;
    mapType?: 'atomic';
    gvk?: Gvk[];
  } = {},
): ObjectSchema {
  return { type: 'object', properties, ...opts };
}

export function arr(items: Schema, opts: Omit<ArraySchema, 'type' | 'items'> = {}): ArraySchema {
  return { type: 'array', items, ...opts };
}

export const map = (values: Schema, mapType?: 'atomic'): MapSchema =>
  mapType ? { type: 'map', values, mapType } : { type: 'map', values };
export const stringMap = (mapType?: 'atomic'): MapSchema => map(str(), mapType);
export const quantityMap = (): MapSchema => map(quantity());

/** A list replaced as a whole by strategic merge (the Kubernetes default). */
export const atomicList = (items: Schema): ArraySchema => arr(items, { listType: 'atomic' });

/** A list of strings merged as a set (like `finalizers`). */
export const setList = (items: Schema = str()): ArraySchema =>
  arr(items, { strategy: 'merge', listType: 'set' });

/**
 * A list of objects merged element by element, matched on `key` (like `containers` by `name`).
 * `mapKeys` are the list-map keys for server-side apply when they differ from the merge key.
 */
export function keyedList(
  items: Schema,
  key: string,
  opts: { mapKeys?: string[]; retainKeys?: boolean; listType?: ListType } = {},
): ArraySchema {
  const listType = opts.listType ?? 'map';
  return arr(items, {
    mergeKey: key,
    strategy: 'merge',
    listType,
    ...(listType === 'map' ? { mapKeys: opts.mapKeys ?? [key] } : {}),
    ...(opts.retainKeys ? { retainKeys: true } : {}),
  });
}

export function withDescription<T extends Schema>(schema: T, description: string): T {
  return { ...schema, description };
}
