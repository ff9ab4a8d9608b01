// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// Secret masking: every value of a Secret's `data` / `stringData` (and the last-applied
// annotations, which repeat them) is replaced by a run of '+' before anything leaves this module,
// in patches, human diffs and returned objects. As in Argo CD, equal values get equal masks and
// different values different ones (8, 9, 10 … '+'), so a diff still shows which keys changed
// without showing a value. Pure.
import type { KObject } from '../../../src/api/types.js';
import { isObj, type Obj } from './object-utils.js';
import { LAST_APPLIED_GANTRY, LAST_APPLIED_KUBECTL } from './server-fields.js';

export const MASK = '++++++++';

export function isSecret(o: { readonly apiVersion?: unknown; readonly kind?: unknown } | undefined): boolean {
  return o !== undefined && o.kind === 'Secret' && o.apiVersion === 'v1';
}

/** Hands out masks for one Secret's values; share one instance between its desired and live sides. */
export class SecretMasker {
  private masks: Map<string, string> | undefined; // made on first use: most pairs are not Secrets

  /** The mask of a value as stored in `data` (base64). */
  maskData(value: unknown): string {
    const v = String(value);
    this.masks ??= new Map();
    let m = this.masks.get(v);
    if (m === undefined) {
      m = '+'.repeat(MASK.length + this.masks.size);
      this.masks.set(v, m);
    }
    return m;
  }

  /** The mask of a `stringData` value: the same as that value's mask in `data`. */
  maskStringData(value: unknown): string {
    return this.maskData(Buffer.from(String(value), 'utf8').toString('base64'));
  }
}

function maskMap(m: unknown, mask: (v: unknown) => string): Obj | undefined {
  if (!isObj(m)) {
    return undefined;
  }
  const out: Obj = {};
  for (const k of Object.keys(m)) {
    out[k] = mask(m[k]);
  }
  return out;
}

/**
 * A copy of a Secret with its values masked (anything else is returned as it is). Feed the live
 * side first, then desired, through the same masker so masks line up between them.
 */
export function maskSecret<T extends KObject | undefined>(o: T, masker: SecretMasker): T {
  if (o === undefined || !isSecret(o)) {
    return o;
  }
  const out: Obj = { ...o };
  if (o.data !== undefined) {
    out.data = maskMap(o.data, (v) => masker.maskData(v)) ?? MASK;
  }
  if (o.stringData !== undefined) {
    out.stringData = maskMap(o.stringData, (v) => masker.maskStringData(v)) ?? MASK;
  }
  const ann = o.metadata?.annotations;
  if (isObj(ann) && (ann[LAST_APPLIED_KUBECTL] !== undefined || ann[LAST_APPLIED_GANTRY] !== undefined)) {
    const annotations: Obj = { ...ann };
    for (const a of [LAST_APPLIED_KUBECTL, LAST_APPLIED_GANTRY]) {
      if (annotations[a] !== undefined) {
        annotations[a] = MASK;
      }
    }
    out.metadata = { ...o.metadata, annotations };
  }
  return out as T;
}
