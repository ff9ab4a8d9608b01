// Small helpers over plain JSON values shared by the patch engines: type guards, a deep clone
// and structural equality. JSON values only (no Dates, Maps or class instances).

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy that shares nothing with its input (frozen inputs give unfrozen copies). */
export function cloneJson<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) {
      return false;
    }
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** `spec.template.spec.containers` style rendering of a key path, for error messages. */
export function dotted(path: readonly string[]): string {
  return path.length === 0 ? '<root>' : path.join('.');
}
