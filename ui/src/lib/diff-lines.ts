// The lines of a unified diff (as `gantry app diff` renders it) classified for display: resource
// titles, file headers, hunk headers, added, removed and context lines. Pure.

export type DiffLineKind = 'title' | 'file' | 'hunk' | 'add' | 'del' | 'context';

export interface DiffLine {
  readonly kind: DiffLineKind;
  readonly text: string;
}

export function classifyDiffLine(line: string): DiffLineKind {
  if (line.startsWith('===== ')) {
    return 'title';
  }
  if (line.startsWith('--- ') || line.startsWith('+++ ')) {
    return 'file';
  }
  if (line.startsWith('@@')) {
    return 'hunk';
  }
  if (line.startsWith('+')) {
    return 'add';
  }
  if (line.startsWith('-')) {
    return 'del';
  }
  return 'context';
}

/** Every line of `text` with its kind (a final line end adds no empty line). */
export function classifyDiff(text: string): DiffLine[] {
  if (text === '') {
    return [];
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines.map((l) => ({ kind: classifyDiffLine(l), text: l }));
}

/** How many lines the diff adds and removes. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') {
      added++;
    } else if (l.kind === 'del') {
      removed++;
    }
  }
  return { added, removed };
}
