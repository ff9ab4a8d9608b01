// The three-way rule that keeps defaults added by controllers and the API server from showing as
// differences while still catching a field removed from git. A desired manifest is a partial
// spec, so a field present only in live is a difference only when it was in the configuration
// applied last (removed from git since); otherwise it belongs to someone else and is dropped from
// the live copy before comparing. Lists that Kubernetes merges by key (containers, env, ports,
// volumes, …) are matched element by element by that key, so their order does not matter.
// Pure; mutates the live copy it is given.
import { compareQuantities } from '../api/quantity.js';
import { type ListStrategy, listStrategyAt } from '../api/schema/index.js';
import { isEmptyObject, isObj, jsonEqual, type Obj } from './object-utils.js';

/**
 * A step from a node to its child in the last-applied configuration: a key, an index, or the
 * element of a merge list whose merge key has the value `value`.
 */
type LastStep = string | number | { readonly mergeKey: string; readonly value: unknown };

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

/** The merge-key value of a list element (undefined when it is not an object or lacks the key). */
function mergeKeyOf(el: unknown, mergeKey: string): unknown {
  return isObj(el) ? el[mergeKey] : undefined;
}

/**
 * Whether two merge-key values name the same element: same type and the same text (so 1 and
 * '1' differ, as kubectl's strategic merge treats them). Undefined names nothing.
 */
function sameMergeKey(a: unknown, b: unknown): boolean {
  return a !== undefined && b !== undefined && typeof a === typeof b && (a === b || String(a) === String(b));
}

function findByMergeKey(list: readonly unknown[], mergeKey: string, value: unknown): unknown {
  for (let i = 0; i < list.length; i++) {
    const el = list[i];
    if (sameMergeKey(mergeKeyOf(el, mergeKey), value)) {
      return el;
    }
  }
  return undefined;
}

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
      cur = Array.isArray(cur) ? findByMergeKey(cur, st.mergeKey, st.value) : undefined;
    }
  }
  return cur;
}

/**
 * List strategies by apiVersion, kind and the path's keys (list indexes skipped: every element
 * of a list has the same schema). A tree of maps, so a lookup builds no string.
 */
interface StrategyNode {
  /** null: looked up, no strategy; undefined: not looked up yet. */
  strategy: ListStrategy | null | undefined;
  readonly children: Map<string, StrategyNode>;
}

const strategyRoots = new Map<string, Map<string, StrategyNode>>();

function childNode(children: Map<string, StrategyNode>, key: string): StrategyNode {
  let node = children.get(key);
  if (node === undefined) {
    node = { strategy: undefined, children: new Map() };
    children.set(key, node);
  }
  return node;
}

function strategyAt(ctx: Ctx): ListStrategy | undefined {
  let kinds = strategyRoots.get(ctx.apiVersion);
  if (kinds === undefined) {
    kinds = new Map();
    strategyRoots.set(ctx.apiVersion, kinds);
  }
  let node = childNode(kinds, ctx.kind);
  const path = ctx.path;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (typeof seg === 'string') {
      node = childNode(node.children, seg);
    }
  }
  let s = node.strategy;
  if (s === undefined) {
    s = listStrategyAt(ctx.apiVersion, ctx.kind, path) ?? null;
    node.strategy = s;
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

/** Whether the object being walked is a map of quantities (resources.requests, limits, …). */
function inQuantityMap(ctx: Ctx): boolean {
  const tail = ctx.path[ctx.path.length - 1];
  return typeof tail === 'string' && QUANTITY_MAPS.has(tail);
}

/**
 * Whether `o` has an own member `k` whose value `v` (= o[k]) was read already. A plain object
 * (prototype Object.prototype) inherits only functions and `__proto__`, so any other value
 * found is its own; otherwise ask.
 */
function ownMember(o: Obj, plain: boolean, k: string, v: unknown): boolean {
  if (plain && v !== undefined && typeof v !== 'function' && k !== '__proto__') {
    return true;
  }
  return Object.hasOwn(o, k);
}

function pruneObject(live: Obj, desired: Obj, last: Last, ctx: Ctx): boolean {
  const plain = Object.getPrototypeOf(desired) === Object.prototype;
  let equal = true;
  /** Members of desired that live has (with a value): when all of them, the second pass has nothing to do. */
  let matched = 0;
  for (const k in live) {
    const lv = live[k];
    const dv = desired[k];
    if (!ownMember(desired, plain, k, dv)) {
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
    if (lv !== undefined) {
      matched++;
    }
    if (typeof lv === 'object' && lv !== null) {
      ctx.path.push(k);
      ctx.lastPath.push(k);
      const childLast = last === LAZY ? LAZY : isObj(last) ? last[k] : undefined;
      if (!pruneValue(lv, dv, childLast, ctx)) {
        equal = false;
      }
      ctx.path.pop();
      ctx.lastPath.pop();
    } else if (lv !== dv) {
      if (inQuantityMap(ctx) && sameQuantity(lv, dv)) {
        live[k] = dv;
      } else {
        equal = false;
      }
    }
  }
  let members = 0;
  for (const _ in desired) {
    members++;
  }
  if (members === matched && plain) {
    return equal; // every member of desired is in live (own, enumerable, with a value)
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

/** The string a merge-key value is indexed by (type and text, see sameMergeKey). */
function keyOfElement(el: unknown, mergeKey: string): string | undefined {
  const v = mergeKeyOf(el, mergeKey);
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
    const childLast = last === LAZY ? LAZY : Array.isArray(last) ? last[i] : undefined;
    if (!pruneValue(live[i], desired[i], childLast, ctx)) {
      equal = false;
    }
    ctx.path.pop();
    ctx.lastPath.pop();
  }
  return equal;
}

/** Recurses into live[i] against its desired counterpart, matched by merge key value `value`. */
function pruneElement(
  live: unknown,
  desired: unknown,
  last: Last,
  mergeKey: string,
  value: unknown,
  at: number,
  ctx: Ctx,
): boolean {
  ctx.path.push(at);
  ctx.lastPath.push({ mergeKey, value });
  const lastEl =
    last === LAZY ? LAZY : Array.isArray(last) ? findByMergeKey(last, mergeKey, value) : undefined;
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
      same = sameMergeKey(mergeKeyOf(live[i], mergeKey), mergeKeyOf(desired[i], mergeKey));
    }
    if (same) {
      let equal = true;
      for (let i = 0; i < live.length; i++) {
        const el = live[i];
        if (!pruneElement(el, desired[i], last, mergeKey, mergeKeyOf(el, mergeKey), i, ctx)) {
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
    if (!pruneElement(live[i], d, last, mergeKey, mergeKeyOf(d, mergeKey), out.length, ctx)) {
      equal = false;
    }
    out.push(live[i]);
  }
  let lastList: unknown = last;
  for (let i = 0; i < live.length; i++) {
    if (used[i]) {
      continue;
    }
    const v = mergeKeyOf(live[i], mergeKey);
    if (lastList === LAZY) {
      lastList = resolveLast(ctx);
    }
    const lastEl =
      v === undefined || !Array.isArray(lastList) ? undefined : findByMergeKey(lastList, mergeKey, v);
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
