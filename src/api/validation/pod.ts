// Pod and pod spec checks (also used for the templates of every workload kind), and the rule
// that a pod's spec is immutable apart from images, activeDeadlineSeconds and added tolerations.
import type { KObject, StatusCause } from '../types.js';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  isInt,
  isObject,
  jsonEqual,
  nonNegative,
  oneOf,
  positive,
  required,
} from './causes.js';
import { type ContainerContext, validateContainer } from './containers.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, qualifiedNameErrors } from './names.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Every volume source Kubernetes knows; a volume names exactly one. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function validateVolumeSource(kind: string, src: unknown, path: string): StatusCause[] {
  if (!isObject(src)) {
    return [invalid(path, src, 'must be an object')];
  }
  switch (kind) {
    case 'secret':
      return typeof src.secretName === 'string' && src.secretName !== ''
        ? []
        : [required(child(path, 'secretName'))];
    case 'persistentVolumeClaim':
      return typeof src.claimName === 'string' && src.claimName !== ''
        ? []
        : [required(child(path, 'claimName'))];
    case 'hostPath':
      return typeof src.path === 'string' && src.path !== '' ? [] : [required(child(path, 'path'))];
    case 'configMap':
      return typeof src.name === 'string' && src.name !== '' ? [] : [required(child(path, 'name'))];
    default:
      return [];
  }
}

