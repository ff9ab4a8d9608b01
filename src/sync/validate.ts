// Validation of a whole revision before anything of it is applied (DESIGN.md §4): every manifest
// is checked against its kind's schema (Strict: unknown fields are errors), defaulted and checked
// semantically on a copy, its namespace settled (namespaced kinds get the destination namespace,
// cluster-scoped ones must not name one), and no resource may appear twice. One problem anywhere
// rejects the revision; each problem names file, line and field. Pure: no I/O.
import { applyDefaults } from '../api/defaults/index.js';
import { keyOf, keyString } from '../api/keys.js';
import { resourceByKind, resourceFor, splitApiVersion } from '../api/resources.js';
import { validateFields } from '../api/schema/index.js';
import type { KObject } from '../api/types.js';
import { validateObject } from '../api/validation/index.js';
import { parseFieldPath } from './render.js';
import type { ManifestError, SourcedObject } from './types.js';

export interface ValidateOptions {
  /** The Application's destination namespace: the namespace of namespaced manifests naming none. */
  readonly namespace?: string;
}

export interface ValidatedRevision {
  /** Copies of the manifests with their namespace settled (not defaulted: that is the server's job). */
  readonly objects: SourcedObject[];
  readonly errors: ManifestError[];
}

function at(s: SourcedObject, field: string | undefined, message: string): ManifestError {
  const line = field ? (s.lineOf?.(parseFieldPath(field)) ?? s.line) : s.line;
  return { file: s.file, line, ...(field ? { field } : {}), message };
}

function checkOne(s: SourcedObject, opts: ValidateOptions): { obj?: KObject; errors: ManifestError[] } {
  const { apiVersion, kind } = s.obj;
  const info = resourceFor(apiVersion, kind);
  if (!info) {
    const other = resourceByKind(splitApiVersion(apiVersion).group, kind);
    const message = other
      ? `apiVersion "${apiVersion}" is not served for kind ${kind} (use ${other.group ? `${other.group}/` : ''}${other.version})`
      : `unknown kind "${kind}" (apiVersion "${apiVersion}"): Gantry does not serve it`;
    return { errors: [at(s, 'kind', message)] };
  }
  const obj = structuredClone(s.obj);
  const errors: ManifestError[] = [];
  const ns = obj.metadata.namespace;
  if (info.namespaced) {
    if (ns === undefined || ns === '') {
      obj.metadata.namespace = opts.namespace || 'default';
    }
  } else if (ns !== undefined && ns !== '') {
    errors.push(at(s, 'metadata.namespace', `${kind} is cluster-scoped and must not set a namespace`));
  }
  const fields = validateFields(obj, apiVersion, kind, 'Strict');
  for (const c of fields.errors) {
    errors.push(at(s, c.field, c.message));
  }
  if (fields.errors.length === 0) {
    const copy = structuredClone(obj);
    try {
      applyDefaults(copy);
      for (const c of validateObject(copy)) {
        errors.push(at(s, c.field, c.message));
      }
    } catch (e) {
      errors.push(at(s, undefined, `cannot validate: ${(e as Error).message}`));
    }
  }
  return { obj, errors };
}

/** Validates every manifest of a revision; `errors` empty means the revision may be applied. */
export function validateRevision(
  sourced: readonly SourcedObject[],
  opts: ValidateOptions = {},
): ValidatedRevision {
  const objects: SourcedObject[] = [];
  const errors: ManifestError[] = [];
  const seen = new Map<string, SourcedObject>();
  for (const s of sourced) {
    const r = checkOne(s, opts);
    errors.push(...r.errors);
    if (!r.obj) {
      continue;
    }
    const v: SourcedObject = { ...s, obj: r.obj };
    objects.push(v);
    if (!r.obj.metadata.name) {
      continue; // generateName hooks: validateObject reported a missing name otherwise
    }
    const ks = keyString(keyOf(r.obj));
    const first = seen.get(ks);
    if (first) {
      const k = keyOf(r.obj);
      errors.push(
        at(
          s,
          'metadata.name',
          `duplicate resource ${k.group ? `${k.group}/` : ''}${k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name} (also defined at ${first.file}:${first.line})`,
        ),
      );
    } else {
      seen.set(ks, v);
    }
  }
  return { objects, errors };
}
