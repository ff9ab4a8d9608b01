// Field sets in Kubernetes' `FieldsV1` shape, as stored in `metadata.managedFields`:
//   `f:<name>`          an object field
//   `k:{"name":"web"}`  the element of a keyed list whose merge key has that value
//   `v:<json>`          the element of a set of primitives with that value
//   `.`                 marks that the node itself is owned, not only fields under it
// A node without children is an owned leaf. A path is the sequence of these elements from the root.
import { isJsonObject, type JsonObject, jsonEqual } from './json-values.js';
import { type ListStrategyLookup, mergeBehaviour } from './list-strategy.js';
import { malformedPatch } from './patch-errors.js';

export type FieldSet = { [element: string]: FieldSet };
export type FieldPath = readonly string[];

const SELF = '.';

/** Fields an object's owner never manages: identity and bookkeeping the server sets. */
const UNMANAGED_TOP = new Set(['apiVersion', 'kind', 'status']);
const UNMANAGED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function isManaged(path: readonly string[]): boolean {
  if (path.length === 1) {
    return !UNMANAGED_TOP.has(path[0] ?? '');
  }
  return !(path.length === 2 && path[0] === 'metadata' && UNMANAGED_METADATA.has(path[1] ?? ''));
}

function objectFields(obj: JsonObject, keys: readonly string[], lookup: ListStrategyLookup): FieldSet {
  const out: FieldSet = {};
  for (const [name, value] of Object.entries(obj)) {
    const path = [...keys, name];
    if (value === null || value === undefined || !isManaged(path)) {
      continue;
    }
    const fields = valueFields(value, path, lookup);
    // An object holding only unmanaged fields (metadata with just a name) is not owned at all.
    if (Object.keys(fields).length > 0 || !isJsonObject(value) || Object.keys(value).length === 0) {
      out[`f:${name}`] = fields;
    }
  }
  return out;
}

function valueFields(value: unknown, keys: readonly string[], lookup: ListStrategyLookup): FieldSet {
  if (isJsonObject(value)) {
    return objectFields(value, keys, lookup);
  }
  if (!Array.isArray(value)) {
    return {};
  }
  const how = mergeBehaviour(lookup(keys));
  if (how === undefined) {
    return {}; // an atomic list is owned as a whole
  }
  const out: FieldSet = {};
  const mergeKey = how.mergeKey;
  for (const element of value) {
    if (mergeKey === undefined) {
      out[`v:${JSON.stringify(element)}`] = {};
    } else if (isJsonObject(element) && element[mergeKey] !== undefined && element[mergeKey] !== null) {
      out[`k:${JSON.stringify({ [mergeKey]: element[mergeKey] })}`] = {
        [SELF]: {},
        ...objectFields(element, keys, lookup),
      };
    } else {
      throw malformedPatch(
        `apply configuration: an element of ${keys.join('.')} is missing its key field "${mergeKey}"`,
        keys.join('.'),
      );
    }
  }
  return out;
}

/** The fields an applied configuration sets (what its manager will own). */
export function fieldSetOf(config: JsonObject, lookup: ListStrategyLookup): FieldSet {
  return objectFields(config, [], lookup);
}

/** Every owned path in the set: leaves, and nodes marked with `.`. */
export function memberPaths(set: FieldSet, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  for (const [element, children] of Object.entries(set)) {
    if (element === SELF) {
      continue;
    }
    const path = [...prefix, element];
    const childNames = Object.keys(children);
    if (childNames.length === 0 || childNames.includes(SELF)) {
      out.push(path);
    }
    out.push(...memberPaths(children, path));
  }
  return out;
}

/** The inverse of `memberPaths`. */
export function fieldSetFromPaths(paths: readonly FieldPath[]): FieldSet {
  const root: FieldSet = {};
  const owned = new Set<FieldSet>();
  for (const path of paths) {
    let node = root;
    for (const element of path) {
      node[element] ??= {};
      node = node[element];
    }
    owned.add(node);
  }
  // An owned node that also has owned children carries `.`.
  const mark = (node: FieldSet) => {
    for (const child of Object.values(node)) {
      if (owned.has(child) && Object.keys(child).length > 0) {
        child[SELF] = {};
      }
      mark(child);
    }
  };
  mark(root);
  return root;
}

export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

/** True when the set has a node at `path` (owned or not), i.e. it owns something at or below it. */
export function touches(set: FieldSet, path: FieldPath): boolean {
  let node: FieldSet | undefined = set;
  for (const element of path) {
    node = node[element];
    if (node === undefined) {
      return false;
    }
  }
  return true;
}

/** `.spec.template.spec.containers[name="web"].image`, as Kubernetes prints field paths. */
export function renderPath(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      if (element.startsWith('f:')) {
        return `.${body}`;
      }
      const key = parseElement(element);
      if (element.startsWith('k:') && isJsonObject(key)) {
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${body}]`;
    })
    .join('');
}

/** The JSON after a `k:`/`v:` prefix; undefined when a stored entry holds garbage. */
function parseElement(element: string): unknown {
  try {
    return JSON.parse(element.slice(2));
  } catch {
    return undefined;
  }
}

function matches(element: string, item: unknown): boolean {
  const want = parseElement(element);
  if (want === undefined) {
    return false;
  }
  if (element.startsWith('k:')) {
    return (
      isJsonObject(want) &&
      isJsonObject(item) &&
      Object.entries(want).every(([k, v]) => jsonEqual(item[k], v))
    );
  }
  return jsonEqual(want, item);
}

function step(value: unknown, element: string): unknown {
  if (element.startsWith('f:')) {
    return isJsonObject(value) ? value[element.slice(2)] : undefined;
  }
  return Array.isArray(value) ? value.find((item) => matches(element, item)) : undefined;
}

/** The value at a field path, or undefined when the object does not have it. */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let value = root;
  for (const element of path) {
    value = step(value, element);
    if (value === undefined) {
      return undefined;
    }
  }
  return value;
}

/** Remove the value at `path` from `root` (mutating it); a missing path is a no-op. */
export function removeAt(root: JsonObject, path: FieldPath): void {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) {
    return;
  }
  if (last.startsWith('f:')) {
    if (isJsonObject(parent)) {
      delete parent[last.slice(2)];
    }
  } else if (Array.isArray(parent)) {
    for (let i = parent.length - 1; i >= 0; i--) {
      if (matches(last, parent[i])) {
        parent.splice(i, 1);
      }
    }
  }
}

/** True when `path` ends at a merge key field of a keyed element (`k:{"name":"web"}` then `f:name`). */
export function isKeyField(path: FieldPath): boolean {
  const element = path[path.length - 2];
  const last = path[path.length - 1];
  if (element === undefined || last === undefined || !element.startsWith('k:') || !last.startsWith('f:')) {
    return false;
  }
  const key = parseElement(element);
  return isJsonObject(key) && Object.hasOwn(key, last.slice(2));
}

/** True for `{}` and `[]`. */
export function isEmptyContainer(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) || (isJsonObject(value) && Object.keys(value).length === 0)
  );
}
