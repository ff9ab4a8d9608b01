// What a promotion changes: given the manifests of the source and target environments (file text,
// as read from one commit), the list of edits to the target's files that make it run what the
// source runs. By default the container images, matched by (kind, name, container); with `all`
// every field but the environment-specific ones (ignore.ts). A kustomize overlay has its
// `images:` entries edited instead. Pure: no I/O; applying the edits is yaml-edit.ts.
import { PromoteError } from './errors.js';
import { EMPTY_CONFIG, ignoredPointers, ignoreMatcher, type PromoteConfig } from './ignore.js';
import { planKustomizeImages } from './kustomize-images.js';
import {
  belongsTo,
  type EnvironmentManifests,
  getAt,
  isObj,
  lineAt,
  type ParsedObject,
  type PlanOptions,
  type PromotionPlan,
  parseObjects,
  podSpecPath,
  type YamlPath,
} from './manifests.js';

export { formatKustomizeImage } from './kustomize-images.js';
export * from './manifests.js';

const keyOf = (o: ParsedObject) => `${o.group}/${o.kind}/${o.name}`;
const label = (o: ParsedObject) => `${o.kind}/${o.name}`;

function pairObjects(
  source: readonly ParsedObject[],
  target: readonly ParsedObject[],
  env: { from: string; to: string },
): { pairs: [ParsedObject, ParsedObject][]; skipped: string[] } {
  const byKey = new Map(target.map((t) => [keyOf(t), t]));
  const pairs: [ParsedObject, ParsedObject][] = [];
  const skipped: string[] = [];
  for (const s of source) {
    const t = byKey.get(keyOf(s));
    if (t) {
      pairs.push([s, t]);
    } else {
      skipped.push(`${label(s)} exists in ${env.from} only (${s.file}): not promoted`);
    }
  }
  return { pairs, skipped };
}

function planImages(pairs: readonly [ParsedObject, ParsedObject][], plan: PromotionPlan): void {
  for (const [s, t] of pairs) {
    const specPath = podSpecPath(t.kind);
    if (!specPath) {
      continue;
    }
    for (const list of ['initContainers', 'containers'] as const) {
      const src = getAt(s.value, [...specPath, list]);
      const tgt = getAt(t.value, [...specPath, list]);
      if (!Array.isArray(src) || !Array.isArray(tgt)) {
        continue;
      }
      tgt.forEach((c: unknown, i) => {
        if (!isObj(c) || typeof c.name !== 'string') {
          return;
        }
        const match = src.find((x: unknown) => isObj(x) && x.name === c.name) as
          | Record<string, unknown>
          | undefined;
        const to = match?.image;
        if (typeof to !== 'string' || to === c.image) {
          return;
        }
        const path = [...specPath, list, i, 'image'];
        plan.edits.push({
          file: t.file,
          doc: t.doc,
          path,
          op: 'set',
          old: c.image,
          new: to,
          line: lineAt(t, path),
          resource: label(t),
        });
        plan.images.push({
          resource: label(t),
          container: c.name,
          ...(typeof c.image === 'string' ? { from: c.image } : {}),
          to,
        });
      });
    }
  }
}

/** Arrays of objects with distinct string `name`s (containers, env, ports, volumes) pair by name. */
function namesOf(a: readonly unknown[]): string[] | undefined {
  const names = a.map((x) => (isObj(x) && typeof x.name === 'string' ? x.name : undefined));
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) {
    return undefined;
  }
  return names as string[];
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

