// Applies a promotion plan's edits to a file's text with the `yaml` package's Document API, keeping
// what a reviewer cares about: comments, key order, quoting, and — where only scalar values change
// (an image tag) — every other byte of the file. A document that needs a structural change (a new
// key, a removed one) is re-printed by the Document API in the file's own sequence/flow style;
// the other documents of the file are kept verbatim. Pure.
import { type Document, isScalar, parseAllDocuments, Scalar, stringify } from 'yaml';
import { PromoteError } from './errors.js';
import type { FileEdit } from './plan.js';

type ScalarValue = string | number | boolean | null;

const isScalarValue = (v: unknown): v is ScalarValue =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The text a scalar takes in place of a node of the given style. */
function scalarText(value: ScalarValue, type: Scalar['type']): string | undefined {
  if (typeof value === 'string' && type === Scalar.QUOTE_DOUBLE) {
    return JSON.stringify(value);
  }
  if (typeof value === 'string' && type === Scalar.QUOTE_SINGLE) {
    return `'${value.replace(/'/g, "''")}'`;
  }
  if (type === Scalar.PLAIN || type === undefined) {
    const out = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
    return out.includes('\n') ? undefined : out;
  }
  return undefined; // block scalars: re-print the document
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function spliceFor(doc: Document, e: FileEdit): Splice | undefined {
  if (e.op !== 'set' || !isScalarValue(e.new)) {
    return undefined;
  }
  const node = doc.getIn(e.path, true);
  if (!isScalar(node) || !node.range) {
    return undefined;
  }
  const text = scalarText(e.new, node.type);
  return text === undefined ? undefined : { start: node.range[0], end: node.range[1], text };
}

/** Style of the original text, so a re-printed document looks like its neighbours. */
function styleOf(text: string): { indentSeq: boolean; flowCollectionPadding: boolean } {
  const lines = text.split('\n');
  let indentSeq = true;
  for (let i = 1; i < lines.length; i++) {
    const m = /^(\s*)- /.exec(lines[i] ?? '');
    const prev = /^(\s*)[^\s#-][^:]*:\s*$/.exec(lines[i - 1] ?? '');
    if (m && prev) {
      indentSeq = (m[1] ?? '').length > (prev[1] ?? '').length;
      break;
    }
  }
  return { indentSeq, flowCollectionPadding: !/[{[][^\s}\]]/.test(text) };
}

function checkPath(doc: Document, e: FileEdit): void {
  const parent = e.path.length > 1 ? doc.getIn(e.path.slice(0, -1), true) : doc.contents;
  if (parent === undefined || parent === null) {
    throw new PromoteError(
      'InvalidManifest',
      `${e.file}:${e.line}: cannot edit ${e.path.join('.')}: its parent is missing (the file changed since the plan?)`,
    );
  }
}

/** The file's new text once `edits` (all for this file) are applied. */
export function applyEdits(text: string, edits: readonly FileEdit[]): string {
  if (edits.length === 0) {
    return text;
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length === 0) {
    throw new PromoteError('InvalidManifest', `${edits[0]?.file}: not a YAML file`);
  }
  const byDoc = new Map<number, FileEdit[]>();
  for (const e of edits) {
    if (!docs[e.doc]) {
      throw new PromoteError('InvalidManifest', `${e.file}: document ${e.doc + 1} is missing`);
    }
    byDoc.set(e.doc, [...(byDoc.get(e.doc) ?? []), e]);
  }
  const splices: Splice[] = [];
  const reprinted = new Set<number>();
  for (const [i, list] of byDoc) {
    const doc = docs[i] as Document;
    const s = list.map((e) => spliceFor(doc, e));
    if (s.every((x) => x !== undefined)) {
      splices.push(...(s as Splice[]));
      continue;
    }
    for (const e of list) {
      if (e.op === 'delete') {
        doc.deleteIn(e.path);
      } else {
        checkPath(doc, e);
        const node = doc.getIn(e.path, true);
        if (isScalar(node) && isScalarValue(e.new)) {
          node.value = e.new; // keeps the node's comments and, where it can, its quoting
        } else {
          doc.setIn(e.path, doc.createNode(e.new));
        }
      }
    }
    reprinted.add(i);
  }
  // Re-printed documents replace their whole chunk; splices go into the others, last first.
  const style = styleOf(text);
  const starts = docs.map((d, i) => (i === 0 ? 0 : (d.range?.[0] ?? text.length)));
  let out = '';
  docs.forEach((d, i) => {
    const from = starts[i] ?? 0;
    const to = starts[i + 1] ?? text.length;
    if (reprinted.has(i)) {
      out += d.toString({ ...style, lineWidth: 0 });
      return;
    }
    let chunk = text.slice(from, to);
    const mine = splices.filter((s) => s.start >= from && s.end <= to).sort((a, b) => b.start - a.start);
    for (const s of mine) {
      chunk = chunk.slice(0, s.start - from) + s.text + chunk.slice(s.end - from);
    }
    out += chunk;
  });
  return out;
}

/** Applies a plan to a set of files (path → text); returns only the files that changed. */
export function applyPlanToFiles(
  files: ReadonlyMap<string, string>,
  edits: readonly FileEdit[],
): Map<string, string> {
  const out = new Map<string, string>();
  const byFile = new Map<string, FileEdit[]>();
  for (const e of edits) {
    byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  }
  for (const [file, list] of byFile) {
    const text = files.get(file);
    if (text === undefined) {
      throw new PromoteError('InvalidManifest', `${file}: not found`);
    }
    const next = applyEdits(text, list);
    if (next !== text) {
      out.set(file, next);
    }
  }
  return out;
}
