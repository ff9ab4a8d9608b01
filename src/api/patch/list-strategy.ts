// How a list field merges, supplied by the caller (normally from the schema module) so the patch
// engines stay independent of any resource schema.

export interface ListStrategy {
  /** Field that identifies an element of a list of objects (`name` for containers, `containerPort` for ports). */
  readonly mergeKey?: string;
  /**
   * `merge`: lists merge element-wise (by `mergeKey`, or as a set of primitives without one).
   * `retainKeys`: Kubernetes' `merge,retainKeys` (e.g. volumes): merges like `merge`; the
   * `$retainKeys` directive inside elements is honoured for any object anyway.
   * `replace` (or no entry): the patch's list replaces the original list.
   * When `strategy` is absent but a `mergeKey` is given, the list merges.
   */
  readonly strategy?: 'merge' | 'replace' | 'retainKeys';
}

/**
 * `path` is the sequence of object keys from the root to the list field, without array indices:
 * `['spec', 'template', 'spec', 'containers']` → `{ mergeKey: 'name', strategy: 'merge' }`.
 */
export type ListStrategyLookup = (path: readonly string[]) => ListStrategy | undefined;

/**
 * `undefined` when the list is replaced; otherwise `{ mergeKey }`, where an undefined `mergeKey`
 * means a merging list of primitives (a set, e.g. `finalizers`).
 */
export function mergeBehaviour(
  strategy: ListStrategy | undefined,
): { mergeKey: string | undefined } | undefined {
  if (strategy === undefined || strategy.strategy === 'replace') {
    return undefined;
  }
  if (strategy.strategy === undefined && strategy.mergeKey === undefined) {
    return undefined;
  }
  return { mergeKey: strategy.mergeKey };
}

/** A lookup that knows nothing: every list is replaced (plain JSON merge semantics for lists). */
export const noListStrategies: ListStrategyLookup = () => undefined;
