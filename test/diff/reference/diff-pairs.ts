// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// Stage 3: per pair, normalize both sides and compute the RFC 6902 patch from the normalized live
// object to the normalized desired one (fast-json-patch). Secrets are masked before the patch is
// computed, so no value can reach a caller. Never throws: a pair that fails to normalize comes
// back with an `error`. Pure.
import jsonpatch from 'fast-json-patch';
import type { KObject } from '../../../src/api/types.js';
import type { DiffOptions, DiffStatus, ResourceDiff, ResourcePair } from '../../../src/diff/types.js';
import { isSecret, maskSecret, SecretMasker } from './mask.js';
import { lastAppliedOf, type NormalizeOptions, normalize, normalizeLive } from './normalize.js';

function presenceStatus(pair: ResourcePair): DiffStatus | undefined {
  if (!pair.live) {
    return 'Missing';
  }
  if (!pair.desired) {
    return 'Extra';
  }
  return undefined;
}

/**
 * Diffs one pair. `masker` hands out a Secret's masks; pass the same one to maskSecret for any
 * other copy of this pair (the raw objects) so masks line up.
 */
export function diffPair(
  pair: ResourcePair,
  opts: DiffOptions = {},
  masker: SecretMasker = new SecretMasker(),
): ResourceDiff {
  try {
    const common: NormalizeOptions = {
      namespace: opts.namespace,
      isNamespaced: opts.isNamespaced,
      ignoreDifferences: opts.ignoreDifferences,
      key: pair.key,
    };
    let desired = pair.desired ? normalize(pair.desired, 'desired', common) : undefined;
    let live: KObject | undefined;
    let equal = false;
    const rawLive = pair.live;
    if (rawLive) {
      const byOption = opts.lastApplied;
      const lastApplied = byOption ? () => byOption(rawLive, pair.key) : () => lastAppliedOf(rawLive);
      if (desired) {
        ({ live, equal } = normalizeLive(rawLive, { ...common, desired, lastApplied }));
      } else {
        live = normalize(rawLive, 'live', common);
      }
    }
    if (isSecret(desired) || isSecret(live)) {
      live = maskSecret(live, masker);
      desired = maskSecret(desired, masker);
    }
    // normalizeLive compared the two while pruning: compare builds a patch only when they differ.
    const patch = equal ? [] : jsonpatch.compare(live ?? {}, desired ?? {});
    const status = presenceStatus(pair) ?? (patch.length > 0 ? 'OutOfSync' : 'Synced');
    const out: { -readonly [K in keyof ResourceDiff]: ResourceDiff[K] } = {
      key: pair.key,
      keyString: pair.keyString,
      status,
      patch,
    };
    if (desired) {
      out.normalizedDesired = desired;
    }
    if (live) {
      out.normalizedLive = live;
    }
    return out;
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    return {
      key: pair.key,
      keyString: pair.keyString,
      status: presenceStatus(pair) ?? 'OutOfSync',
      patch: [],
      error: `diff ${pair.keyString}: ${cause}`,
    };
  }
}

/** Diffs every pair; one result per pair, in the same order. */
export function diffPairs(pairs: readonly ResourcePair[], opts: DiffOptions = {}): ResourceDiff[] {
  return pairs.map((p) => diffPair(p, opts));
}
