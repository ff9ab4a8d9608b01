// Field selectors (`?fieldSelector=metadata.name=web,spec.nodeName=`): an AND of `field=value`,
// `field==value` and `field!=value` terms over a small per-kind set of fields, as Kubernetes
// serves them. A missing field reads as its zero value ('' for strings), so `spec.nodeName=`
// selects unscheduled pods. Values may escape `\,` `\=` `\\`.
import { errors } from './errors.js';
import type { KObject } from './types.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(obj: KObject): boolean;
  empty(): boolean;
  toString(): string;
}

type Getter = (obj: KObject) => string;

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function path(...parts: string[]): Getter {
  return (obj) => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') {
        return '';
      }
      cur = (cur as Record<string, unknown>)[p];
    }
    return str(cur);
  };
}

const COMMON: Record<string, Getter> = {
  'metadata.name': path('metadata', 'name'),
  'metadata.namespace': path('metadata', 'namespace'),
};

/** Extra fields per kind, beyond metadata.name and metadata.namespace. */
const BY_KIND: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'status.phase': path('status', 'phase'),
    'status.podIP': path('status', 'podIP'),
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  Node: {
    // A bool field: Kubernetes formats it, so an unset flag reads "false".
    'spec.unschedulable': (o) => String(o.spec?.unschedulable === true),
  },
  Event: {
    'involvedObject.kind': path('involvedObject', 'kind'),
    'involvedObject.namespace': path('involvedObject', 'namespace'),
    'involvedObject.name': path('involvedObject', 'name'),
    'involvedObject.uid': path('involvedObject', 'uid'),
    'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
    reason: path('reason'),
    reportingComponent: path('reportingComponent'),
    source: path('source', 'component'),
    type: path('type'),
  },
  Secret: {
    type: path('type'),
  },
  Namespace: {
    'status.phase': path('status', 'phase'),
  },
  Job: {
    // Kubernetes names the label "successful" but reads status.succeeded; an integer, so unset is "0".
    'status.successful': (o) => String(o.status?.succeeded ?? 0),
  },
  ReplicaSet: {
    'status.replicas': (o) => String(o.status?.replicas ?? 0),
  },
};

/** Built once per kind: a field selector is matched against every event a watch sees. */
const GETTERS = new Map<string, Readonly<Record<string, Getter>>>();

function gettersFor(kind: string): Readonly<Record<string, Getter>> {
  let g = GETTERS.get(kind);
  if (g === undefined) {
    g = Object.freeze({ ...COMMON, ...(BY_KIND[kind] ?? {}) });
    GETTERS.set(kind, g);
  }
  return g;
}

/** The field labels a kind supports in field selectors. */
export function fieldsSupported(kind: string): string[] {
  return Object.keys(gettersFor(kind));
}

/** The value of a supported field of an object, as a field selector compares it. */
export function fieldValue(obj: KObject, field: string): string | undefined {
  const get = gettersFor(obj.kind)[field];
  return get ? get(obj) : undefined;
}

function escapeValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Splits on an unescaped separator character. Escapes are kept in the parts. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeValue(v: string, term: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] ?? '';
    if (c === '\\') {
      const n = v[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw errors.badRequest(`invalid field selector: invalid escape sequence in "${term}"`);
    }
    if (c === ',' || c === '=') {
      throw errors.badRequest(`invalid field selector: unescaped '${c}' in value of "${term}"`);
    }
    out += c;
  }
  return out;
}

/** Finds the first unescaped operator in a term: `!=`, then `==`, then `=`. */
function splitTerm(term: string): FieldRequirement {
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '!' && term[i + 1] === '=') {
      return {
        field: term.slice(0, i).trim(),
        operator: '!=',
        value: unescapeValue(term.slice(i + 2), term),
      };
    }
    if (c === '=') {
      const skip = term[i + 1] === '=' ? 2 : 1;
      return {
        field: term.slice(0, i).trim(),
        operator: '=',
        value: unescapeValue(term.slice(i + skip), term),
      };
    }
  }
  throw errors.badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
}

class Fields implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(reqs: FieldRequirement[]) {
    this.requirements = Object.freeze(reqs.map((r) => Object.freeze(r)));
  }

  matches(obj: KObject): boolean {
    const getters = gettersFor(obj.kind);
    return this.requirements.every((r) => {
      const get = getters[r.field];
      const v = get ? get(obj) : '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
  }
}

/**
 * Parses a field selector. With `kind`, every field must be one the kind supports, otherwise a
 * 400 `field label not supported: <field>` is thrown (as the API server answers).
 */
export function parseFieldSelector(s: string, kind?: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const raw of splitUnescaped(s, ',')) {
    const term = raw.trim();
    if (term === '') {
      continue;
    }
    const req = splitTerm(term);
    if (req.field === '') {
      throw errors.badRequest(`invalid selector: '${s}'; field name is empty in '${term}'`);
    }
    reqs.push(req);
  }
  const sel = new Fields(reqs);
  if (kind !== undefined) {
    validateFieldSelector(sel, kind);
  }
  return sel;
}

/** Throws a 400 ApiError when the selector uses a field the kind does not support. */
export function validateFieldSelector(sel: FieldSelector, kind: string): void {
  const getters = gettersFor(kind);
  for (const r of sel.requirements) {
    if (!Object.hasOwn(getters, r.field)) {
      throw errors.badRequest(`field label not supported: ${r.field}`);
    }
  }
}

/** The value a selector pins `field` to with `=`, for index look-ups (e.g. spec.nodeName, metadata.name). */
export function fieldExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}
