// Rendering: the manifests of one revision as objects, each with the file and line it came from.
// Plain YAML/JSON directories (optionally recursive, include/exclude globs), multi-document files,
// `List` kinds flattened; a directory with a kustomization is rendered by `kubectl kustomize`.
// Parse errors name file:line:col; nothing here decides whether a manifest is valid (validate.ts).
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import type { KObject } from '../api/types.js';
import { globMatcher } from './glob.js';
import type { ManifestError, SourcedObject, SourceType } from './types.js';

export interface RenderOptions {
  /** The application's directory inside the repository ('' or '.' for the root). */
  readonly path?: string;
  readonly recurse?: boolean;
  readonly include?: string;
  readonly exclude?: string;
  /** The kubectl binary (for kustomize). Default `kubectl`. */
  readonly kubectl?: string;
}

export interface RenderResult {
  readonly sourceType: SourceType;
  readonly objects: SourcedObject[];
  readonly errors: ManifestError[];
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** `spec.template.spec.containers[0].image` → ['spec','template','spec','containers',0,'image']. */
export function parseFieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(field); m !== null; m = re.exec(field)) {
    if (m[1] !== undefined) {
      out.push(m[1]);
    } else if (m[2] !== undefined) {
      out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
    }
  }
  return out;
}

function keyMatches(key: unknown, seg: string | number): boolean {
  return isScalar(key) ? String(key.value) === String(seg) : String(key) === String(seg);
}

/** The line of the deepest node along `path` under `root` (a key's line for map entries). */
function lineAlong(root: unknown, path: readonly (string | number)[], lc: LineCounter): number | undefined {
  let node: unknown = root;
  let line: number | undefined;
  const lineOfNode = (n: unknown) => {
    const r = (n as YamlNode | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  line = lineOfNode(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyMatches(p.key, seg));
      if (!pair) {
        break;
      }
      line = lineOfNode(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) {
        break;
      }
      line = lineOfNode(item) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one file's text (YAML, multi-document, or JSON) into objects with their lines. Pure. */
export function parseManifests(
  text: string,
  file: string,
): { objects: SourcedObject[]; errors: ManifestError[] } {
  const objects: SourcedObject[] = [];
  const errors: ManifestError[] = [];
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? (typeof e.pos?.[0] === 'number' ? lc.linePos(e.pos[0]) : undefined);
        errors.push({
          file,
          line: pos?.line,
          col: pos?.col,
          message: e.message.split('\n')[0] ?? e.message,
        });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ file, line: lineAlong(doc.contents, [], lc), message: (e as Error).message });
      continue;
    }
    if (value === null || value === undefined) {
      continue;
    }
    const docLine = lineAlong(doc.contents, [], lc) ?? 1;
    if (!isPlainObject(value)) {
      errors.push({ file, line: docLine, message: 'a manifest must be an object with apiVersion and kind' });
      continue;
    }
    const add = (obj: Record<string, unknown>, prefix: (string | number)[], line: number) => {
      if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
        errors.push({ file, line, field: 'apiVersion', message: 'Required value' });
        return;
      }
      if (typeof obj.kind !== 'string' || obj.kind === '') {
        errors.push({ file, line, field: 'kind', message: 'Required value' });
        return;
      }
      if (!isPlainObject(obj.metadata)) {
        errors.push({ file, line, field: 'metadata', message: 'Required value' });
        return;
      }
      const contents = doc.contents;
      objects.push({
        obj: obj as KObject,
        file,
        line,
        lineOf: (path) => lineAlong(contents, [...prefix, ...path], lc),
      });
    };
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, i: number) => {
        const line = lineAlong(doc.contents, ['items', i], lc) ?? docLine;
        if (!isPlainObject(item)) {
          errors.push({ file, line, field: `items[${i}]`, message: 'a list item must be an object' });
        } else {
          add(item, ['items', i], line);
        }
      });
      continue;
    }
    add(value, [], docLine);
  }
  return { objects, errors };
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

async function listFiles(dir: string, recurse: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) {
      continue;
    }
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recurse) {
        out.push(...(await listFiles(p, true)));
      }
    } else if (e.isFile() && MANIFEST_EXT.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

function runKustomize(kubectl: string, dir: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      kubectl,
      ['kustomize', dir],
      { timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          rej(new Error((stderr || err.message).trim()));
        } else {
          res(stdout);
        }
      },
    );
  });
}

/** Renders the manifests under `opts.path` of a checked-out revision at `root`. */
export async function renderManifests(root: string, opts: RenderOptions = {}): Promise<RenderResult> {
  const rel = (opts.path ?? '').replace(/^\.?\/*/, '').replace(/\/+$/, '');
  const label = rel === '' ? '.' : rel;
  const base = resolve(root, rel);
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(base);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) {
      return fail('Directory', label, `path "${label}" leaves the repository`);
    }
    if (!(await lstat(real)).isDirectory()) {
      return fail('Directory', label, `path "${label}" is not a directory`);
    }
  } catch {
    return fail('Directory', label, `path "${label}" does not exist in this revision`);
  }
  const entries = await readdir(real);
  const kustomization = KUSTOMIZATIONS.find((k) => entries.includes(k));
  if (kustomization) {
    const file = rel === '' ? kustomization : `${rel}/${kustomization}`;
    let out: string;
    try {
      out = await runKustomize(opts.kubectl ?? 'kubectl', real);
    } catch (e) {
      return fail('Kustomize', file, `kustomize build failed: ${(e as Error).message}`);
    }
    const parsed = parseManifests(out, `${file} (kustomize output)`);
    return { sourceType: 'Kustomize', ...parsed };
  }
  const include = opts.include ? globMatcher(opts.include) : undefined;
  const exclude = opts.exclude ? globMatcher(opts.exclude) : undefined;
  const objects: SourcedObject[] = [];
  const errors: ManifestError[] = [];
  for (const abs of await listFiles(real, opts.recurse === true)) {
    const inDir = toPosix(relative(real, abs));
    if ((include && !include(inDir)) || exclude?.(inDir)) {
      continue;
    }
    const file = toPosix(relative(realRoot, abs));
    const text = await readFile(abs, 'utf8');
    const parsed = parseManifests(text, file);
    objects.push(...parsed.objects);
    errors.push(...parsed.errors);
  }
  return { sourceType: 'Directory', objects, errors };
}

function fail(sourceType: SourceType, file: string, message: string): RenderResult {
  return { sourceType, objects: [], errors: [{ file, message }] };
}
