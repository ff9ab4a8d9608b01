// Walks a kind's schema along a JSON path; used by strategic merge patch to learn how a list merges.
import type { Schema } from './dsl.js';

export interface ListStrategy {
  /** Element identity for `merge` lists of objects (x-kubernetes-patch-merge-key). */
  mergeKey?: string;
  /** `merge`: element-wise (by mergeKey, or as a set for scalars); `replace`: the list is atomic;
   *  `retainKeys`: an object whose unmentioned keys a patch clears (Deployment `spec.strategy`). */
  strategy?: 'merge' | 'replace' | 'retainKeys';
  /** For `merge` lists whose elements also retain keys (`volumes`: "merge,retainKeys"). */
  retainKeys?: boolean;
}

/**
 * The schema at `path` below `root`. Numeric segments step into list elements and are otherwise
 * skipped; string segments name object properties or map keys. Undefined when the path leaves the
 * schema or enters a free-form object.
 */
export function schemaAtPath(root: Schema, path: readonly (string | number)[]): Schema | undefined {
  let cur: Schema | undefined = root;
  for (const seg of path) {
    if (!cur) {
      return undefined;
    }
    if (typeof seg === 'number') {
      if (cur.type === 'array') {
        cur = cur.items;
      }
      continue;
    }
    while (cur.type === 'array') {
      cur = cur.items;
    }
    if (cur.type === 'object') {
      cur = Object.hasOwn(cur.properties, seg) ? cur.properties[seg] : undefined;
    } else if (cur.type === 'map') {
      cur = cur.values;
    } else {
      return undefined;
    }
  }
  return cur;
}

/**
 * How the field at `path` merges. Lists: `{ strategy: 'merge', mergeKey? , retainKeys? }` or
 * `{ strategy: 'replace' }`. Objects with retainKeys: `{ strategy: 'retainKeys' }`. Anything else
 * (plain objects, scalars, unknown paths): undefined.
 */
export function listStrategyOf(root: Schema, path: readonly (string | number)[]): ListStrategy | undefined {
  const s = schemaAtPath(root, path);
  if (!s) {
    return undefined;
  }
  if (s.type === 'array') {
    if (s.strategy !== 'merge') {
      return { strategy: 'replace' };
    }
    return {
      strategy: 'merge',
      ...(s.mergeKey ? { mergeKey: s.mergeKey } : {}),
      ...(s.retainKeys ? { retainKeys: true } : {}),
    };
  }
  if (s.type === 'object' && s.retainKeys) {
    return { strategy: 'retainKeys' };
  }
  return undefined;
}
