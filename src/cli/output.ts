// Text output shared by CLI commands: aligned tables (as Go's tabwriter prints them for argocd and
// kubectl), "Label:  value" summaries, JSON/YAML dumps, short SHAs and durations. Pure.
import { stringify } from 'yaml';
import { ApiError } from '../api/errors.js';

export type OutputFormat = 'json' | 'yaml' | 'wide' | 'name' | 'table';

/** Where a command prints; `isTTY` decides colours. */
export interface Output {
  write(text: string): void;
  readonly isTTY?: boolean;
  /** Terminal width, when known (live views cut lines to it so redraws stay in place). */
  readonly columns?: number;
}

/** Columns separated by at least two spaces; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `Label:` padded to a fixed column, then the value (argocd's `app get` layout). */
export function summary(fields: readonly (readonly [string, string])[], width = 20): string {
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join('');
}

export function toJson(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

export function toYamlText(v: unknown): string {
  return stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function parseOutputFormat(v: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  const f = (v ?? 'table') as OutputFormat;
  if (!allowed.includes(f)) {
    throw new Error(
      `unknown output format "${v}": use one of ${allowed.filter((a) => a !== 'table').join(', ')}`,
    );
  }
  return f;
}

/** The first 7 characters of a 40-hex SHA; anything else unchanged. */
export function shortSha(rev: string | undefined): string {
  if (!rev) {
    return '';
  }
  return /^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

/** "5m", "1h30m", "90s" → milliseconds (the Go-style durations of `--timeout`). */
export function parseTimeout(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    return Number(s) * 1000;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      throw new Error(`invalid duration "${text}" (examples: 30s, 5m, 1h)`);
    }
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  if (s === '' || total <= 0) {
    throw new Error(`invalid duration "${text}" (examples: 30s, 5m, 1h)`);
  }
  return total;
}

/** Ages and durations the way kubectl prints them (one rule set for the whole project). */
export { humanDuration } from '../cluster/apiserver/table-format.js';

/** `<none>` for empty cells, as kubectl and argocd print them. */
export function orNone(v: string | undefined): string {
  return v === undefined || v === '' ? '<none>' : v;
}

/** An error as kubectl prints it: `Error from server (Reason): …` for an API error, else `error: …`. */
export function kubectlErrorLine(e: unknown): string {
  return e instanceof ApiError
    ? `Error from server (${e.reason}): ${e.message}\n`
    : `error: ${e instanceof Error ? e.message : String(e)}\n`;
}
