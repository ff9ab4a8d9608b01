// Stage 2: normalization. Brings a desired and a live object to the same footing so that what
// remains different is what a sync would change: defaults applied to both (a freshly synced app
// is Synced), server-set fields and status removed, server-allocated fields dropped where git
// leaves them to the server, the three-way rule for fields only in live, ignoreDifferences.
// Never changes its input (works on a copy). Pure.
import { applyDefaults } from '../api/defaults/index.js';
import type { ResourceKey } from '../api/keys.js';
import { splitApiVersion } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { applyIgnoreDifferences, rulesFor } from './ignore.js';
import { cloneClean, isObj, jsonEqual, type Obj } from './object-utils.js';
import { isNamespacedKind } from './pair.js';
import {
  cloneWithoutServerFields,
  dropServerAllocated,
  LAST_APPLIED_GANTRY,
  LAST_APPLIED_KUBECTL,
  stripServerFields,
  TRACKING_ANNOTATION,
  TRACKING_LABEL,
} from './server-fields.js';
import { pruneLiveOnly } from './three-way.js';
import type { IgnoreDifference, PairOptions } from './types.js';

export type Side = 'desired' | 'live';

export interface NormalizeOptions extends PairOptions {
  /** The object's key when the caller has it already (pairResources did the work). */
  readonly key?: ResourceKey;
  readonly ignoreDifferences?: readonly IgnoreDifference[];
  /** Live side: the normalized desired object (enables the rules that compare with it). */
  readonly desired?: KObject;
  /**
   * Live side: the configuration applied last (see lastAppliedOf), or a function returning it —
   * called only when live has a field desired lacks; undefined = none known.
   */
  readonly lastApplied?: KObject | (() => KObject | undefined);
}

/** Secret `stringData` is write-only: folded into base64 `data`, as the API server does on write. */
export function mergeStringData(o: Obj): void {
  const sd = o.stringData;
  if (o.kind !== 'Secret' || sd === undefined) {
    return;
  }
  if (isObj(sd)) {
    const data: Obj = isObj(o.data) ? o.data : {};
    for (const [k, v] of Object.entries(sd)) {
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    }
    o.data = data;
  }
  delete o.stringData;
}

/**
 * The configuration last applied to a live object: Gantry's own annotation, else kubectl's.
 * Undefined when there is none or it is not a JSON object.
 */
export function lastAppliedOf(live: KObject): KObject | undefined {
  const ann = live.metadata?.annotations;
  const text = ann?.[LAST_APPLIED_GANTRY] ?? ann?.[LAST_APPLIED_KUBECTL];
  if (typeof text !== 'string' || text === '') {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isObj(parsed) ? (parsed as KObject) : undefined;
  } catch {
    return undefined;
  }
}

function keyParts(o: KObject, opts: PairOptions): ResourceKey {
  const group = splitApiVersion(typeof o.apiVersion === 'string' ? o.apiVersion : '').group;
  const namespaced = isNamespacedKind(group, o.kind, opts);
  const meta = o.metadata;
  return {
    group,
    kind: o.kind,
    namespace: namespaced ? meta.namespace || opts.namespace || '' : '',
    name: meta.name ?? '',
  };
}

/** The live-side result, with whether it equals the normalized desired object. */
export interface NormalizedLive {
  readonly live: KObject;
  /** True when live equals desired after normalization (then no patch is needed). */
  readonly equal: boolean;
}

function normalizeInternal(obj: KObject, side: Side, opts: NormalizeOptions): NormalizedLive {
  if (!isObj(obj) || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
    throw new Error('normalize: not a Kubernetes object (apiVersion and kind must be strings)');
  }
  const desired = side === 'live' ? opts.desired : undefined;
  // dropServerAllocated drops the tracking label and annotation when desired has none: leave
  // them out of the copy right away (the steps in between never look at them)
  const o = desired
    ? cloneWithoutServerFields(obj, {
        trackingLabel: desired.metadata?.labels?.[TRACKING_LABEL] === undefined,
        trackingAnnotation: desired.metadata?.annotations?.[TRACKING_ANNOTATION] === undefined,
      })
    : cloneWithoutServerFields(obj);
  const key = opts.key ?? keyParts(o, opts);
  if (key.namespace === '') {
    delete o.metadata.namespace;
  } else {
    o.metadata.namespace = key.namespace;
  }
  mergeStringData(o);
  applyDefaults(o);
  stripServerFields(o);
  let equal = false;
  if (side === 'live' && opts.desired) {
    dropServerAllocated(o, opts.desired, key.group);
    const given = opts.lastApplied;
    const last = (): Obj | undefined => {
      let l: Obj | undefined = typeof given === 'function' ? given() : given;
      if (l?.stringData !== undefined) {
        l = cloneClean(l);
        mergeStringData(l);
      }
      return l;
    };
    equal = pruneLiveOnly(o, opts.desired, last, o.apiVersion, o.kind);
  }
  const rules =
    opts.ignoreDifferences && opts.ignoreDifferences.length > 0 ? rulesFor(opts.ignoreDifferences, key) : [];
  if (rules.length > 0) {
    applyIgnoreDifferences(o, rules);
    equal = opts.desired !== undefined && jsonEqual(o, opts.desired);
  }
  return { live: o, equal };
}

/**
 * A normalized copy of `obj`. Desired: namespace filled in, `stringData` merged, defaults
 * applied, server fields removed. Live: the same, and — given `opts.desired` — server-allocated
 * fields and fields nobody applied removed, lists aligned with desired, empty maps and lists
 * that desired has filled in. Both: ignoreDifferences.
 */
export function normalize(obj: KObject, side: Side, opts: NormalizeOptions = {}): KObject {
  return normalizeInternal(obj, side, opts).live;
}

/** The live side of a pair (opts.desired set): the normalized copy and whether it equals desired. */
export function normalizeLive(
  obj: KObject,
  opts: NormalizeOptions & { readonly desired: KObject },
): NormalizedLive {
  return normalizeInternal(obj, 'live', opts);
}
