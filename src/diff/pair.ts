// Stage 1: pairs desired objects (from git) with live ones (from the API server) by ResourceKey.
// A desired object without live is Missing (to create); a live one without desired is Extra (a
// prune candidate: the caller passes only the live objects its Application tracks). Pure.
import { keyString, type ResourceKey } from '../api/keys.js';
import { resourceByKind, splitApiVersion } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import type { PairOptions, ResourcePair } from './types.js';

/** Whether objects of group/kind live in a namespace (unknown kinds: namespaced, as most CRDs). */
export function isNamespacedKind(group: string, kind: string, opts: PairOptions = {}): boolean {
  const known = resourceByKind(group, kind);
  if (known) {
    return known.namespaced;
  }
  return opts.isNamespaced?.(group, kind) ?? true;
}

/** What the resource table says about an apiVersion + kind: its group, and whether it is namespaced. */
interface KindInfo {
  readonly group: string;
  /** undefined: a kind the table does not know (the caller's isNamespaced decides). */
  readonly namespaced: boolean | undefined;
}

/** apiVersion → kind → KindInfo; the resource table is static, so this only saves the lookups. */
const kindInfos = new Map<string, Map<string, KindInfo>>();
const KIND_INFO_LIMIT = 4096;

function kindInfoOf(apiVersion: string, kind: string): KindInfo {
  let byKind = kindInfos.get(apiVersion);
  let info = byKind?.get(kind);
  if (info === undefined) {
    const group = splitApiVersion(apiVersion).group;
    info = { group, namespaced: resourceByKind(group, kind)?.namespaced };
    if (byKind === undefined) {
      if (kindInfos.size >= KIND_INFO_LIMIT) {
        kindInfos.clear(); // odd input with endless apiVersions: stay bounded
      }
      byKind = new Map();
      kindInfos.set(apiVersion, byKind);
    }
    if (byKind.size < KIND_INFO_LIMIT) {
      byKind.set(kind, info);
    }
  }
  return info;
}

/** The identity of an object as this Application sees it: namespace defaulted, '' when cluster-scoped. */
export function resourceKeyOf(obj: KObject, opts: PairOptions = {}): ResourceKey {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const info = kindInfoOf(typeof obj.apiVersion === 'string' ? obj.apiVersion : '', kind);
  const group = info.group;
  const namespaced = info.namespaced ?? opts.isNamespaced?.(group, kind) ?? true;
  const meta = obj.metadata ?? {};
  const namespace = namespaced ? meta.namespace || opts.namespace || '' : '';
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
