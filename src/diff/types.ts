// The shapes the diff stages pass along: pairs of desired/live objects, per-resource diffs, and
// the options every stage reads. Pure types.
import type { Operation } from 'fast-json-patch';
import type { ResourceKey } from '../api/keys.js';
import type { KObject } from '../api/types.js';

export type { Operation } from 'fast-json-patch';

export type DiffStatus = 'Synced' | 'OutOfSync' | 'Missing' | 'Extra';

/** True when applying or pruning has something to do for this resource. */
export function needsAction(status: DiffStatus): boolean {
  return status !== 'Synced';
}

/**
 * An Application's `spec.ignoreDifferences` entry. `group` is '' (or absent) for the core group;
 * `kind`, `group`, `name` and `namespace` accept '*'. Paths are RFC 6901 JSON pointers or
 * simple jq paths (`.spec.replicas`, `.metadata.labels["a.b/c"]`, `.spec.x[0]`, `.spec.x[]`,
 * `.spec.x[] | select(.name == "y")`).
 */
export interface IgnoreDifference {
  readonly group?: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly jqPathExpressions?: readonly string[];
}

/** One resource as git wants it and as the API server has it; at least one side is set. */
export interface ResourcePair {
  readonly key: ResourceKey;
  readonly keyString: string;
  readonly desired?: KObject;
  readonly live?: KObject;
}

export interface PairOptions {
  /** Namespace of namespaced manifests that name none (the Application's destination). */
  readonly namespace?: string;
  /**
   * Whether a kind is namespaced, for kinds the resource table does not know (CRDs). Defaults to
   * the resource table, and to namespaced for unknown kinds.
   */
  readonly isNamespaced?: (group: string, kind: string) => boolean | undefined;
}

export interface DiffOptions extends PairOptions {
  readonly ignoreDifferences?: readonly IgnoreDifference[];
  /**
   * The configuration last applied for a live object: the base of the three-way comparison (a
   * field only in live is a difference only when it was applied before). Default: parsed from the
   * live object's `gantry.dev/last-applied-configuration` or
   * `kubectl.kubernetes.io/last-applied-configuration` annotation.
   */
  readonly lastApplied?: (live: KObject, key: ResourceKey) => KObject | undefined;
  /** ANSI colours in the human diff (default false). */
  readonly color?: boolean;
  /** Render the human diff (default true); the bench and callers that only need status skip it. */
  readonly render?: boolean;
  /** Lines of context around each change in the human diff (default 3). */
  readonly context?: number;
}

/** Output of diffPairs: a Secret's values are already masked in everything here. */
export interface ResourceDiff {
  readonly key: ResourceKey;
  readonly keyString: string;
  readonly status: DiffStatus;
  /** RFC 6902 operations turning the normalized live object into the normalized desired one. */
  readonly patch: Operation[];
  /** The two objects compared (after normalization and masking); undefined on the missing side. */
  readonly normalizedDesired?: KObject;
  readonly normalizedLive?: KObject;
  /** Why normalization failed (status is then OutOfSync). */
  readonly error?: string;
}

/** One resource's result from diffResources. */
export interface DiffResult {
  readonly key: ResourceKey;
  readonly keyString: string;
  readonly status: DiffStatus;
  readonly patch: Operation[];
  /** Unified diff of the normalized YAML, `--- live` / `+++ desired`; '' when Synced. */
  readonly diff: string;
  /** The objects as given (a Secret's values masked). */
  readonly desired?: KObject;
  readonly live?: KObject;
  readonly error?: string;
}
