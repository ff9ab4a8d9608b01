// Pod and pod spec defaults, as the Kubernetes API server fills them in. Every default only
// fills a missing (undefined or null) field, so applying them twice equals applying them once.
import type { KObject } from '../types.js';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets `o[k]` to `v` when it is missing; returns the (possibly new) value. */
export function fill<T>(o: Obj, k: string, v: T): T {
  if (o[k] === undefined || o[k] === null) {
    o[k] = v;
  }
  return o[k] as T;
}

/** Ensures `o[k]` is an object and returns it. */
export function obj(o: Obj, k: string): Obj {
  if (!isObj(o[k])) {
    o[k] = {};
  }
  return o[k] as Obj;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** Always for `:latest` and untagged images; IfNotPresent for other tags and digests. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) {
    return 'IfNotPresent';
  }
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHttpGet(h: unknown): void {
  if (isObj(h)) {
    fill(h, 'path', '/');
    fill(h, 'scheme', 'HTTP');
  }
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) {
    return;
  }
  fill(p, 'timeoutSeconds', 1);
  fill(p, 'periodSeconds', 10);
  fill(p, 'successThreshold', 1);
  fill(p, 'failureThreshold', 3);
  defaultHttpGet(p.httpGet);
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref)) {
    fill(ref, 'apiVersion', 'v1');
  }
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  fill(c, 'terminationMessagePath', '/dev/termination-log');
  fill(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string' && c.image !== '') {
    fill(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  }
  for (const port of list(c.ports)) {
    fill(port, 'protocol', 'TCP');
    if (hostNetwork && typeof port.containerPort === 'number') {
      fill(port, 'hostPort', port.containerPort);
    }
  }
  for (const e of list(c.env)) {
    if (isObj(e.valueFrom)) {
      defaultFieldRef(e.valueFrom.fieldRef);
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    defaultProbe(c[kind]);
  }
  if (isObj(c.lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      if (isObj(c.lifecycle[hook])) {
        defaultHttpGet(c.lifecycle[hook].httpGet);
      }
    }
  }
}

const VOLUME_MODE_DEFAULTED = ['secret', 'configMap', 'projected', 'downwardAPI'];

function defaultVolume(v: Obj): void {
  if (Object.keys(v).every((k) => k === 'name')) {
    v.emptyDir = {};
  }
  for (const src of VOLUME_MODE_DEFAULTED) {
    if (isObj(v[src])) {
      fill(v[src], 'defaultMode', 0o644);
    }
  }
  if (isObj(v.downwardAPI)) {
    for (const item of list(v.downwardAPI.items)) {
      defaultFieldRef(item.fieldRef);
    }
  }
}

export interface PodSpecDefaultOptions {
  /** Fill restartPolicy Always when missing (false for Job templates, which must choose). */
  readonly restartPolicy: boolean;
  /** Fill serviceAccountName 'default' (pods only: Kubernetes does it at admission, not in templates). */
  readonly serviceAccount: boolean;
}

export function defaultPodSpec(spec: unknown, opts: PodSpecDefaultOptions): void {
  if (!isObj(spec)) {
    return;
  }
  if (opts.restartPolicy) {
    fill(spec, 'restartPolicy', 'Always');
  }
  fill(spec, 'dnsPolicy', 'ClusterFirst');
  fill(spec, 'terminationGracePeriodSeconds', 30);
  fill(spec, 'schedulerName', 'default-scheduler');
  fill(spec, 'securityContext', {});
  fill(spec, 'enableServiceLinks', true);
  if (opts.serviceAccount) {
    fill(spec, 'serviceAccountName', 'default');
  }
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    defaultContainer(c, hostNetwork);
  }
  for (const v of list(spec.volumes)) {
    defaultVolume(v);
  }
}

/** Defaults of a pod template (`spec.template` of workloads). */
export function defaultPodTemplate(tpl: unknown, restartPolicy = true): void {
  if (isObj(tpl)) {
    defaultPodSpec(tpl.spec, { restartPolicy, serviceAccount: false });
  }
}

export function defaultPod(pod: KObject): void {
  defaultPodSpec(pod.spec, { restartPolicy: true, serviceAccount: true });
  const status = obj(pod, 'status');
  fill(status, 'phase', 'Pending');
}
