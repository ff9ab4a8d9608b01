// DSL schema -> OpenAPI v3 schema objects. Named object schemas become `components.schemas`
// entries referenced with `$ref`; the Kubernetes vendor extensions carry list and patch metadata.
import type { ObjectSchema, Schema } from './dsl.js';

export type Json = Record<string, unknown>;

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export const refTo = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** Collects the components one document needs, converting each named schema once. */
export class Components {
  readonly schemas: Record<string, Json> = {};
  private readonly seen = new Map<string, Schema>();

  /** The OpenAPI form of `s`, registering any named objects it reaches. */
  of(s: Schema): Json {
    switch (s.type) {
      case 'string':
        return withDescription(
          {
            type: 'string',
            ...(s.format ? { format: s.format } : {}),
            ...(s.enum ? { enum: [...s.enum] } : {}),
          },
          s.description,
        );
      case 'integer':
        return withDescription({ type: 'integer', format: s.format }, s.description);
      case 'number':
        return withDescription({ type: 'number', format: 'double' }, s.description);
      case 'boolean':
        return withDescription({ type: 'boolean' }, s.description);
      case 'intOrString':
        return this.named(INT_OR_STRING, s, () => ({
          description: 'An integer or a string (such as a port number or name, or a percentage).',
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          'x-kubernetes-int-or-string': true,
        }));
      case 'quantity':
        return this.named(QUANTITY, s, () => ({
          description: 'A fixed-point amount such as "100m", "1.5", "128Mi" or "2Gi".',
          oneOf: [{ type: 'string' }, { type: 'number' }],
        }));
      case 'preserveUnknown':
        return withDescription(
          { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          s.description,
        );
      case 'map':
        return withDescription(
          {
            type: 'object',
            additionalProperties: this.of(s.values),
            ...(s.mapType ? { 'x-kubernetes-map-type': s.mapType } : {}),
          },
          s.description,
        );
      case 'array': {
        const out: Json = { type: 'array', items: this.of(s.items) };
        if (s.listType) {
          out['x-kubernetes-list-type'] = s.listType;
        }
        if (s.mapKeys) {
          out['x-kubernetes-list-map-keys'] = [...s.mapKeys];
        }
        if (s.mergeKey) {
          out['x-kubernetes-patch-merge-key'] = s.mergeKey;
        }
        if (s.strategy === 'merge') {
          out['x-kubernetes-patch-strategy'] = s.retainKeys ? 'merge,retainKeys' : 'merge';
        }
        return withDescription(out, s.description);
      }
      case 'object': {
        if (!s.name) {
          return this.objectBody(s);
        }
        const ref = this.named(s.name, s, () => this.objectBody(s));
        // A $ref cannot carry siblings in OpenAPI 3.0, so the field-level patch strategy wraps it.
        return s.retainKeys ? { allOf: [ref], 'x-kubernetes-patch-strategy': 'retainKeys' } : ref;
      }
    }
  }

  private named(name: string, s: Schema, body: () => Json): Json {
    const prior = this.seen.get(name);
    if (prior === undefined) {
      this.seen.set(name, s);
      this.schemas[name] = {}; // placeholder first, so a cycle would terminate
      this.schemas[name] = body();
    } else if (prior !== s && !sameShape(prior, s)) {
      throw new Error(`two different schemas are named ${name}`);
    }
    return refTo(name);
  }

  private objectBody(s: ObjectSchema): Json {
    const properties: Json = {};
    for (const [k, v] of Object.entries(s.properties)) {
      properties[k] = this.of(v);
    }
    const out: Json = { type: 'object', properties };
    if (s.description) {
      out.description = s.description;
    }
    if (s.required && s.required.length > 0) {
      out.required = [...s.required];
    }
    if (s.gvk) {
      out['x-kubernetes-group-version-kind'] = s.gvk.map((g) => ({
        group: g.group,
        kind: g.kind,
        version: g.version,
      }));
    }
    if (s.mapType) {
      out['x-kubernetes-map-type'] = s.mapType;
    }
    return out;
  }
}

function withDescription(out: Json, description: string | undefined): Json {
  return description === undefined ? out : { ...out, description };
}

// Two constructor calls (intOrString(), quantity(), a helper run twice) give equal, distinct objects.
function sameShape(a: Schema, b: Schema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