function planAll(
  pairs: readonly [ParsedObject, ParsedObject][],
  config: PromoteConfig,
  plan: PromotionPlan,
): void {
  for (const [s, t] of pairs) {
    const ignored = ignoreMatcher(ignoredPointers(config, t.kind, t.name, s.value, t.value));
    const edit = (path: YamlPath, op: 'set' | 'delete', old: unknown, next?: unknown) =>
      plan.edits.push({
        file: t.file,
        doc: t.doc,
        path,
        op,
        old,
        ...(op === 'set' ? { new: next } : {}),
        line: lineAt(t, path),
        resource: label(t),
      });
    const walk = (src: unknown, tgt: unknown, path: (string | number)[]): void => {
      if (ignored(path) || equal(src, tgt)) {
        return;
      }
      if (isObj(src) && isObj(tgt)) {
        for (const [k, v] of Object.entries(src)) {
          if (!(k in tgt)) {
            if (!ignored([...path, k])) {
              edit([...path, k], 'set', undefined, v);
            }
          } else {
            walk(v, tgt[k], [...path, k]);
          }
        }
        for (const k of Object.keys(tgt)) {
          if (!(k in src) && !ignored([...path, k])) {
            edit([...path, k], 'delete', tgt[k]);
          }
        }
        return;
      }
      if (Array.isArray(src) && Array.isArray(tgt)) {
        const sn = namesOf(src);
        const tn = namesOf(tgt);
        if (sn && tn?.every((n) => sn.includes(n))) {
          // Same names: pair them; names new in the source are appended (target order is kept).
          let next = tgt.length;
          sn.forEach((n, i) => {
            const j = tn.indexOf(n);
            if (j >= 0) {
              walk(src[i], tgt[j], [...path, j]);
            } else if (!ignored([...path, next])) {
              edit([...path, next++], 'set', undefined, src[i]);
            }
          });
          return;
        }
        if (src.length === tgt.length && !sn && !tn) {
          src.forEach((v, i) => {
            walk(v, tgt[i], [...path, i]);
          });
          return;
        }
      }
      edit(path, 'set', tgt, src);
    };
    walk(s.value, t.value, []);
    const specPath = podSpecPath(t.kind);
    if (specPath) {
      // Report image changes among the edits, for the commit message and the PR.
      for (const e of plan.edits) {
        if (e.file === t.file && e.doc === t.doc && e.path.at(-1) === 'image' && typeof e.new === 'string') {
          const c = getAt(t.value, e.path.slice(0, -1));
          const name = isObj(c) && typeof c.name === 'string' ? c.name : String(e.path.at(-2));
          if (!plan.images.some((im) => im.resource === label(t) && im.container === name)) {
            plan.images.push({
              resource: label(t),
              container: name,
              ...(typeof e.old === 'string' ? { from: e.old } : {}),
              to: e.new,
            });
          }
        }
      }
    }
  }
}

export function planPromotion(
  source: EnvironmentManifests,
  target: EnvironmentManifests,
  opts: PlanOptions = {},
): PromotionPlan {
  const mode = opts.mode ?? 'images';
  const plan: PromotionPlan = { edits: [], images: [], skipped: [] };
  if (Boolean(source.kustomization) !== Boolean(target.kustomization)) {
    const [k, p] = source.kustomization ? [source, target] : [target, source];
    throw new PromoteError(
      'LayoutMismatch',
      `cannot promote between a kustomize overlay (${k.env}: ${k.dir}) and a plain folder (${p.env}: ${p.dir}): ` +
        'use the same layout for both environments',
    );
  }
  if (source.kustomization && target.kustomization) {
    planKustomizeImages(source.kustomization, target.kustomization, plan);
    if (mode === 'images') {
      return plan;
    }
  }
  const pick = (env: EnvironmentManifests) => {
    const objs = parseObjects(env.files);
    if (!opts.app) {
      return objs;
    }
    const app = opts.app;
    const mine = objs.filter((o) => belongsTo(o.value, app));
    if (mine.length === 0 && !env.kustomization) {
      throw new PromoteError(
        'UnknownApp',
        `no manifest of app '${app}' in ${env.dir} (${env.env}): nothing is named '${app}' or '${app}-…' or labelled app=${app}`,
      );
    }
    return mine;
  };
  const { pairs, skipped } = pairObjects(pick(source), pick(target), { from: source.env, to: target.env });
  if (mode === 'images') {
    planImages(pairs, plan);
  } else {
    plan.skipped.push(...skipped);
    planAll(pairs, opts.config ?? EMPTY_CONFIG, plan);
  }
  return plan;
}

const show = (v: unknown) => (v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v));

/** A short human summary of a plan: one line per edit, `file:line resource path: old → new`. */
export function renderPlan(plan: PromotionPlan): string {
  return plan.edits
    .map((e) => {
      const where = `${e.file}:${e.line}`;
      const path = e.path.join('.');
      return e.op === 'delete'
        ? `${where}  ${e.resource}  ${path}: remove ${show(e.old)}\n`
        : `${where}  ${e.resource}  ${path}: ${show(e.old)} -> ${show(e.new)}\n`;
    })
    .join('');
}
