// Which fields `gantry promote --all` leaves alone: the environment-specific ones every repository
// has (names, namespace, replicas), those `.gantry/promote.yaml` lists under `ignore:` and those an
// object lists in its `gantry.dev/promote-ignore` annotation. JSON pointers (RFC 6901) with `*`
// matching any one segment. Pure.
import { parse } from 'yaml';
import { PromoteError } from './errors.js';

export const PROMOTE_IGNORE_ANNOTATION = 'gantry.dev/promote-ignore';
export const PROMOTE_CONFIG_FILE = '.gantry/promote.yaml';

/** Always environment-specific: identity, metadata (labels and annotations name the environment), status, replicas. */
export const DEFAULT_IGNORED: readonly string[] = [
  '/apiVersion',
  '/kind',
  '/metadata',
  '/status',
  '/spec/replicas',
];

export interface IgnoreRule {
  readonly kind?: string;
  readonly name?: string;
  readonly jsonPointers: readonly string[];
}

export interface PromoteConfig {
  readonly ignore: readonly IgnoreRule[];
}

export const EMPTY_CONFIG: PromoteConfig = { ignore: [] };

/** Splits an RFC 6901 pointer into segments (`~1` → `/`, `~0` → `~`). */
export function parsePointer(pointer: string): string[] {
  const p = pointer.trim();
  if (p === '') {
    return [];
  }
  if (!p.startsWith('/')) {
    throw new Error(`"${pointer}" is not a JSON pointer (it must start with "/")`);
  }
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * `.gantry/promote.yaml`: `ignore:` is a list of pointers (for every object) or of
 * `{kind?, name?, jsonPointers: [...]}` rules.
 */
export function parsePromoteConfig(text: string, file = PROMOTE_CONFIG_FILE): PromoteConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new PromoteError('InvalidManifest', `${file}: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
  if (doc === null || doc === undefined) {
    return EMPTY_CONFIG;
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PromoteError('InvalidManifest', `${file}: expected a mapping with an "ignore" list`);
  }
  const list = (doc as Record<string, unknown>).ignore ?? [];
  if (!Array.isArray(list)) {
    throw new PromoteError('InvalidManifest', `${file}: "ignore" must be a list`);
  }
  const rules: IgnoreRule[] = [];
  list.forEach((item: unknown, i) => {
    const where = `${file}: ignore[${i}]`;
    if (typeof item === 'string') {
      checkPointer(item, where);
      rules.push({ jsonPointers: [item] });
      return;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new PromoteError(
        'InvalidManifest',
        `${where}: expected a JSON pointer or {kind, name, jsonPointers}`,
      );
    }
    const r = item as Record<string, unknown>;
    const pointers = r.jsonPointers;
    if (!Array.isArray(pointers) || pointers.some((p) => typeof p !== 'string')) {
      throw new PromoteError('InvalidManifest', `${where}.jsonPointers: expected a list of JSON pointers`);
    }
    for (const p of pointers as string[]) {
      checkPointer(p, `${where}.jsonPointers`);
    }
    rules.push({
      ...(typeof r.kind === 'string' ? { kind: r.kind } : {}),
      ...(typeof r.name === 'string' ? { name: r.name } : {}),
      jsonPointers: pointers as string[],
    });
  });
  return { ignore: rules };
}

function checkPointer(p: string, where: string): void {
  try {
    parsePointer(p);
  } catch (e) {
    throw new PromoteError('InvalidManifest', `${where}: ${(e as Error).message}`);
  }
}

/** The pointers of an object's `gantry.dev/promote-ignore` annotation (comma or newline separated). */
export function annotationPointers(obj: unknown): string[] {
  const v = (obj as { metadata?: { annotations?: Record<string, unknown> } })?.metadata?.annotations?.[
    PROMOTE_IGNORE_ANNOTATION
  ];
  if (typeof v !== 'string') {
    return [];
  }
  return v
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.startsWith('/'));
}

/** A predicate over paths: true when the path (or one of its ancestors) is ignored. */
export function ignoreMatcher(pointers: readonly string[]): (path: readonly (string | number)[]) => boolean {
  const parsed = pointers.map(parsePointer);
  return (path) =>
    parsed.some(
      (segs) => segs.length <= path.length && segs.every((s, i) => s === '*' || s === String(path[i])),
    );
}

/** The pointers ignored for one object pair: defaults, config rules that match it, both annotations. */
export function ignoredPointers(
  config: PromoteConfig,
  kind: string,
  name: string,
  source: unknown,
  target: unknown,
): string[] {
  const out = [...DEFAULT_IGNORED];
  for (const r of config.ignore) {
    if ((r.kind === undefined || r.kind === kind) && (r.name === undefined || r.name === name)) {
      out.push(...r.jsonPointers);
    }
  }
  out.push(...annotationPointers(source), ...annotationPointers(target));
  return out;
}
