// `ignoreDifferences`: the fields an Application asks not to compare, removed from both
// normalized sides. JSON pointers (RFC 6901) in full; jq paths in a small subset:
// `.a.b`, `."a.b"`, `.a["b/c"]`, `.a[0]`, `.a[]`, `?` suffixes, and pipes into
// `select(.path == literal)` / `select(.path != literal)`. Pure; mutates the copy it is given.
import type { ResourceKey } from '../api/keys.js';
import { isObj, jsonEqual } from './object-utils.js';
import type { IgnoreDifference } from './types.js';

type Segment = string | number;

function matchField(rule: string | undefined, value: string, absentMeans: string | undefined): boolean {
  const want = rule ?? absentMeans;
  return want === undefined || want === '*' || want === value;
}

/** The rules that apply to a resource (group absent = core group; '*' matches anything). */
export function rulesFor(rules: readonly IgnoreDifference[], key: ResourceKey): IgnoreDifference[] {
  return rules.filter(
    (r) =>
      matchField(r.group, key.group, '') &&
      matchField(r.kind, key.kind, undefined) &&
      matchField(r.name, key.name, undefined) &&
      matchField(r.namespace, key.namespace, undefined),
  );
}

/** RFC 6901: `/a/b~1c/0` → ['a', 'b/c', '0']; '' is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  if (!pointer.startsWith('/')) {
    throw new Error(`ignoreDifferences: JSON pointer "${pointer}" must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Removes the value at path (array elements are spliced out); missing paths are fine. */
function removeAt(root: unknown, path: readonly Segment[]): void {
  if (path.length === 0) {
    return;
  }
  let cur: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    cur = step(cur, path[i]!);
    if (cur === undefined) {
      return;
    }
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(cur)) {
    const i = typeof last === 'number' ? last : /^\d+$/.test(last) ? Number(last) : -1;
    if (i >= 0 && i < cur.length) {
      cur.splice(i, 1);
    }
  } else if (isObj(cur)) {
    delete cur[String(last)];
  }
}

function step(cur: unknown, seg: Segment): unknown {
  if (Array.isArray(cur)) {
    const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
    return i >= 0 ? cur[i] : undefined;
  }
  return isObj(cur) && Object.hasOwn(cur, String(seg)) ? cur[String(seg)] : undefined;
}

// --- jq-lite -------------------------------------------------------------------------------

type PathStep = { readonly t: 'field'; readonly name: string | number } | { readonly t: 'each' };
type Stage =
  | { readonly t: 'path'; readonly steps: readonly PathStep[] }
  | {
      readonly t: 'select';
      readonly steps: readonly PathStep[];
      readonly eq: boolean;
      readonly value: unknown;
    };

function parsePath(src: string, expr: string): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  const fail = (): never => {
    throw new Error(`ignoreDifferences: unsupported jq path expression "${expr}"`);
  };
  const readString = (): string => {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(src.slice(i));
    if (!m) {
      fail();
    }
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  if (src === '.') {
    return steps;
  }
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      i++;
      if (src[i] === '"') {
        steps.push({ t: 'field', name: readString() });
      } else if (src[i] !== '[') {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
        if (!m) {
          fail();
        }
        steps.push({ t: 'field', name: m![0] });
        i += m![0].length;
      }
    } else if (c === '[') {
      i++;
      if (src[i] === ']') {
        steps.push({ t: 'each' });
      } else if (src[i] === '"') {
        steps.push({ t: 'field', name: readString() });
      } else {
        const m = /^\d+/.exec(src.slice(i));
        if (!m) {
          fail();
        }
        steps.push({ t: 'field', name: Number(m![0]) });
        i += m![0].length;
      }
      if (src[i] !== ']') {
        fail();
      }
      i++;
    } else if (c === '?') {
      i++;
    } else {
      fail();
    }
  }
  return steps;
}

export function parseJqPath(expr: string): Stage[] {
  return expr.split('|').map((raw): Stage => {
    const part = raw.trim();
    const sel = /^select\(\s*(\.[^=!]*?)\s*(==|!=)\s*(.+?)\s*\)$/.exec(part);
    if (sel) {
      let value: unknown;
      try {
        value = JSON.parse(sel[3]!);
      } catch {
        throw new Error(`ignoreDifferences: unsupported literal in jq expression "${expr}"`);
      }
      return { t: 'select', steps: parsePath(sel[1]!, expr), eq: sel[2] === '==', value };
    }
    if (!part.startsWith('.')) {
      throw new Error(`ignoreDifferences: unsupported jq path expression "${expr}"`);
    }
    return { t: 'path', steps: parsePath(part, expr) };
  });
}

interface Located {
  readonly value: unknown;
  readonly path: readonly Segment[];
}

function walk(from: readonly Located[], steps: readonly PathStep[]): Located[] {
  let cur = from;
  for (const s of steps) {
    const next: Located[] = [];
    for (const { value, path } of cur) {
      if (s.t === 'each') {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            next.push({ value: value[i], path: [...path, i] });
          }
        } else if (isObj(value)) {
          for (const [k, v] of Object.entries(value)) {
            next.push({ value: v, path: [...path, k] });
          }
        }
      } else {
        const v = step(value, s.name);
        if (v !== undefined) {
          next.push({ value: v, path: [...path, s.name] });
        }
      }
    }
    cur = next;
  }
  return [...cur];
}

/** Paths in `root` that a jq-lite expression selects. */
export function jqPaths(root: unknown, stages: readonly Stage[]): Segment[][] {
  let cur: Located[] = [{ value: root, path: [] }];
  for (const st of stages) {
    if (st.t === 'path') {
      cur = walk(cur, st.steps);
    } else {
      cur = cur.filter((l) => {
        const [hit] = walk([{ value: l.value, path: [] }], st.steps);
        const equal = hit !== undefined && jsonEqual(hit.value, st.value);
        return st.eq ? equal : !equal;
      });
    }
  }
  return cur.map((l) => [...l.path]);
}

function compareDesc(a: readonly Segment[], b: readonly Segment[]): number {
  // Later array indexes first, so splicing one element does not shift the next one's index.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) {
      return typeof x === 'number' && typeof y === 'number' ? y - x : String(y).localeCompare(String(x));
    }
  }
  return b.length - a.length;
}

/** Removes every path the rules name from `obj` (a normalized copy). */
export function applyIgnoreDifferences(obj: unknown, rules: readonly IgnoreDifference[]): void {
  const paths: Segment[][] = [];
  for (const r of rules) {
    for (const p of r.jsonPointers ?? []) {
      paths.push(parsePointer(p).map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s)));
    }
    for (const e of r.jqPathExpressions ?? []) {
      paths.push(...jqPaths(obj, parseJqPath(e)));
    }
  }
  paths.sort(compareDesc);
  for (const p of paths) {
    removeAt(obj, p);
  }
}
