// Patch application for the API server: the four PATCH media types kubectl and controllers send,
// each a pure function over JSON values (json-patch, merge-patch, strategic-merge, server-side
// apply), plus `applyPatch`, which parses a request body and dispatches on its Content-Type.
// Must not do I/O or know any resource schema: list merge semantics come from the caller's
// `ListStrategyLookup`. Results never share structure with their inputs.

import { parseDocument } from 'yaml';
import type { Clock } from '../clock.js';
import { ApiError, errors } from '../errors.js';
import type { KObject } from '../types.js';
import { applyJsonPatch } from './json-patch.js';
import { isJsonObject } from './json-values.js';
import type { ListStrategyLookup } from './list-strategy.js';
import { applyMergePatch } from './merge-patch.js';
import { malformedPatch, type PatchTarget, patchNotApplicable, targetDetails } from './patch-errors.js';
import { type ApplyConflict, applyServerSideApply } from './server-side-apply.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export type { FieldPath, FieldSet } from './field-set.js';
export { applyJsonPatch } from './json-patch.js';
export type { ListStrategy, ListStrategyLookup } from './list-strategy.js';
export { noListStrategies } from './list-strategy.js';
export { applyMergePatch } from './merge-patch.js';
export type { PatchTarget } from './patch-errors.js';
export type { ApplyConflict, ApplyOptions, ApplyResult, ManagedFieldsEntry } from './server-side-apply.js';
export { applyServerSideApply } from './server-side-apply.js';
export { applyStrategicMergePatch } from './strategic-merge.js';

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

/** The PATCH media types Gantry accepts, by kind (what discovery and 415 messages list). */
export const PATCH_MEDIA_TYPES: Readonly<Record<PatchKind, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions {
  /** Merge semantics of list fields, for strategic merge patch and server-side apply. */
  readonly lookup: ListStrategyLookup;
  /** Required for server-side apply. */
  readonly fieldManager?: string;
  /** Server-side apply only: take ownership of conflicting fields. */
  readonly force?: boolean;
  /** What is patched, for error messages and Status details. */
  readonly target?: PatchTarget;
  /** Clock for managedFields timestamps (server-side apply). */
  readonly clock?: Clock;
}

/** The patch kind of a Content-Type header (parameters such as `; charset=utf-8` ignored); 415 otherwise. */
export function patchKindOf(contentType: string): PatchKind {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const entry = Object.entries(PATCH_MEDIA_TYPES).find(([, type]) => type === mediaType);
  if (entry === undefined) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format ("${mediaType}"); accepted media types for PATCH: ${Object.values(PATCH_MEDIA_TYPES).join(', ')}`,
    );
  }
  return entry[0] as PatchKind;
}

function text(body: Buffer | string): string {
  const s = typeof body === 'string' ? body : body.toString('utf8');
  return s.startsWith('\uFEFF') ? s.slice(1) : s;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(source: string, offset: number): string {
  const before = source.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before[before.length - 1] ?? '').length + 1}`;
}

function parseJson(body: Buffer | string, what: string): unknown {
  const source = text(body);
  try {
    return JSON.parse(source);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /at position (\d+)/.exec(message);
    const where = at?.[1] === undefined ? '' : ` (${lineColumn(source, Number(at[1]))})`;
    throw malformedPatch(`${what} is not valid JSON${where}: ${message}`);
  }
}

function parseYaml(body: Buffer | string): unknown {
  const doc = parseDocument(text(body), { uniqueKeys: true });
  const [first] = doc.errors;
  if (first !== undefined) {
    throw malformedPatch(
      `apply patch body is not valid YAML: ${(first.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw malformedPatch(`apply patch body is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function existing(original: KObject | undefined, opts: PatchOptions): KObject {
  if (original === undefined) {
    throw errors.notFound({
      kind: opts.target?.kind ?? 'object',
      group: opts.target?.group,
      name: opts.target?.name,
    });
  }
  return original;
}

function conflictError(conflicts: readonly ApplyConflict[], target: PatchTarget | undefined): ApiError {
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c]);
  }
  const parts = [...byManager.values()].map((cs) => {
    const using = cs[0]?.apiVersion ? ` using ${cs[0].apiVersion}` : '';
    return `conflict with "${cs[0]?.manager}"${using}: ${cs.map((c) => c.field).join(', ')}`;
  });
  const n = conflicts.length;
  return new ApiError(
    409,
    'Conflict',
    `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('; ')}`,
    {
      ...targetDetails(target),
      causes: conflicts.map((c) => ({
        field: c.field,
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`,
      })),
    },
  );
}

type Handler = (original: KObject | undefined, body: Buffer | string, opts: PatchOptions) => unknown;

const handlers: Record<PatchKind, Handler> = {
  json: (original, body, opts) =>
    applyJsonPatch(existing(original, opts), parseJson(body, 'json patch'), opts.target),
  merge: (original, body, opts) => {
    const patch = parseJson(body, 'merge patch');
    if (!isJsonObject(patch)) {
      throw malformedPatch('merge patch body must be a JSON object');
    }
    return applyMergePatch(existing(original, opts), patch);
  },
  strategic: (original, body, opts) => {
    const patch = parseJson(body, 'strategic merge patch');
    if (!isJsonObject(patch)) {
      throw malformedPatch('strategic merge patch body must be a JSON object');
    }
    return applyStrategicMergePatch(existing(original, opts), patch, opts.lookup);
  },
  apply: (original, body, opts) => {
    const applied = parseYaml(body);
    if (!isJsonObject(applied)) {
      throw malformedPatch('apply patch body must be a YAML or JSON object');
    }
    const result = applyServerSideApply(
      original,
      applied as KObject,
      opts.fieldManager ?? '',
      opts.force ?? false,
      opts.lookup,
      opts.clock ? { clock: opts.clock } : {},
    );
    if (result.conflicts.length > 0) {
      throw conflictError(result.conflicts, opts.target);
    }
    return result.object;
  },
};

/**
 * Apply a PATCH request body to `original` (undefined when the object does not exist: only
 * server-side apply may then create it; the other kinds answer 404). Returns a new object that
 * shares nothing with `original`. Throws ApiError: 400 for a malformed body or patch, 404, 409
 * for apply conflicts, 415 for an unknown Content-Type, 422 when the patch does not fit.
 */
export function applyPatch(
  contentType: string,
  original: KObject | undefined,
  body: Buffer | string,
  opts: PatchOptions,
): KObject {
  const kind = patchKindOf(contentType);
  if (opts.force && kind !== 'apply') {
    throw errors.badRequest('force may only be set for apply patches (application/apply-patch+yaml)');
  }
  const result = handlers[kind](original, body, opts);
  if (!isJsonObject(result)) {
    throw patchNotApplicable(opts.target, '', 'the patched result is not a JSON object');
  }
  return result as KObject;
}
