// src/diff: what differs between the desired state (manifests from git) and the live state (the
// API server), per resource. Three pure stages, as gitops-engine has them: pairResources (by
// ResourceKey) → normalize (defaults, server fields, three-way rule, ignoreDifferences) →
// diffPairs (RFC 6902 patches); plus the human diff, Secret masking and the apply order.
// Must not do I/O: no git, no store, no network, no clock, no logging. Secret values never
// leave this folder unmasked.
import type { KObject } from '../api/types.js';
import { diffPair } from './diff-pairs.js';
import { maskSecret, SecretMasker } from './mask.js';
import { pairResources } from './pair.js';
import { renderDiff } from './render.js';
import type { DiffOptions, DiffResult, ResourceDiff } from './types.js';

export { diffPair, diffPairs } from './diff-pairs.js';
export { applyIgnoreDifferences, parseJqPath, parsePointer, rulesFor } from './ignore.js';
export { diffLines, type Edit, type Hunk, hunks } from './line-diff.js';
export { isSecret, MASK, maskSecret, SecretMasker } from './mask.js';
export { lastAppliedOf, mergeStringData, type NormalizeOptions, normalize, type Side } from './normalize.js';
export {
  compareSyncOrder,
  HOOK_ANNOTATION,
  KIND_ORDER,
  kindRank,
  pruneOrder,
  SYNC_WAVE_ANNOTATION,
  type SyncPhase,
  syncOrder,
  syncPhase,
  syncWave,
} from './order.js';
export { isNamespacedKind, pairResources, resourceKeyOf } from './pair.js';
export { diffTitle, type RenderOptions, renderDiff, toYaml } from './render.js';
export {
  LAST_APPLIED_GANTRY,
  LAST_APPLIED_KUBECTL,
  TRACKING_ANNOTATION,
  TRACKING_LABEL,
} from './server-fields.js';
export * from './types.js';

function humanDiff(d: ResourceDiff, opts: DiffOptions): string {
  if (opts.render === false || d.status === 'Synced' || d.error !== undefined) {
    return '';
  }
  try {
    return renderDiff(d.key, d.normalizedLive, d.normalizedDesired, {
      color: opts.color,
      context: opts.context,
    });
  } catch {
    return '';
  }
}

/**
 * Diffs desired objects against live ones: one result per resource (desired order, then the
 * extras), never throwing halfway. `live` should hold only what the Application tracks: every
 * live object without a desired counterpart is reported as Extra.
 */
export function diffResources(
  desired: readonly KObject[],
  live: readonly KObject[],
  options: DiffOptions = {},
): DiffResult[] {
  const pairs = pairResources(desired, live, options);
  const out: DiffResult[] = new Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const masker = new SecretMasker();
    const d = diffPair(pair, options, masker);
    // members set one by one (same order as ever) rather than spread in: no throwaway objects
    const r: { -readonly [K in keyof DiffResult]: DiffResult[K] } = {
      key: d.key,
      keyString: d.keyString,
      status: d.status,
      patch: d.patch,
      diff: humanDiff(d, options),
    };
    if (pair.desired) {
      r.desired = maskSecret(pair.desired, masker);
    }
    if (pair.live) {
      r.live = maskSecret(pair.live, masker);
    }
    if (d.error !== undefined) {
      r.error = d.error;
    }
    out[i] = r;
  }
  return out;
}
