// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), as sent by
// `kubectl apply` (client-side three-way patch), `kubectl edit`, `label`, `annotate`, `patch`.
//
// Like a JSON merge patch (objects merge, `null` deletes a key) except for lists: a list whose
// strategy (from the caller's `ListStrategyLookup`) is `merge` merges element-wise by its merge key
// (containers by `name`, ports by `containerPort`), or as a set when it holds primitives
// (`finalizers`); every other list is replaced. Directives:
//   `$patch: replace` in an object    → the object becomes the patch's object (original dropped)
//   `$patch: delete`  in an object    → the object is removed from its parent (`{}` at the root)
//   `$patch: merge`                   → the default; accepted and dropped
//   `{"$patch": "replace"}` in a list → the list becomes the patch's other elements
//   `{"$patch": "delete", <key>: v}`  → removes the elements whose merge key equals v
//   `$retainKeys: [k…]`               → keys of the original object not listed are cleared first
//   `$deleteFromPrimitiveList/<f>: […]` → removes these values from the primitive list `f`
//   `$setElementOrder/<f>: […]`       → orders the merged list `f` (by merge key, or by value)
// Simplifications: the consistency checks Kubernetes makes between `$setElementOrder` and the
// patch list are not made; a `{"$patch": "replace"}` marker's other keys are ignored.
import type { ApiError } from '../errors.js';
import { cloneJson, dotted, isJsonObject, type JsonObject, jsonEqual } from './json-values.js';
import { type ListStrategyLookup, mergeBehaviour } from './list-strategy.js';
import { malformedPatch } from './patch-errors.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/** Keys that carry strategic-merge directives rather than data. */
export function isDirectiveKey(key: string): boolean {
  return (
    key === PATCH ||
    key === RETAIN_KEYS ||
    key.startsWith(DELETE_FROM_PRIMITIVE_LIST) ||
    key.startsWith(SET_ELEMENT_ORDER)
  );
}

function bad(path: readonly string[], message: string): ApiError {
  return malformedPatch(`strategic merge patch at ${dotted(path)}: ${message}`, dotted(path));
}

/**
 * Merge `patch` into `original`. Both are owned by this module (already cloned) and may be
 * mutated. Returns `undefined` when the object is to be deleted (`$patch: delete`).
 */
function mergeObject(
  original: JsonObject,
  patch: JsonObject,
  path: readonly string[],
  lookup: ListStrategyLookup,
): JsonObject | undefined {
  const directive = patch[PATCH];
  delete patch[PATCH];
  if (directive === 'delete') {
    return undefined;
  }
  if (directive === 'replace') {
    return mergeObject({}, patch, path, lookup);
  }
  if (directive !== undefined && directive !== 'merge') {
    throw bad(path, `unknown $patch directive ${JSON.stringify(directive)}`);
  }

  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
      throw bad(path, '$retainKeys must be a list of strings');
    }
    const keep = new Set<string>(retain);
    for (const key of Object.keys(patch)) {
      if (!isDirectiveKey(key) && !keep.has(key)) {
        throw bad(path, `key "${key}" is set but not listed in $retainKeys`);
      }
    }
    for (const key of Object.keys(original)) {
      if (!keep.has(key)) {
        delete original[key];
      }
    }
  }

  const orders: [field: string, order: unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!Array.isArray(value)) {
        throw bad([...path, field], `${key} must be a list`);
      }
      const current = original[field];
      if (Array.isArray(current)) {
        original[field] = current.filter((v) => !value.some((d) => jsonEqual(d, v)));
      }
      delete patch[key];
    } else if (key.startsWith(SET_ELEMENT_ORDER)) {
      const field = key.slice(SET_ELEMENT_ORDER.length);
      if (!Array.isArray(value)) {
        throw bad([...path, field], `${key} must be a list`);
      }
      orders.push([field, value]);
      delete patch[key];
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') {
      throw bad(path, 'the key "__proto__" is not allowed');
    }
    const merged = value === null ? undefined : mergeValue(original[key], value, [...path, key], lookup);
    if (merged === undefined) {
      delete original[key];
    } else {
      original[key] = merged;
    }
  }

  for (const [field, order] of orders) {
    const list = original[field];
    if (Array.isArray(list)) {
      const how = mergeBehaviour(lookup([...path, field]));
      original[field] = applyElementOrder(list, order, how?.mergeKey);
    }
  }
  return original;
}

