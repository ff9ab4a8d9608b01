// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Imports from src only what that
// work left as it was. Do not edit.
// What the API server and controllers write into an object that git never says: metadata the
// server stamps, status, bookkeeping annotations, allocated addresses and ports, generated
// selectors. Removed so they never show up as a difference. Pure; mutates the copy it is given.
import type { KObject } from '../../../src/api/types.js';
import { cloneClean, deleteIfEmpty, isObj, type Obj, objAt } from './object-utils.js';

export const LAST_APPLIED_KUBECTL = 'kubectl.kubernetes.io/last-applied-configuration';
/** Where Gantry keeps the configuration it applied (the base of the three-way comparison). */
export const LAST_APPLIED_GANTRY = 'gantry.dev/last-applied-configuration';
/** The tracking label and annotation Gantry puts on what an Application applied (DESIGN.md). */
export const TRACKING_LABEL = 'app.kubernetes.io/instance';
export const TRACKING_ANNOTATION = 'gantry.dev/tracking-id';

const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

const SERVER_ANNOTATIONS = [
  LAST_APPLIED_KUBECTL,
  LAST_APPLIED_GANTRY,
  'deployment.kubernetes.io/revision',
] as const;

const POD_TEMPLATE_HASH = 'pod-template-hash';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const JOB_LABELS = [
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'controller-uid',
  'job-name',
] as const;
const SERVICE_ALLOCATED = ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort'];

const SKIP_METADATA: ReadonlySet<string> = new Set(SERVER_METADATA);
const SKIP_ANNOTATIONS: ReadonlySet<string> = new Set(SERVER_ANNOTATIONS);

function copyMap(m: Obj, skip: ReadonlySet<string>): Obj {
  const out: Obj = {};
  for (const k in m) {
    const v = m[k];
    if (v !== null && v !== undefined && !skip.has(k)) {
      out[k] = cloneClean(v);
    }
  }
  return out;
}

/**
 * A deep copy without null members (see cloneClean), status, server-stamped metadata and the
 * bookkeeping annotations — skipped while copying rather than deleted after (cheaper, and the
 * copy keeps fast property access). Always has a metadata object.
 */
export function cloneWithoutServerFields(o: KObject): KObject {
  const out: Obj = {};
  for (const k in o) {
    const v = o[k];
    if (k === 'status' || v === null || v === undefined) {
      continue;
    }
    if (k === 'metadata' && isObj(v)) {
      const meta = copyMap(v, SKIP_METADATA);
      if (isObj(v.annotations)) {
        const annotations = copyMap(v.annotations, SKIP_ANNOTATIONS);
        if (Object.keys(annotations).length > 0) {
          meta.annotations = annotations;
        } else {
          delete meta.annotations;
        }
      }
      out.metadata = meta;
    } else {
      out[k] = cloneClean(v);
    }
  }
  if (!isObj(out.metadata)) {
    out.metadata = {};
  }
  return out as KObject;
}

/** Server-set fields that defaulting may have added back, and kind-specific ones; both sides. */
export function stripServerFields(o: KObject): void {
  if (o.status !== undefined) {
    delete o.status; // the Namespace defaults fill status.phase
  }
  const meta = o.metadata;
  if (o.kind === 'Namespace' && isObj(meta.labels) && meta.labels[NAMESPACE_NAME_LABEL] === meta.name) {
    delete meta.labels[NAMESPACE_NAME_LABEL];
  }
  if (o.kind === 'Deployment') {
    for (const labels of [
      meta.labels,
      objAt(o.spec, 'selector', 'matchLabels'),
      objAt(o.spec, 'template', 'metadata', 'labels'),
    ]) {
      if (isObj(labels) && labels[POD_TEMPLATE_HASH] !== undefined) {
        delete labels[POD_TEMPLATE_HASH];
      }
    }
  }
  deleteIfEmpty(meta, 'annotations');
  deleteIfEmpty(meta, 'labels');
}

function dropUnlessIn(live: Obj | undefined, desired: Obj | undefined, keys: readonly string[]): void {
  if (!live) {
    return;
  }
  for (const k of keys) {
    if (desired?.[k] === undefined) {
      delete live[k];
    }
  }
}

function sameServicePort(a: Obj, b: Obj): boolean {
  return a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP');
}

function service(live: KObject, desired: KObject): void {
  const ls = isObj(live.spec) ? live.spec : undefined;
  const ds = isObj(desired.spec) ? desired.spec : undefined;
  dropUnlessIn(ls, ds, SERVICE_ALLOCATED);
  if (!ls || !Array.isArray(ls.ports)) {
    return;
  }
  const desiredPorts: Obj[] = Array.isArray(ds?.ports) ? ds.ports.filter(isObj) : [];
  for (const p of ls.ports) {
    if (!isObj(p)) {
      continue;
    }
    const d = desiredPorts.find((x) => sameServicePort(x, p));
    if (d?.nodePort === undefined) {
      delete p.nodePort;
    }
  }
}

function serviceAccount(live: KObject, desired: KObject): void {
  dropUnlessIn(live, desired, ['secrets']);
}

function job(live: KObject, desired: KObject): void {
  if (!isObj(live.spec) || objAt(desired, 'spec')?.selector !== undefined) {
    return;
  }
  delete live.spec.selector;
  const labels = objAt(live.spec, 'template', 'metadata', 'labels');
  if (labels) {
    const desiredMeta = objAt(desired.spec, 'template', 'metadata');
    dropUnlessIn(labels, desiredMeta?.labels, JOB_LABELS);
    if (desiredMeta?.labels === undefined) {
      deleteIfEmpty(live.spec.template.metadata, 'labels');
    }
    if (desiredMeta === undefined) {
      deleteIfEmpty(live.spec.template, 'metadata');
    }
  }
}

const ALLOCATED_BY_KIND: Readonly<Record<string, (live: KObject, desired: KObject) => void>> = {
  '/Service': service,
  '/ServiceAccount': serviceAccount,
  'batch/Job': job,
};

/**
 * Live-only: drops what the server allocated or generated where the desired object leaves it to
 * the server (Service IPs and node ports, ServiceAccount token secrets, a Job's generated
 * selector and labels), and Gantry's tracking label/annotation unless desired carries them.
 */
export function dropServerAllocated(live: KObject, desired: KObject, group: string): void {
  ALLOCATED_BY_KIND[`${group}/${live.kind}`]?.(live, desired);
  const meta = live.metadata;
  if (!isObj(meta)) {
    return;
  }
  if (isObj(meta.labels)) {
    dropUnlessIn(meta.labels, desired.metadata?.labels, [TRACKING_LABEL]);
    deleteIfEmpty(meta, 'labels');
  }
  if (isObj(meta.annotations)) {
    dropUnlessIn(meta.annotations, desired.metadata?.annotations, [TRACKING_ANNOTATION]);
    deleteIfEmpty(meta, 'annotations');
  }
}
