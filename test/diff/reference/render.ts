// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Do not edit.
// Human diff: a unified diff of the normalized objects as YAML with sorted keys, `--- live` /
// `+++ desired`, under a `===== group/Kind namespace/name ======` title as `argocd app diff`
// prints it; ANSI colours on request. Pure (callers mask Secrets before rendering).
import type { ResourceKey } from '../../../src/api/keys.js';
import type { KObject } from '../../../src/api/types.js';
import { diffLines, hunks } from '../../../src/diff/line-diff.js';
import { emitYaml } from './yaml-emit.js';

export interface RenderOptions {
  readonly color?: boolean;
  readonly context?: number;
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const CYAN = '\u001b[36m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** YAML of an object with its keys sorted at every level ('' for undefined). */
export function toYaml(o: KObject | undefined): string {
  return emitYaml(o);
}

function lines(text: string): string[] {
  if (text === '') {
    return [];
  }
  const out = text.split('\n');
  if (out[out.length - 1] === '') {
    out.pop();
  }
  return out;
}

export function diffTitle(key: ResourceKey): string {
  return `===== ${key.group}/${key.kind} ${key.namespace}/${key.name} ======`;
}

/** Unified diff of live → desired; '' when the two render the same. */
export function renderDiff(
  key: ResourceKey,
  live: KObject | undefined,
  desired: KObject | undefined,
  opts: RenderOptions = {},
): string {
  const before = lines(toYaml(live));
  const after = lines(toYaml(desired));
  const hs = hunks(diffLines(before, after), opts.context ?? 3);
  if (hs.length === 0) {
    return '';
  }
  const paint = (code: string, s: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const out = [paint(BOLD, diffTitle(key)), paint(BOLD, '--- live'), paint(BOLD, '+++ desired')];
  for (const h of hs) {
    out.push(paint(CYAN, `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`));
    for (const e of h.edits) {
      const text = `${e.op}${e.line}`;
      out.push(e.op === '-' ? paint(RED, text) : e.op === '+' ? paint(GREEN, text) : text);
    }
  }
  return `${out.join('\n')}\n`;
}
