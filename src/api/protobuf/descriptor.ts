// Message descriptors: small tables from a protobuf field number to the JSON field name and how to
// read it. The tables (meta.ts, core*.ts, apps.ts, batch.ts) are written with the builders below.
//
// JSON presence follows Kubernetes' Go types, because the decoded object must equal what kubectl
// would have sent as JSON. The generated Go marshallers write every non-pointer field, zero or not;
// Go's JSON drops the zero ones tagged `omitempty`. So a scalar is dropped when zero unless `keep`
// is set: for a Go pointer (`PTR`: present means set, e.g. `replicas: 0`) and for a field without
// `omitempty` (`REQ`, e.g. a container's `name`). Messages, repeated fields and maps appear when
// present on the wire, as in JSON (a non-pointer struct is always marshalled, e.g. `resources: {}`).

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';
/** Well-known Kubernetes messages with their own JSON form. */
export type SpecialType = 'time' | 'intOrString' | 'quantity';
export type MapValueType = 'string' | 'bytes' | 'quantity';

export type FieldDesc =
  | {
      readonly kind: 'scalar';
      readonly name: string;
      readonly type: ScalarType;
      readonly repeated: boolean;
      readonly keep: boolean;
    }
  | { readonly kind: 'special'; readonly name: string; readonly type: SpecialType }
  | {
      readonly kind: 'message';
      readonly name: string;
      readonly message: MessageDesc;
      readonly repeated: boolean;
    }
  /** An embedded Go struct (`json:",inline"`): its fields land in the parent's JSON object. */
  | { readonly kind: 'inline'; readonly message: MessageDesc }
  | { readonly kind: 'map'; readonly name: string; readonly value: MapValueType };

export interface MessageDesc {
  /** The protobuf message name, for error messages. */
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldDesc>;
  /**
   * Unknown fields are skipped, except in a strict message, where one is refused: used where
   * skipping would silently change what the object means (a volume of a type not listed here).
   */
  readonly strict: boolean;
}

export function message(
  name: string,
  fields: Readonly<Record<number, FieldDesc>>,
  opts: { strict?: boolean } = {},
): MessageDesc {
  const map = new Map<number, FieldDesc>();
  for (const [k, v] of Object.entries(fields)) {
    map.set(Number(k), v);
  }
  return { name, fields: map, strict: opts.strict ?? false };
}

/** Presence flags for scalars: both mean "emit whenever present on the wire, even if zero". */
export const PTR = true;
export const REQ = true;

function scalar(type: ScalarType, repeated: boolean) {
  return (name: string, keep = false): FieldDesc => ({ kind: 'scalar', name, type, repeated, keep });
}

export const str = scalar('string', false);
export const int32 = scalar('int32', false);
export const int64 = scalar('int64', false);
export const bool = scalar('bool', false);
export const bytes = scalar('bytes', false);
export const strs = scalar('string', true);
export const int32s = scalar('int32', true);
export const int64s = scalar('int64', true);

export const msg = (name: string, m: MessageDesc): FieldDesc => ({
  kind: 'message',
  name,
  message: m,
  repeated: false,
});
export const msgs = (name: string, m: MessageDesc): FieldDesc => ({
  kind: 'message',
  name,
  message: m,
  repeated: true,
});
export const inline = (m: MessageDesc): FieldDesc => ({ kind: 'inline', message: m });

/** meta/v1 Time {seconds(1), nanos(2)} → RFC 3339 string, or null for the zero time. */
export const time = (name: string): FieldDesc => ({ kind: 'special', name, type: 'time' });
/** util/intstr IntOrString {type(1), intVal(2), strVal(3)} → number or string. */
export const intOrString = (name: string): FieldDesc => ({ kind: 'special', name, type: 'intOrString' });
/** api/resource Quantity {string(1)} → string. */
export const quantity = (name: string): FieldDesc => ({ kind: 'special', name, type: 'quantity' });

export const stringMap = (name: string): FieldDesc => ({ kind: 'map', name, value: 'string' });
/** map<string, bytes>: values become base64 strings, as Go's JSON writes []byte. */
export const bytesMap = (name: string): FieldDesc => ({ kind: 'map', name, value: 'bytes' });
/** A ResourceList: map<string, Quantity>. */
export const quantityMap = (name: string): FieldDesc => ({ kind: 'map', name, value: 'quantity' });
