// Line diff (Myers' O(ND) algorithm) and unified-diff hunks. Pure.

export type EditOp = ' ' | '-' | '+';

export interface Edit {
  readonly op: EditOp;
  readonly line: string;
}

/** Edit distance beyond which the middle part is shown as all removed, then all added. */
const MAX_D = 1000;

/** The shortest edit script turning `a` into `b` (deletions before insertions at each change). */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: Edit[] = [];
  for (let i = 0; i < start; i++) {
    out.push({ op: ' ', line: a[i]! });
  }
  out.push(...myers(a.slice(start, endA), b.slice(start, endB)));
  for (let i = endA; i < a.length; i++) {
    out.push({ op: ' ', line: a[i]! });
  }
  return out;
}

function replaceAll(a: readonly string[], b: readonly string[]): Edit[] {
  return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
}

function myers(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) {
    return replaceAll(a, b);
  }
  const max = Math.min(n + m, MAX_D);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) {
    return replaceAll(a, b);
  }
  // Walk the trace back from (n, m), collecting the script in reverse.
  const rev: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push({ op: ' ', line: a[--x]! });
      y--;
    }
    if (x === prevX) {
      rev.push({ op: '+', line: b[--y]! });
    } else {
      rev.push({ op: '-', line: a[--x]! });
    }
  }
  while (x > 0 && y > 0) {
    rev.push({ op: ' ', line: a[--x]! });
    y--;
  }
  return rev.reverse();
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  readonly edits: readonly Edit[];
}

/** Groups an edit script into unified-diff hunks with `context` unchanged lines around changes. */
export function hunks(edits: readonly Edit[], context = 3): Hunk[] {
  const out: Hunk[] = [];
  let i = 0;
  let oldLine = 1;
  let newLine = 1;
  // Line numbers before each edit.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  for (const e of edits) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (e.op !== '+') {
      oldLine++;
    }
    if (e.op !== '-') {
      newLine++;
    }
  }
  while (i < edits.length) {
    if (edits[i]!.op === ' ') {
      i++;
      continue;
    }
    const from = Math.max(0, i - context);
    let to = i;
    let lastChange = i;
    while (to < edits.length) {
      if (edits[to]!.op !== ' ') {
        lastChange = to;
      } else if (to - lastChange > 2 * context) {
        break;
      }
      to++;
    }
    const end = Math.min(edits.length, lastChange + context + 1);
    const slice = edits.slice(from, end);
    const oldLines = slice.filter((e) => e.op !== '+').length;
    const newLines = slice.filter((e) => e.op !== '-').length;
    out.push({
      oldStart: oldLines === 0 ? oldAt[from]! - 1 : oldAt[from]!,
      oldLines,
      newStart: newLines === 0 ? newAt[from]! - 1 : newAt[from]!,
      newLines,
      edits: slice,
    });
    i = end;
  }
  return out;
}
