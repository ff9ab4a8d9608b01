// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// Small helpers on plain JSON values used by the normalization steps. Pure.

export type Obj = Record<string, any>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep copy of a JSON value without the object members that are null or undefined: in a
 * manifest `field: null` means "not set" (kustomize writes `creationTimestamp: null`), and the
 * API server never stores such a member. Array elements are copied as they are.
 */
export function cloneClean<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      out[i] = cloneClean(v[i]);
    }
    return out as T;
  }
  if (typeof v === 'object' && v !== null) {
    const out: Obj = {};
    for (const k in v) {
      const x = (v as Obj)[k];
      if (x !== null && x !== undefined) {
        out[k] = cloneClean(x);
      }
    }
    return out as T;
  }
  return v;
}

/** Deletes `o[k]` when it is an empty object. */
export function deleteIfEmpty(o: Obj, k: string): void {
  const v = o[k];
  if (isObj(v) && isEmptyObject(v)) {
    delete o[k];
  }
}

export function isEmptyObject(o: Obj): boolean {
  for (const _ in o) {
    return false;
  }
  return true;
}

/** The object at `o[k1][k2]…`, or undefined when a step is missing or not an object. */
export function objAt(o: unknown, ...path: string[]): Obj | undefined {
  let cur: unknown = o;
  for (const k of path) {
    if (!isObj(cur)) {
      return undefined;
    }
    cur = cur[k];
  }
  return isObj(cur) ? cur : undefined;
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  if (Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) {
    return false;
  }
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !jsonEqual((a as Obj)[k], (b as Obj)[k])) {
      return false;
    }
  }
  return true;
}
