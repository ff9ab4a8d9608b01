// Equality of two values as JSON documents: what `JSON.stringify` with sorted keys would say,
// without building either string. Object key order does not matter, a property whose value is
// undefined (or a function) counts as absent, and in arrays such a value (and NaN / ±Infinity)
// reads as null. Used on every update to tell a no-op write apart, so it stops at the first
// difference. Pure.

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as JSON.stringify sees it inside an array: undefined, functions and symbols are null. */
function arrayItem(v: unknown): unknown {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v;
}

/** Whether JSON.stringify drops this property value from an object. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function scalarEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    // NaN and ±Infinity all serialize as null; -0 as 0
    return Number.isFinite(a) && Number.isFinite(b) ? a === b : !Number.isFinite(a) && !Number.isFinite(b);
  }
  if (typeof a === 'number' && !Number.isFinite(a)) {
    return b === null;
  }
  if (typeof b === 'number' && !Number.isFinite(b)) {
    return a === null;
  }
  return a === b;
}

function objectEqual(a: Record<string, unknown>, b: Record<string, unknown>, skip?: string): boolean {
  let na = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || k === skip || omitted(a[k])) {
      continue;
    }
    na++;
    if (!Object.hasOwn(b, k) || omitted(b[k]) || !jsonEqual(a[k], b[k])) {
      return false;
    }
  }
  let nb = 0;
  for (const k in b) {
    if (Object.hasOwn(b, k) && k !== skip && !omitted(b[k])) {
      nb++;
    }
  }
  return na === nb;
}

/** Whether `a` and `b` serialize to the same JSON up to object key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof (a as { toJSON?: unknown })?.toJSON === 'function') {
    return jsonEqual((a as { toJSON(): unknown }).toJSON(), b);
  }
  if (typeof (b as { toJSON?: unknown })?.toJSON === 'function') {
    return jsonEqual(a, (b as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(arrayItem(a[i]), arrayItem(b[i]))) {
        return false;
      }
    }
    return true;
  }
  if (isPlainObject(a)) {
    return isPlainObject(b) && objectEqual(a, b);
  }
  if (isPlainObject(b) || Array.isArray(b)) {
    return false;
  }
  return scalarEqual(a, b);
}

/**
 * Whether two API objects are the same apart from metadata.resourceVersion (an update that
 * would change nothing else is a no-op).
 */
export function sameExceptResourceVersion(
  a: { readonly metadata?: object },
  b: { readonly metadata?: object },
): boolean {
  const { metadata: ma, ...ra } = a as Record<string, unknown>;
  const { metadata: mb, ...rb } = b as Record<string, unknown>;
  if (!objectEqual(ra, rb)) {
    return false;
  }
  if (isPlainObject(ma) && isPlainObject(mb)) {
    return objectEqual(ma, mb, 'resourceVersion');
  }
  return jsonEqual(ma, mb);
}
