// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// src/diff: what differs between the desired state (manifests from git) and the live state (the
// API server), per resource. Three pure stages, as gitops-engine has them: pairResources (by
// ResourceKey) → normalize (defaults, server fields, three-way rule, ignoreDifferences) →
// diffPairs (RFC 6902 patches); plus the human diff, Secret masking and the apply order.
// Must not do I/O: no git, no store, no network, no clock, no logging. Secret values never
// leave this folder unmasked.
import type { KObject } from '../../../src/api/types.js';
import type { DiffOptions, DiffResult, ResourceDiff } from '../../../src/diff/types.js';
import { diffPair } from './diff-pairs.js';
import { maskSecret, SecretMasker } from './mask.js';
import { pairResources } from './pair.js';
import { renderDiff } from './render.js';

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
    out[i] = {
      key: d.key,
      keyString: d.keyString,
      status: d.status,
      patch: d.patch,
      diff: humanDiff(d, options),
      ...(pair.desired ? { desired: maskSecret(pair.desired, masker) } : {}),
      ...(pair.live ? { live: maskSecret(pair.live, masker) } : {}),
      ...(d.error !== undefined ? { error: d.error } : {}),
    };
  }
  return out;
}
