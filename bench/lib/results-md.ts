// Renders a benchmark's figures as a markdown section of bench/RESULTS.md and swaps it in for
// the previous one (other sections stay as they are). The figures also travel in an HTML
// comment, so the next run can show the previous run's values beside its own. Pure.

export interface Goal {
  readonly op: '>=' | '<=';
  readonly target: number;
}

export interface Figure {
  /** Stable id: the key the next run finds this figure under. */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly digits: number;
  readonly goal?: Goal;
}

export interface SectionInput {
  readonly heading: string;
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  /** Free text under the machine/command lines: method, caveats. */
  readonly notes: readonly string[];
  readonly figures: readonly Figure[];
  /** Free text after the table: where the time goes, suggestions. */
  readonly analysis: readonly string[];
}

const MARK = 'gantry-bench-figures';

export function goalMet(f: Figure): boolean | undefined {
  if (!f.goal) {
    return undefined;
  }
  return f.goal.op === '>=' ? f.value >= f.goal.target : f.value <= f.goal.target;
}

export function formatValue(value: number, digits: number, unit: string): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  const s = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '' ? s : `${s} ${unit}`;
}

/** The figures (id → value) and date recorded in a section rendered by renderSection. */
export function previousFigures(
  section: string,
): { date: string; values: Record<string, number> } | undefined {
  const m = new RegExp(`<!-- ${MARK} (\\{.*?\\}) -->`).exec(section);
  if (!m) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(m[1]!) as { date?: unknown; values?: unknown };
    if (typeof parsed.date !== 'string' || typeof parsed.values !== 'object' || parsed.values === null) {
      return undefined;
    }
    return { date: parsed.date, values: parsed.values as Record<string, number> };
  } catch {
    return undefined;
  }
}

/** The section of doc under `## heading` (up to the next `## ` heading), or undefined. */
export function findSection(doc: string, heading: string): string | undefined {
  const range = sectionRange(doc, heading);
  return range && doc.slice(range.start, range.end);
}

function sectionRange(doc: string, heading: string): { start: number; end: number } | undefined {
  const lines = doc.split('\n');
  let offset = 0;
  let start: number | undefined;
  for (const line of lines) {
    if (start === undefined && line.trim() === `## ${heading}`) {
      start = offset;
    } else if (start !== undefined && /^## /.test(line)) {
      return { start, end: offset };
    }
    offset += line.length + 1;
  }
  return start === undefined ? undefined : { start, end: doc.length };
}

export function renderSection(
  input: SectionInput,
  previous?: { date: string; values: Record<string, number> },
): string {
  const out: string[] = [`## ${input.heading}`, ''];
  out.push(`- Date: ${input.date}`);
  out.push(`- Machine: ${input.machine}`);
  out.push(`- Command: \`${input.command}\``);
  for (const n of input.notes) {
    out.push(`- ${n}`);
  }
  out.push('');
  const prevCol = previous !== undefined;
  out.push(
    prevCol
      ? `| Figure | This run | Previous run (${previous.date}) | Goal | Met |`
      : '| Figure | Value | Goal | Met |',
  );
  out.push(prevCol ? '| --- | ---: | ---: | --- | --- |' : '| --- | ---: | --- | --- |');
  for (const f of input.figures) {
    const met = goalMet(f);
    const goal = f.goal
      ? `${f.goal.op === '>=' ? '≥' : '≤'} ${formatValue(f.goal.target, f.digits, f.unit)}`
      : '';
    const metText = met === undefined ? '' : met ? 'met' : '**not met**';
    const cells = [f.label, formatValue(f.value, f.digits, f.unit)];
    if (prevCol) {
      const p = previous.values[f.id];
      cells.push(p === undefined ? '' : formatValue(p, f.digits, f.unit));
    }
    cells.push(goal, metText);
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  for (const a of input.analysis) {
    out.push(a);
  }
  if (input.analysis.length > 0) {
    out.push('');
  }
  const values = Object.fromEntries(input.figures.map((f) => [f.id, Number(f.value.toPrecision(6))]));
  out.push(`<!-- ${MARK} ${JSON.stringify({ date: input.date, values })} -->`);
  out.push('');
  return out.join('\n');
}

/** doc with the section under `## heading` replaced by section (appended when absent). */
export function replaceSection(doc: string, heading: string, section: string): string {
  const base = doc.trim() === '' ? '# Benchmark results\n\n' : doc;
  const range = sectionRange(base, heading);
  if (range === undefined) {
    return `${base.replace(/\n*$/, '\n\n')}${section}`;
  }
  return base.slice(0, range.start) + section + (range.end < base.length ? '\n' : '') + base.slice(range.end);
}
