// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// The three-way rule that keeps defaults added by controllers and the API server from showing as
// differences while still catching a field removed from git. A desired manifest is a partial
// spec, so a field present only in live is a difference only when it was in the configuration
// applied last (removed from git since); otherwise it belongs to someone else and is dropped from
// the live copy before comparing. Lists that Kubernetes merges by key (containers, env, ports,
// volumes, …) are matched element by element by that key, so their order does not matter.
// Pure; mutates the live copy it is given.
import { compareQuantities } from '../../../src/api/quantity.js';
import { type ListStrategy, listStrategyAt } from '../../../src/api/schema/index.js';
import { isEmptyObject, isObj, jsonEqual, type Obj } from './object-utils.js';

/** A step from a node to its child in the last-applied configuration. */
type LastStep = string | number | { readonly mergeKey: string; readonly id: string };

interface Ctx {
  readonly apiVersion: string;
  readonly kind: string;
  /** Path from the root (numbers for list indexes), for the list-strategy lookup. */
  readonly path: (string | number)[];
  /** The same path as steps into the last-applied configuration (merge lists step by key). */
  readonly lastPath: LastStep[];
  /** The last-applied configuration, parsed on first need (most objects never need it). */
  readonly lastRoot: () => unknown;
}

/** Marks a last-applied value not looked up yet (resolved through ctx.lastPath when needed). */
const LAZY: unique symbol = Symbol('lazy');
type Last = unknown | typeof LAZY;

function resolveLast(ctx: Ctx): unknown {
  let cur: unknown = ctx.lastRoot();
  for (const st of ctx.lastPath) {
    if (cur === undefined || cur === null) {
      return undefined;
    }
    if (typeof st === 'string') {
      cur = isObj(cur) ? cur[st] : undefined;
    } else if (typeof st === 'number') {
      cur = Array.isArray(cur) ? cur[st] : undefined;
    } else {
      cur = Array.isArray(cur) ? cur.find((el) => keyOfElement(el, st.mergeKey) === st.id) : undefined;
    }
  }
  return cur;
}

function childLast(last: Last, step: string | number): Last {
  if (last === LAZY) {
    return LAZY;
  }
  if (typeof step === 'string') {
    return isObj(last) ? last[step] : undefined;
  }
  return Array.isArray(last) ? last[step] : undefined;
}

const strategyCache = new Map<string, ListStrategy | null>();

function strategyAt(ctx: Ctx): ListStrategy | undefined {
  let id = `${ctx.apiVersion}|${ctx.kind}`;
  for (const seg of ctx.path) {
    if (typeof seg === 'string') {
      id += `.${seg}`;
    }
  }
  let s = strategyCache.get(id);
  if (s === undefined) {
    s = listStrategyAt(ctx.apiVersion, ctx.kind, ctx.path) ?? null;
    strategyCache.set(id, s);
  }
  return s ?? undefined;
}

const QUANTITY_MAPS = new Set(['requests', 'limits', 'hard', 'capacity', 'allocatable']);

/** `0.5` and `500m`, `1Gi` and `1024Mi` are the same quantity: make live spell it as desired does. */
function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) {
    return false;
  }
  try {
    return compareQuantities(a, b) === 0;
  } catch {
    return false;
  }
}

/** Keeps only what `last` has (a subtree removed from git, shown as removed as it was applied). */
function trimTo(live: unknown, last: unknown): void {
  if (!isObj(live) || !isObj(last)) {
    return;
  }
  for (const k of Object.keys(live)) {
    if (!Object.hasOwn(last, k)) {
      delete live[k];
    } else {
      trimTo(live[k], last[k]);
    }
  }
}

/**
 * Each prune function returns whether live now equals desired (the walk that prunes is also the
 * equality check, so a resource in sync costs one walk).
 */
function pruneValue(live: unknown, desired: unknown, last: Last, ctx: Ctx): boolean {
  if (isObj(live)) {
    return isObj(desired) && pruneObject(live, desired, last, ctx);
  }
  if (Array.isArray(live)) {
    return Array.isArray(desired) && pruneList(live, desired, last, ctx);
  }
  return live === desired;
}

function pruneObject(live: Obj, desired: Obj, last: Last, ctx: Ctx): boolean {
  const quantities = QUANTITY_MAPS.has(String(ctx.path[ctx.path.length - 1]));
  let equal = true;
  for (const k in live) {
    const lv = live[k];
    if (!Object.hasOwn(desired, k)) {
      if (last === LAZY) {
        last = resolveLast(ctx);
      }
      const lastV = isObj(last) ? last[k] : undefined;
      if (lastV === undefined || lastV === null) {
        delete live[k];
      } else {
        trimTo(lv, lastV);
        equal = false;
      }
      continue;
    }
    const dv = desired[k];
    if (typeof lv === 'object' && lv !== null) {
      ctx.path.push(k);
      ctx.lastPath.push(k);
      if (!pruneValue(lv, dv, childLast(last, k), ctx)) {
        equal = false;
      }
      ctx.path.pop();
      ctx.lastPath.pop();
    } else if (lv !== dv) {
      if (quantities && sameQuantity(lv, dv)) {
        live[k] = dv;
      } else {
        equal = false;
      }
    }
  }
  for (const k in desired) {
    if (live[k] === undefined) {
      // The API server does not store empty maps and lists: one in git changes nothing.
      const dv = desired[k];
      if (isObj(dv) && isEmptyObject(dv)) {
        live[k] = {};
      } else if (Array.isArray(dv) && dv.length === 0) {
        live[k] = [];
      } else {
        equal = false;
      }
    }
  }
  return equal;
}

