// Kustomize overlays: a promotion between two overlays copies the source overlay's `images:`
// entries (newName, newTag, digest) into the target overlay, adding the ones it lacks. Pure.
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { PromoteError } from './errors.js';
import { isObj, lineAt, type ManifestFile, type PromotionPlan } from './manifests.js';

interface KustomizeImage {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

const IMAGE_FIELDS = ['newName', 'newTag', 'digest'] as const;

function kustomizeImages(value: unknown, file: string): KustomizeImage[] {
  const list = isObj(value) ? value.images : undefined;
  if (list === undefined || list === null) {
    return [];
  }
  if (!Array.isArray(list)) {
    throw new PromoteError('InvalidManifest', `${file}: images must be a list`);
  }
  return list.map((e: unknown, i) => {
    if (!isObj(e) || typeof e.name !== 'string') {
      throw new PromoteError('InvalidManifest', `${file}: images[${i}] needs a name`);
    }
    const out: Record<string, string> = { name: e.name };
    for (const f of IMAGE_FIELDS) {
      if (e[f] !== undefined && e[f] !== null) {
        out[f] = String(e[f]);
      }
    }
    return out as unknown as KustomizeImage;
  });
}

/** `name:tag@digest` as the entry rewrites the image (for messages). */
export function formatKustomizeImage(e: KustomizeImage): string {
  return `${e.newName ?? e.name}${e.newTag ? `:${e.newTag}` : ''}${e.digest ? `@${e.digest}` : ''}`;
}

export function planKustomizeImages(source: ManifestFile, target: ManifestFile, plan: PromotionPlan): void {
  const [s] = parseObjectsLoose(source);
  const [t] = parseObjectsLoose(target);
  if (!s || !t) {
    return;
  }
  const srcImages = kustomizeImages(s.value, source.file);
  const tgtImages = kustomizeImages(t.value, target.file);
  const resource = 'kustomization images';
  let appended = tgtImages.length;
  for (const si of srcImages) {
    const ti = tgtImages.findIndex((x) => x.name === si.name);
    const cur = tgtImages[ti];
    if (!cur) {
      const path = isObj(t.value) && Array.isArray(t.value.images) ? ['images', appended++] : ['images'];
      const entry = Object.fromEntries(Object.entries(si));
      plan.edits.push({
        file: target.file,
        doc: 0,
        path,
        op: 'set',
        new: path.length === 1 ? [entry] : entry,
        line: lineAt(t, path),
        resource,
      });
      plan.images.push({ resource, container: si.name, to: formatKustomizeImage(si) });
      continue;
    }
    let changed = false;
    for (const f of IMAGE_FIELDS) {
      if (si[f] === cur[f]) {
        continue;
      }
      changed = true;
      const path = ['images', ti, f];
      plan.edits.push(
        si[f] === undefined
          ? { file: target.file, doc: 0, path, op: 'delete', old: cur[f], line: lineAt(t, path), resource }
          : {
              file: target.file,
              doc: 0,
              path,
              op: 'set',
              old: cur[f],
              new: si[f],
              line: lineAt(t, path),
              resource,
            },
      );
    }
    if (changed) {
      plan.images.push({
        resource,
        container: si.name,
        from: formatKustomizeImage(cur),
        to: formatKustomizeImage(si),
      });
    }
  }
}

function parseObjectsLoose(f: ManifestFile): { value: unknown; document: Document; lines: LineCounter }[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(f.text, { lineCounter: lines });
  const first = Array.isArray(docs) ? docs[0] : undefined;
  if (!first) {
    return [];
  }
  if (first.errors.length > 0) {
    const e = first.errors[0];
    throw new PromoteError(
      'InvalidManifest',
      `${f.file}:${e?.linePos?.[0]?.line ?? 1}: ${e?.message.split('\n')[0]}`,
    );
  }
  return [{ value: first.toJS() as unknown, document: first, lines }];
}

/** The edits that make `target` run what `source` runs. */
