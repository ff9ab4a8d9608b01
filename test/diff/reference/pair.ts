// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// Stage 1: pairs desired objects (from git) with live ones (from the API server) by ResourceKey.
// A desired object without live is Missing (to create); a live one without desired is Extra (a
// prune candidate: the caller passes only the live objects its Application tracks). Pure.
import { keyString, type ResourceKey } from '../../../src/api/keys.js';
import { resourceByKind, splitApiVersion } from '../../../src/api/resources.js';
import type { KObject } from '../../../src/api/types.js';
import type { PairOptions, ResourcePair } from '../../../src/diff/types.js';

/** Whether objects of group/kind live in a namespace (unknown kinds: namespaced, as most CRDs). */
export function isNamespacedKind(group: string, kind: string, opts: PairOptions = {}): boolean {
  const known = resourceByKind(group, kind);
  if (known) {
    return known.namespaced;
  }
  return opts.isNamespaced?.(group, kind) ?? true;
}

/** The identity of an object as this Application sees it: namespace defaulted, '' when cluster-scoped. */
export function resourceKeyOf(obj: KObject, opts: PairOptions = {}): ResourceKey {
  const group = splitApiVersion(typeof obj.apiVersion === 'string' ? obj.apiVersion : '').group;
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const meta = obj.metadata ?? {};
  const namespace = isNamespacedKind(group, kind, opts) ? meta.namespace || opts.namespace || '' : '';
  return { group, kind, namespace, name: meta.name ?? '' };
}

/**
 * Pairs by key string: desired order first, then the extras in live order. When git holds the
 * same key twice (validation rejects that before a sync) the last one wins.
 */
export function pairResources(
  desired: readonly KObject[],
  live: readonly KObject[],
  opts: PairOptions = {},
): ResourcePair[] {
  const slots = new Map<string, { key: ResourceKey; desired?: KObject; live?: KObject }>();
  for (const d of desired) {
    const key = resourceKeyOf(d, opts);
    const ks = keyString(key);
    const slot = slots.get(ks);
    if (slot) {
      slot.desired = d;
    } else {
      slots.set(ks, { key, desired: d });
    }
  }
  for (const l of live) {
    const key = resourceKeyOf(l, opts);
    const ks = keyString(key);
    const slot = slots.get(ks);
    if (slot) {
      slot.live = l;
    } else {
      slots.set(ks, { key, live: l });
    }
  }
  const out: ResourcePair[] = [];
  for (const [ks, slot] of slots) {
    out.push({
      key: slot.key,
      keyString: ks,
      ...(slot.desired ? { desired: slot.desired } : {}),
      ...(slot.live ? { live: slot.live } : {}),
    });
  }
  return out;
}