function mergeValue(
  original: unknown,
  patch: unknown,
  path: readonly string[],
  lookup: ListStrategyLookup,
): unknown {
  if (isJsonObject(patch)) {
    return mergeObject(isJsonObject(original) ? original : {}, patch, path, lookup);
  }
  if (Array.isArray(patch)) {
    const how = mergeBehaviour(lookup(path));
    if (how === undefined) {
      // an atomic list is replaced; only a `$patch: replace` marker may stand in it
      const rest = patch.filter((v) => !isMarker(v, 'replace'));
      if (rest.some((v) => isJsonObject(v) && PATCH in v)) {
        throw bad(path, 'a $patch directive needs a list with a merge key; this list is replaced as a whole');
      }
      return rest;
    }
    return mergeList(Array.isArray(original) ? original : [], patch, path, how.mergeKey, lookup);
  }
  return patch;
}

function isMarker(v: unknown, directive: string): boolean {
  return isJsonObject(v) && v[PATCH] === directive;
}

function mergeList(
  original: unknown[],
  patch: unknown[],
  path: readonly string[],
  mergeKey: string | undefined,
  lookup: ListStrategyLookup,
): unknown[] {
  if (patch.some((v) => isMarker(v, 'replace'))) {
    return mergeList(
      [],
      patch.filter((v) => !isMarker(v, 'replace')),
      path,
      mergeKey,
      lookup,
    );
  }
  if (mergeKey === undefined) {
    // A set of primitives: union, original order first.
    const out = [...original];
    for (const v of patch) {
      if (isJsonObject(v) || Array.isArray(v)) {
        throw bad(path, 'list merges as a set of primitives but the patch holds an object or list element');
      }
      if (!out.some((o) => jsonEqual(o, v))) {
        out.push(v);
      }
    }
    return out;
  }
  let out = [...original];
  for (const element of patch) {
    if (!isJsonObject(element)) {
      throw bad(path, `list elements must be objects with merge key "${mergeKey}"`);
    }
    const key = element[mergeKey];
    if (key === undefined) {
      throw bad(path, `list element is missing its merge key "${mergeKey}"`);
    }
    const sameKey = (o: unknown) => isJsonObject(o) && jsonEqual(o[mergeKey], key);
    if (element[PATCH] === 'delete') {
      out = out.filter((o) => !sameKey(o));
      continue;
    }
    const index = out.findIndex(sameKey);
    const existing = out[index];
    const merged = mergeObject(isJsonObject(existing) ? existing : {}, element, path, lookup);
    if (index < 0) {
      if (merged !== undefined) {
        out.push(merged);
      }
    } else if (merged === undefined) {
      out.splice(index, 1);
    } else {
      out[index] = merged;
    }
  }
  return out;
}

/**
 * Order `list` as `order` says. Elements named in `order` take its relative order; each other
 * (server-only) element stays right after the named element that preceded it in `list` (at the
 * front when none did), so server-only elements keep their neighbours.
 */
function applyElementOrder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (v: unknown) => (mergeKey !== undefined && isJsonObject(v) ? v[mergeKey] : v);
  const wanted = order.map(identity);
  const rank = (v: unknown) => wanted.findIndex((w) => jsonEqual(w, identity(v)));
  const leading: unknown[] = [];
  const named: { value: unknown; rank: number; followers: unknown[] }[] = [];
  let followers = leading;
  for (const value of list) {
    const r = rank(value);
    if (r >= 0) {
      followers = [];
      named.push({ value, rank: r, followers });
    } else {
      followers.push(value);
    }
  }
  named.sort((a, b) => a.rank - b.rank);
  return [...leading, ...named.flatMap((n) => [n.value, ...n.followers])];
}

/**
 * Apply a strategic merge patch. `patch` must be a JSON object. The result shares no structure
 * with `original` or `patch`, neither of which is modified.
 */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  lookup: ListStrategyLookup,
): unknown {
  if (!isJsonObject(patch)) {
    throw malformedPatch('strategic merge patch must be a JSON object');
  }
  const base = isJsonObject(original) ? cloneJson(original) : {};
  return mergeObject(base, cloneJson(patch), [], lookup) ?? {};
}
