// Shared test helpers: a small list-strategy table standing in for the schema module, and utilities.
import type { ListStrategy, ListStrategyLookup } from '../../../src/api/patch/index.js';

const podSpecLists: Record<string, ListStrategy> = {
  containers: { mergeKey: 'name', strategy: 'merge' },
  'containers.env': { mergeKey: 'name', strategy: 'merge' },
  'containers.ports': { mergeKey: 'containerPort', strategy: 'merge' },
  initContainers: { mergeKey: 'name', strategy: 'merge' },
  volumes: { mergeKey: 'name', strategy: 'retainKeys' },
};

const table: Record<string, ListStrategy> = {
  'metadata.finalizers': { strategy: 'merge' },
  'metadata.ownerReferences': { mergeKey: 'uid', strategy: 'merge' },
  'spec.ports': { mergeKey: 'port', strategy: 'merge' },
  'spec.template.spec.containers.args': { strategy: 'replace' },
  // a merge key with an explicit replace strategy: the list is still replaced
  'spec.template.spec.tolerations': { mergeKey: 'key', strategy: 'replace' },
};
for (const [field, strategy] of Object.entries(podSpecLists)) {
  table[`spec.${field}`] = strategy;
  table[`spec.template.spec.${field}`] = strategy;
}

export const lookup: ListStrategyLookup = (path) => table[path.join('.')];

/** Freeze a JSON value all the way down, so a test fails if a patch function mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
    Object.freeze(value);
  }
  return value;
}

/** The error `fn` throws; fails the test when it returns normally. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}