function keyOfElement(el: unknown, mergeKey: string): string | undefined {
  if (!isObj(el)) {
    return undefined;
  }
  const v = el[mergeKey];
  return v === undefined ? undefined : `${typeof v}:${String(v)}`;
}

function pruneList(live: unknown[], desired: unknown[], last: Last, ctx: Ctx): boolean {
  const strategy = strategyAt(ctx);
  if (strategy?.strategy === 'merge' && strategy.mergeKey) {
    return alignByKey(live, desired, last, strategy.mergeKey, ctx);
  }
  if (strategy?.strategy === 'merge') {
    return alignAsSet(live, desired, last, ctx);
  }
  // Atomic list: compared position by position; only drop live-only fields inside elements.
  let equal = live.length === desired.length;
  const n = Math.min(live.length, desired.length);
  for (let i = 0; i < n; i++) {
    ctx.path.push(i);
    ctx.lastPath.push(i);
    if (!pruneValue(live[i], desired[i], childLast(last, i), ctx)) {
      equal = false;
    }
    ctx.path.pop();
    ctx.lastPath.pop();
  }
  return equal;
}

/** Recurses into live[i] against its desired counterpart, matched by merge key `id`. */
function pruneElement(
  live: unknown,
  desired: unknown,
  last: Last,
  mergeKey: string,
  id: string,
  at: number,
  ctx: Ctx,
): boolean {
  ctx.path.push(at);
  ctx.lastPath.push({ mergeKey, id });
  const lastEl =
    last === LAZY
      ? LAZY
      : Array.isArray(last)
        ? last.find((el) => keyOfElement(el, mergeKey) === id)
        : undefined;
  const equal = pruneValue(live, desired, lastEl, ctx);
  ctx.path.pop();
  ctx.lastPath.pop();
  return equal;
}

/** Reorders live like desired (matched by merge key); live-only elements stay only when applied before. */
function alignByKey(live: unknown[], desired: unknown[], last: Last, mergeKey: string, ctx: Ctx): boolean {
  // Fast path: the same elements in the same order (the usual case).
  if (live.length === desired.length) {
    let same = true;
    for (let i = 0; i < live.length && same; i++) {
      const k = keyOfElement(live[i], mergeKey);
      same = k !== undefined && k === keyOfElement(desired[i], mergeKey);
    }
    if (same) {
      let equal = true;
      for (let i = 0; i < live.length; i++) {
        if (!pruneElement(live[i], desired[i], last, mergeKey, keyOfElement(live[i], mergeKey)!, i, ctx)) {
          equal = false;
        }
      }
      return equal;
    }
  }
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < live.length; i++) {
    const k = keyOfElement(live[i], mergeKey);
    if (k !== undefined) {
      const list = byKey.get(k);
      if (list) {
        list.push(i);
      } else {
        byKey.set(k, [i]);
      }
    }
  }
  const used = new Uint8Array(live.length);
  const out: unknown[] = [];
  let equal = true;
  for (const d of desired) {
    const k = keyOfElement(d, mergeKey);
    const i = k === undefined ? undefined : byKey.get(k)?.shift();
    if (i === undefined || k === undefined) {
      equal = false; // desired element live lacks
      continue;
    }
    used[i] = 1;
    if (!pruneElement(live[i], d, last, mergeKey, k, out.length, ctx)) {
      equal = false;
    }
    out.push(live[i]);
  }
  let lastList: unknown = last;
  for (let i = 0; i < live.length; i++) {
    if (used[i]) {
      continue;
    }
    const k = keyOfElement(live[i], mergeKey);
    if (lastList === LAZY) {
      lastList = resolveLast(ctx);
    }
    const lastEl =
      k === undefined || !Array.isArray(lastList)
        ? undefined
        : lastList.find((el) => keyOfElement(el, mergeKey) === k);
    if (lastEl !== undefined) {
      trimTo(live[i], lastEl);
      out.push(live[i]);
      equal = false;
    }
  }
  live.length = 0;
  live.push(...out);
  return equal;
}

/** A merge list of scalars is a set: desired's order, live-only members only when applied before. */
function alignAsSet(live: unknown[], desired: unknown[], last: Last, ctx: Ctx): boolean {
  const remaining = [...live];
  const out: unknown[] = [];
  for (const d of desired) {
    const i = remaining.findIndex((x) => jsonEqual(x, d));
    if (i >= 0) {
      out.push(remaining[i]);
      remaining.splice(i, 1);
    }
  }
  let equal = out.length === desired.length;
  if (remaining.length > 0) {
    const lastList = last === LAZY ? resolveLast(ctx) : last;
    for (const x of remaining) {
      if (Array.isArray(lastList) && lastList.some((y) => jsonEqual(x, y))) {
        out.push(x);
        equal = false;
      }
    }
  }
  live.length = 0;
  live.push(...out);
  return equal;
}

/**
 * Drops from `live` (a normalized copy) what neither the normalized desired object nor the last
 * applied configuration has, trims subtrees removed from git to what was applied, aligns merge
 * lists with desired's order, spells equal quantities as desired does, and adds the empty maps
 * and lists desired has where live has nothing. `lastApplied` is only called when live has a
 * field desired lacks. Returns whether live then equals desired.
 */
export function pruneLiveOnly(
  live: Obj,
  desired: Obj,
  lastApplied: () => Obj | undefined,
  apiVersion: string,
  kind: string,
): boolean {
  let root: Obj | undefined | null = null;
  const lastRoot = () => {
    if (root === null) {
      root = lastApplied();
    }
    return root;
  };
  return pruneObject(live, desired, LAZY, { apiVersion, kind, path: [], lastPath: [], lastRoot });
}
