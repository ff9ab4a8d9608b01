// Prints server-side Tables (meta.k8s.io/v1 Table) the way kubectl does: upper-case headers,
// columns laid out like Go's tabwriter in kubectl's settings (minimum width 6, 3 spaces of
// padding, the last column unpadded), priority > 0 columns only when wide, a NAMESPACE column
// first for all namespaces, an optional LABELS column. Pure.
import { formatLabels } from '../api/labels.js';
import { orNone } from './output.js';

export interface TableColumn {
  readonly name: string;
  readonly type?: string;
  readonly priority?: number;
}

export interface TableRow {
  readonly cells: readonly unknown[];
  readonly object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
}

export interface KubeTable {
  readonly columnDefinitions: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

export interface TableOptions {
  readonly wide?: boolean;
  readonly allNamespaces?: boolean;
  readonly showLabels?: boolean;
  readonly noHeaders?: boolean;
  /** Put `<type>/` before each name (kubectl does when several types are listed). */
  readonly namePrefix?: string;
}

const MIN_WIDTH = 6;
const PADDING = 3;

const width = (s: string) => [...s].length;

/** A cell as kubectl prints it: nothing for null, up to the first line break (then `...`). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const br = s.search(/[\f\n\r]/);
  const text = br >= 0 ? `${s.slice(0, br)}...` : s;
  // control characters are shown as ^X rather than sent to the terminal
  return [...text]
    .map((c) => {
      const code = c.charCodeAt(0);
      return code < 32 || code === 127 ? `^${String.fromCharCode((code + 64) % 128)}` : c;
    })
    .join('');
}

/** Lines of cells aligned as Go's text/tabwriter aligns tab-terminated cells. */
export function tabwrite(lines: readonly (readonly string[])[]): string {
  const cols = Math.max(0, ...lines.map((l) => l.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) {
    const cells = lines.filter((l) => c < l.length - 1).map((l) => width(l[c] ?? ''));
    widths.push(Math.max(MIN_WIDTH, ...cells.map((w) => w + PADDING)));
  }
  return lines
    .map((l) =>
      l
        .map((cell, i) => (i === l.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
        .join(''),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** The header and rows of one or more Tables of the same type, as kubectl prints them. */
export function tableLines(tables: readonly KubeTable[], opts: TableOptions = {}): string[][] {
  const first = tables[0];
  if (!first) {
    return [];
  }
  const keep = first.columnDefinitions.map((c) => opts.wide === true || (c.priority ?? 0) === 0);
  const lines: string[][] = [];
  if (!opts.noHeaders) {
    const header = first.columnDefinitions.filter((_, i) => keep[i]).map((c) => c.name.toUpperCase());
    lines.push([
      ...(opts.allNamespaces ? ['NAMESPACE'] : []),
      ...header,
      ...(opts.showLabels ? ['LABELS'] : []),
    ]);
  }
  for (const t of tables) {
    for (const row of t.rows) {
      const cells = first.columnDefinitions
        .map((c, i) => {
          const text = cellText(row.cells[i]);
          return i === 0 && c.name.toLowerCase() === 'name' && opts.namePrefix
            ? `${opts.namePrefix}/${text}`
            : text;
        })
        .filter((_, i) => keep[i]);
      lines.push([
        ...(opts.allNamespaces ? [row.object?.metadata?.namespace ?? ''] : []),
        ...cells,
        ...(opts.showLabels ? [orNone(formatLabels(row.object?.metadata?.labels))] : []),
      ]);
    }
  }
  return lines;
}
