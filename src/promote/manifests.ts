// The shapes a promotion works on (files, parsed objects, edits, the plan) and the pure helpers
// that read them: parsing an environment's files into objects with their documents (for lines
// and edits), whether an object belongs to an app, where a workload keeps its pod spec. Pure.
import { type Document, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { PromoteError } from './errors.js';
import type { PromoteConfig } from './ignore.js';

export type PromoteMode = 'images' | 'all';
export type YamlPath = readonly (string | number)[];

export interface ManifestFile {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly text: string;
}

export interface EnvironmentManifests {
  readonly env: string;
  /** The environment's folder, relative to the repository root. */
  readonly dir: string;
  /** Its YAML files (the overlay's own patches when it is a kustomize overlay). */
  readonly files: readonly ManifestFile[];
  /** The overlay's kustomization file, when the folder is a kustomize overlay. */
  readonly kustomization?: ManifestFile;
}

export interface FileEdit {
  readonly file: string;
  /** Index of the YAML document in the file. */
  readonly doc: number;
  readonly path: YamlPath;
  readonly op: 'set' | 'delete';
  readonly old?: unknown;
  readonly new?: unknown;
  /** 1-based line of the edited node (or of its closest existing parent). */
  readonly line: number;
  /** `Deployment/web`, or `kustomization images` for an overlay. */
  readonly resource: string;
}

export interface ImageChange {
  readonly resource: string;
  readonly container: string;
  readonly from?: string;
  readonly to: string;
}

export interface PromotionPlan {
  readonly edits: FileEdit[];
  readonly images: ImageChange[];
  /** Source objects that have no counterpart in the target (not promoted, said so). */
  readonly skipped: string[];
}

export interface PlanOptions {
  readonly mode?: PromoteMode;
  /** When set, only objects that belong to this app are compared (a folder shared by several apps). */
  readonly app?: string;
  readonly config?: PromoteConfig;
}

export interface ParsedObject {
  readonly file: string;
  readonly doc: number;
  readonly document: Document;
  readonly lines: LineCounter;
  readonly value: Record<string, unknown>;
  readonly kind: string;
  readonly group: string;
  readonly name: string;
}

export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses an environment's files into objects (documents without kind/name are left out). */
export function parseObjects(files: readonly ManifestFile[]): ParsedObject[] {
  const out: ParsedObject[] = [];
  for (const f of files) {
    const lines = new LineCounter();
    const docs = parseAllDocuments(f.text, { lineCounter: lines });
    if (!Array.isArray(docs)) {
      continue;
    }
    docs.forEach((document, doc) => {
      if (document.errors.length > 0) {
        const e = document.errors[0];
        const line = e?.linePos?.[0]?.line;
        throw new PromoteError(
          'InvalidManifest',
          `${f.file}${line ? `:${line}` : ''}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`,
        );
      }
      const value = document.toJS() as unknown;
      if (!isObj(value) || typeof value.kind !== 'string' || !isObj(value.metadata)) {
        return;
      }
      const name = value.metadata.name;
      if (typeof name !== 'string') {
        return;
      }
      const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
      const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
      out.push({ file: f.file, doc, document, lines, value, kind: value.kind, group, name });
    });
  }
  return out;
}

/** Whether an object belongs to `app`: named after it, or labelled with it. */
export function belongsTo(obj: Record<string, unknown>, app: string): boolean {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name === app || name.startsWith(`${app}-`)) {
    return true;
  }
  const labels = isObj(meta.labels) ? meta.labels : {};
  return ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/part-of'].some(
    (k) => labels[k] === app,
  );
}

/** Where a workload kind keeps its pod spec. */
export function podSpecPath(kind: string): YamlPath | undefined {
  switch (kind) {
    case 'Pod':
      return ['spec'];
    case 'Deployment':
    case 'Rollout':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return ['spec', 'template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

export function getAt(v: unknown, path: YamlPath): unknown {
  let cur = v;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') {
      cur = cur[seg];
    } else if (isObj(cur) && typeof seg === 'string') {
      cur = cur[seg];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** The line of the node at `path`, or of its closest existing ancestor. */
export function lineAt(o: Pick<ParsedObject, 'document' | 'lines'>, path: YamlPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? o.document.contents : o.document.getIn(path.slice(0, n), true)) as Node | null;
    if (node && typeof node === 'object' && Array.isArray(node.range)) {
      return o.lines.linePos(node.range[0]).line;
    }
  }
  return 1;
}
