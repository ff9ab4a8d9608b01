// What the API server and controllers write into an object that git never says: metadata the
// server stamps, status, bookkeeping annotations, allocated addresses and ports, generated
// selectors. Removed so they never show up as a difference. Pure; mutates the copy it is given.
import type { KObject } from '../api/types.js';
import { cloneClean, deleteIfEmpty, isEmptyObject, isObj, type Obj, objAt } from './object-utils.js';

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
const SKIP_ANNOTATIONS_AND_TRACKING: ReadonlySet<string> = new Set([
  ...SERVER_ANNOTATIONS,
  TRACKING_ANNOTATION,
]);
const SKIP_NONE: ReadonlySet<string> = new Set();
const SKIP_TRACKING_LABEL: ReadonlySet<string> = new Set([TRACKING_LABEL]);

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

/** What cloneWithoutServerFields may leave out besides the server fields. */
export interface CloneSkips {
  /** Gantry's tracking label (when the desired object has none: dropServerAllocated would drop it). */
  readonly trackingLabel?: boolean;
  /** Gantry's tracking annotation (likewise). */
  readonly trackingAnnotation?: boolean;
}

/**
 * A deep copy without null members (see cloneClean), status, server-stamped metadata and the
 * bookkeeping annotations — skipped while copying rather than deleted after (cheaper, and the
 * copy keeps fast property access). Always has a metadata object. `skips` leaves out the
 * tracking label and annotation too: deleted later they would cost the same, and slow the maps.
 * A labels map left empty stays (as it would have until dropServerAllocated); an empty
 * annotations map is left out, as ever.
 */
export function cloneWithoutServerFields(o: KObject, skips?: CloneSkips): KObject {
  const out: Obj = {};
  const skipAnnotations = skips?.trackingAnnotation ? SKIP_ANNOTATIONS_AND_TRACKING : SKIP_ANNOTATIONS;
  const skipLabels = skips?.trackingLabel ? SKIP_TRACKING_LABEL : SKIP_NONE;
  for (const k in o) {
    const v = o[k];
    if (k === 'status' || v === null || v === undefined) {
      continue;
    }
    if (k === 'metadata' && isObj(v)) {
      const meta: Obj = {};
      for (const mk in v) {
        const mv = v[mk];
        if (mv === null || mv === undefined || SKIP_METADATA.has(mk)) {
          continue;
        }
        if (mk === 'annotations' && isObj(mv)) {
          const annotations = copyMap(mv, skipAnnotations);
          if (!isEmptyObject(annotations)) {
            meta.annotations = annotations;
          }
        } else if (mk === 'labels' && isObj(mv)) {
          meta.labels = copyMap(mv, skipLabels);
        } else {
          meta[mk] = cloneClean(mv);
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

/** The kind-specific rule of dropServerAllocated (a switch: no `group/kind` string per object). */
function allocatedRule(
  group: string,
  kind: unknown,
): ((live: KObject, desired: KObject) => void) | undefined {
  switch (kind) {
    case 'Service':
      return group === '' ? service : undefined;
    case 'ServiceAccount':
      return group === '' ? serviceAccount : undefined;
    case 'Job':
      return group === 'batch' ? job : undefined;
    default:
      return undefined;
  }
}

/** Deletes live[k] when desired has no k (undefined counts as none). */
function dropKeyUnlessIn(live: Obj, desired: Obj | undefined, k: string): void {
  if (desired?.[k] === undefined) {
    delete live[k];
  }
}

/**
 * Live-only: drops what the server allocated or generated where the desired object leaves it to
 * the server (Service IPs and node ports, ServiceAccount token secrets, a Job's generated
 * selector and labels), and Gantry's tracking label/annotation unless desired carries them.
 */
export function dropServerAllocated(live: KObject, desired: KObject, group: string): void {
  allocatedRule(group, live.kind)?.(live, desired);
  const meta = live.metadata;
  if (!isObj(meta)) {
    return;
  }
  if (isObj(meta.labels)) {
    dropKeyUnlessIn(meta.labels, desired.metadata?.labels, TRACKING_LABEL);
    deleteIfEmpty(meta, 'labels');
  }
  if (isObj(meta.annotations)) {
    dropKeyUnlessIn(meta.annotations, desired.metadata?.annotations, TRACKING_ANNOTATION);
    deleteIfEmpty(meta, 'annotations');
  }
}