function validateVolumes(volumes: unknown, path: string): { causes: StatusCause[]; names: Set<string> } {
  const names = new Set<string>();
  if (volumes === undefined || volumes === null) {
    return { causes: [], names };
  }
  if (!Array.isArray(volumes)) {
    return { causes: [invalid(path, volumes, 'must be a list')], names };
  }
  const out: StatusCause[] = [];
  volumes.forEach((v: unknown, i) => {
    const p = index(path, i);
    if (!isObject(v)) {
      out.push(invalid(p, v, 'must be an object'));
      return;
    }
    if (typeof v.name !== 'string' || v.name === '') {
      out.push(required(child(p, 'name')));
    } else {
      out.push(...invalidEach(child(p, 'name'), v.name, dns1123LabelErrors(v.name)));
      if (names.has(v.name)) {
        out.push(duplicate(child(p, 'name'), v.name));
      }
      names.add(v.name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    const others = Object.keys(v).filter((k) => k !== 'name' && !VOLUME_SOURCES.includes(k));
    if (sources.length === 0 && others.length === 0) {
      out.push(required(p, 'must specify a volume type'));
    } else if (sources.length > 1) {
      out.push(forbidden(child(p, sources[1] ?? ''), 'may not specify more than 1 volume type'));
    } else if (sources.length === 1) {
      const s = sources[0] ?? '';
      out.push(...validateVolumeSource(s, v[s], child(p, s)));
    }
  });
  return { causes: out, names };
}

function validateTolerations(tolerations: unknown, path: string): StatusCause[] {
  if (tolerations === undefined || tolerations === null) {
    return [];
  }
  if (!Array.isArray(tolerations)) {
    return [invalid(path, tolerations, 'must be a list')];
  }
  const out: StatusCause[] = [];
  tolerations.forEach((t: unknown, i) => {
    const p = index(path, i);
    if (!isObject(t)) {
      out.push(invalid(p, t, 'must be an object'));
      return;
    }
    const op = t.operator ?? 'Equal';
    if (typeof t.key === 'string' && t.key !== '') {
      out.push(...invalidEach(child(p, 'key'), t.key, qualifiedNameErrors(t.key)));
    } else if (op !== 'Exists') {
      out.push(
        invalid(
          child(p, 'operator'),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (op === 'Exists') {
      if (typeof t.value === 'string' && t.value !== '') {
        out.push(invalid(child(p, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
      }
    } else if (op !== 'Equal') {
      out.push(...oneOf(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    out.push(...oneOf(child(p, 'effect'), t.effect === '' ? undefined : t.effect, TAINT_EFFECTS));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      out.push(
        invalid(
          child(p, 'effect'),
          t.effect ?? '',
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
  });
  return out;
}

function validateContainerList(
  list: unknown,
  path: string,
  ctx: ContainerContext,
  init: boolean,
): StatusCause[] {
  if (list === undefined || list === null) {
    return init ? [] : [required(path)];
  }
  if (!Array.isArray(list)) {
    return [invalid(path, list, 'must be a list')];
  }
  if (!init && list.length === 0) {
    return [required(path)];
  }
  return list.flatMap((c: unknown, i) => validateContainer(c, index(path, i), ctx, init));
}

/** Checks a pod spec at `path` (`spec` for pods, `spec.template.spec` for workloads). */
export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  if (!isObject(spec)) {
    return [required(path)];
  }
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'));
  const out = [...vols.causes];
  const ctx: ContainerContext = { volumes: vols.names, names: new Set(), hostPorts: new Set() };
  out.push(...validateContainerList(spec.initContainers, child(path, 'initContainers'), ctx, true));
  out.push(...validateContainerList(spec.containers, child(path, 'containers'), ctx, false));
  out.push(...oneOf(child(path, 'restartPolicy'), spec.restartPolicy, RESTART_POLICIES));
  out.push(...oneOf(child(path, 'dnsPolicy'), spec.dnsPolicy, DNS_POLICIES));
  out.push(...nonNegative(child(path, 'terminationGracePeriodSeconds'), spec.terminationGracePeriodSeconds));
  out.push(...positive(child(path, 'activeDeadlineSeconds'), spec.activeDeadlineSeconds));
  out.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  out.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  for (const f of ['serviceAccountName', 'nodeName'] as const) {
    const v = spec[f];
    if (typeof v === 'string' && v !== '') {
      out.push(...invalidEach(child(path, f), v, dns1123SubdomainErrors(v)));
    }
  }
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = spec[f];
    if (typeof v === 'string' && v !== '') {
      out.push(...invalidEach(child(path, f), v, dns1123LabelErrors(v)));
    }
  }
  return out;
}

export const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, ' +
  '`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations), ' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function copyImages(into: unknown, from: unknown): void {
  if (!Array.isArray(into) || !Array.isArray(from) || into.length !== from.length) {
    return;
  }
  into.forEach((c: unknown, i) => {
    const o: unknown = from[i];
    if (isObject(c) && isObject(o)) {
      c.image = o.image;
    }
  });
}

/** Pod spec updates: everything but the few mutable fields must stay as it was. */
export function validatePodSpecUpdate(spec: unknown, old: unknown, path = 'spec'): StatusCause[] {
  if (!isObject(spec) || !isObject(old)) {
    return [];
  }
  const out: StatusCause[] = [];
  const masked: Record<string, any> = structuredClone(spec);
  copyImages(masked.containers, old.containers);
  copyImages(masked.initContainers, old.initContainers);
  const ads = spec.activeDeadlineSeconds;
  const oldAds = old.activeDeadlineSeconds;
  if (isInt(ads) && (oldAds === undefined || (isInt(oldAds) && ads <= oldAds))) {
    masked.activeDeadlineSeconds = oldAds;
  } else if (isInt(ads) && isInt(oldAds) && ads > oldAds) {
    out.push(
      invalid(child(path, 'activeDeadlineSeconds'), ads, 'must be less than or equal to previous value'),
    );
    masked.activeDeadlineSeconds = oldAds;
  }
  const oldTols: unknown[] = Array.isArray(old.tolerations) ? old.tolerations : [];
  const newTols: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  if (oldTols.every((t) => newTols.some((n) => jsonEqual(n, t)))) {
    masked.tolerations = old.tolerations;
  }
  const oldGrace = old.terminationGracePeriodSeconds;
  if (isInt(oldGrace) && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1) {
    masked.terminationGracePeriodSeconds = oldGrace;
  }
  if (!jsonEqual(masked, old)) {
    out.push(forbidden(path, POD_UPDATE_MESSAGE));
  }
  return out;
}

export function validatePod(obj: KObject, old?: KObject): StatusCause[] {
  const out = [...validateObjectMeta(obj.metadata, 'subdomain'), ...validatePodSpec(obj.spec, 'spec')];
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    out.push(...validatePodSpecUpdate(obj.spec, old.spec));
  }
  return out;
}
