// ObjectMeta checks shared by every kind (name, generateName, labels, annotations, finalizers,
// owner references), label selector checks, and the metadata fields an update may not change.
import type { LabelSelector, ObjectMeta, StatusCause } from '../types.js';
import {
  child,
  forbidden,
  IMMUTABLE,
  index,
  invalid,
  invalidEach,
  isObject,
  key,
  notSupported,
  required,
  tooLong,
} from './causes.js';
import {
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  maskTrailingDash,
  qualifiedNameErrors,
} from './names.js';

/** Which syntax a kind's object names follow. */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function nameErrors(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'subdomain':
      return dns1123SubdomainErrors(name);
    case 'label':
      return dns1123LabelErrors(name);
    case 'dns1035':
      return dns1035LabelErrors(name);
  }
}

export function validateLabels(labels: unknown, path: string): StatusCause[] {
  if (labels === undefined || labels === null) {
    return [];
  }
  if (!isObject(labels)) {
    return [invalid(path, labels, 'must be a map of string keys to string values')];
  }
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    out.push(...invalidEach(path, k, qualifiedNameErrors(k)));
    if (typeof v !== 'string') {
      out.push(invalid(key(path, k), v, 'label values must be strings'));
    } else {
      out.push(...invalidEach(path, v, labelValueErrors(v)));
    }
  }
  return out;
}

export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  if (annotations === undefined || annotations === null) {
    return [];
  }
  if (!isObject(annotations)) {
    return [invalid(path, annotations, 'must be a map of string keys to string values')];
  }
  const out: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    out.push(...invalidEach(path, k, qualifiedNameErrors(k.toLowerCase())));
    if (typeof v !== 'string') {
      out.push(invalid(key(path, k), v, 'annotation values must be strings'));
    } else {
      size += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
  }
  if (size > ANNOTATIONS_MAX_BYTES) {
    out.push(tooLong(path, ANNOTATIONS_MAX_BYTES));
  }
  return out;
}

function validateOwnerReferences(refs: unknown, path: string): StatusCause[] {
  if (refs === undefined || refs === null) {
    return [];
  }
  if (!Array.isArray(refs)) {
    return [invalid(path, refs, 'must be a list')];
  }
  const out: StatusCause[] = [];
  let controllers = 0;
  refs.forEach((ref: unknown, i) => {
    const p = index(path, i);
    if (!isObject(ref)) {
      out.push(invalid(p, ref, 'must be an object'));
      return;
    }
    for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
      if (typeof ref[f] !== 'string' || ref[f] === '') {
        out.push(required(child(p, f), `${f} must not be empty`));
      }
    }
    if (ref.controller === true) {
      controllers++;
    }
  });
  if (controllers > 1) {
    out.push(invalid(path, refs, 'Only one reference can have Controller set to true'));
  }
  return out;
}

function validateFinalizers(finalizers: unknown, path: string): StatusCause[] {
  if (finalizers === undefined || finalizers === null) {
    return [];
  }
  if (!Array.isArray(finalizers)) {
    return [invalid(path, finalizers, 'must be a list of strings')];
  }
  const out: StatusCause[] = [];
  finalizers.forEach((f: unknown, i) => {
    const p = index(path, i);
    if (typeof f !== 'string') {
      out.push(invalid(p, f, 'must be a string'));
      return;
    }
    const errs = qualifiedNameErrors(f);
    out.push(...invalidEach(p, f, errs));
    if (errs.length === 0 && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      out.push(invalid(p, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return out;
}

/** Checks an object's metadata: name (or generateName), namespace syntax, labels, annotations, … */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  rule: NameRule,
  path = 'metadata',
): StatusCause[] {
  if (!isObject(meta)) {
    return [required(path)];
  }
  const out: StatusCause[] = [];
  const name = meta.name;
  const generateName = meta.generateName;
  const hasGenerate = typeof generateName === 'string' && generateName !== '';
  // generateName is checked whenever given (the server fills name from it before validating)
  if (hasGenerate) {
    out.push(
      ...invalidEach(
        child(path, 'generateName'),
        generateName,
        nameErrors(rule, maskTrailingDash(generateName)),
      ),
    );
  }
  if (typeof name === 'string' && name !== '') {
    if (!hasGenerate || out.length === 0) {
      out.push(...invalidEach(child(path, 'name'), name, nameErrors(rule, name)));
    }
  } else if (!hasGenerate) {
    out.push(required(child(path, 'name'), 'name or generateName is required'));
  }
  if (typeof meta.namespace === 'string' && meta.namespace !== '') {
    out.push(...invalidEach(child(path, 'namespace'), meta.namespace, dns1123LabelErrors(meta.namespace)));
  }
  out.push(...validateLabels(meta.labels, child(path, 'labels')));
  out.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  out.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')));
  out.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')));
  return out;
}

/** Metadata fields that never change after create. Only compared when both sides carry them. */
export function validateObjectMetaUpdate(
  meta: ObjectMeta,
  old: ObjectMeta,
  path = 'metadata',
): StatusCause[] {
  const out: StatusCause[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const now = meta[f];
    const before = old[f];
    if (now !== undefined && before !== undefined && now !== before) {
      out.push(invalid(child(path, f), now, IMMUTABLE));
    }
  }
  if (old.deletionTimestamp && meta.deletionTimestamp && old.deletionTimestamp !== meta.deletionTimestamp) {
    out.push(invalid(child(path, 'deletionTimestamp'), meta.deletionTimestamp, IMMUTABLE));
  }
  return out;
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Syntax of a structured LabelSelector (not whether it is empty or matches anything). */
export function validateLabelSelector(sel: unknown, path: string): StatusCause[] {
  if (sel === undefined || sel === null) {
    return [];
  }
  if (!isObject(sel)) {
    return [invalid(path, sel, 'must be a label selector')];
  }
  const ls = sel as LabelSelector;
  const out = validateLabels(ls.matchLabels, child(path, 'matchLabels'));
  const exprs: unknown = ls.matchExpressions;
  if (exprs === undefined || exprs === null) {
    return out;
  }
  if (!Array.isArray(exprs)) {
    return [...out, invalid(child(path, 'matchExpressions'), exprs, 'must be a list')];
  }
  exprs.forEach((e: unknown, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    if (!isObject(e)) {
      out.push(invalid(p, e, 'must be an object'));
      return;
    }
    if (typeof e.key !== 'string' || e.key === '') {
      out.push(required(child(p, 'key')));
    } else {
      out.push(...invalidEach(child(p, 'key'), e.key, qualifiedNameErrors(e.key)));
    }
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) {
        out.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) {
        out.push(
          forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
    } else {
      out.push(notSupported(child(p, 'operator'), e.operator, SELECTOR_OPERATORS));
    }
    values.forEach((v, j) => {
      const vp = index(child(p, 'values'), j);
      if (typeof v !== 'string') {
        out.push(invalid(vp, v, 'must be a string'));
      } else {
        out.push(...invalidEach(vp, v, labelValueErrors(v)));
      }
    });
  });
  return out;
}

/** A selector with neither matchLabels nor matchExpressions. */
export function isEmptySelector(sel: unknown): boolean {
  if (!isObject(sel)) {
    return true;
  }
  const ml = isObject(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const me = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return ml === 0 && me === 0;
}
