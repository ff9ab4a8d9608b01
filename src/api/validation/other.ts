// The smaller kinds: Namespace, ConfigMap, Secret, ServiceAccount, Event, ResourceQuota, Node,
// Lease, ControllerRevision.
import { isIP } from 'node:net';
import { isValidQuantity, parseQuantity, QUANTITY_FORMAT_HINT } from '../quantity.js';
import type { KObject, StatusCause } from '../types.js';
import {
  child,
  duplicate,
  forbidden,
  IMMUTABLE,
  index,
  invalid,
  invalidEach,
  isInt,
  isObject,
  jsonEqual,
  key,
  nonNegative,
  oneOf,
  positive,
  required,
  tooLong,
} from './causes.js';
import { type NameRule, validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { configKeyErrors, qualifiedNameErrors } from './names.js';

export const DATA_MAX_BYTES = 1024 * 1024;
const REDACTED = '<secret contents redacted>';

function meta(obj: KObject, old: KObject | undefined, rule: NameRule = 'subdomain'): StatusCause[] {
  const out = validateObjectMeta(obj.metadata, rule);
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  return out;
}

function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

/** `immutable: true` objects keep their data and stay immutable. */
function validateImmutableData(
  obj: KObject,
  old: KObject | undefined,
  fields: readonly string[],
): StatusCause[] {
  if (old?.immutable !== true) {
    return [];
  }
  const out: StatusCause[] = [];
  if (obj.immutable !== true) {
    out.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  }
  for (const f of fields) {
    if (!jsonEqual(obj[f] ?? {}, old[f] ?? {})) {
      out.push(forbidden(f, 'field is immutable when `immutable` is set'));
    }
  }
  return out;
}

/** Keys valid, values strings (base64 for binary maps); returns the payload size in bytes. */
function validateDataMap(
  m: unknown,
  path: string,
  binary: boolean,
  secret: boolean,
  out: StatusCause[],
): number {
  if (m === undefined || m === null) {
    return 0;
  }
  if (!isObject(m)) {
    out.push(invalid(path, secret ? REDACTED : m, 'must be a map of keys to strings'));
    return 0;
  }
  let size = 0;
  for (const [k, v] of Object.entries(m)) {
    out.push(...invalidEach(path, k, configKeyErrors(k)));
    if (typeof v !== 'string') {
      out.push(invalid(key(path, k), secret ? REDACTED : v, 'must be a string'));
    } else if (binary && !isBase64(v)) {
      out.push(invalid(key(path, k), secret ? REDACTED : v, 'must be base64-encoded'));
    } else {
      size += binary ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
    }
  }
  return size;
}

export function validateConfigMap(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  const size =
    validateDataMap(obj.data, 'data', false, false, out) +
    validateDataMap(obj.binaryData, 'binaryData', true, false, out);
  if (isObject(obj.data) && isObject(obj.binaryData)) {
    for (const k of Object.keys(obj.binaryData)) {
      if (Object.hasOwn(obj.data, k)) {
        out.push(duplicate(key('binaryData', k), k));
      }
    }
  }
  if (size > DATA_MAX_BYTES) {
    out.push(tooLong('data', DATA_MAX_BYTES));
  }
  out.push(...validateImmutableData(obj, old, ['data', 'binaryData']));
  return out;
}

/** Keys each Secret type must carry (in data or stringData). */
const SECRET_REQUIRED_KEYS: Record<string, readonly string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  const size =
    validateDataMap(obj.data, 'data', true, true, out) +
    validateDataMap(obj.stringData, 'stringData', false, true, out);
  if (size > DATA_MAX_BYTES) {
    out.push(tooLong('data', DATA_MAX_BYTES));
  }
  const type = obj.type ?? 'Opaque';
  if (typeof type !== 'string') {
    out.push(invalid('type', type, 'must be a string'));
  } else {
    const has = (k: string) =>
      (isObject(obj.data) && Object.hasOwn(obj.data, k)) ||
      (isObject(obj.stringData) && Object.hasOwn(obj.stringData, k));
    for (const k of SECRET_REQUIRED_KEYS[type] ?? []) {
      if (!has(k)) {
        out.push(required(key('data', k)));
      }
    }
    if (type === 'kubernetes.io/basic-auth' && !has('username') && !has('password')) {
      out.push(required('data', 'must contain at least one of "username" or "password"'));
    }
    if (
      type === 'kubernetes.io/service-account-token' &&
      !obj.metadata?.annotations?.['kubernetes.io/service-account.name']
    ) {
      out.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
    }
  }
  if (old && old.type !== undefined && obj.type !== undefined && old.type !== obj.type) {
    out.push(invalid('type', obj.type, IMMUTABLE));
  }
  out.push(...validateImmutableData(obj, old, ['data']));
  return out;
}

export function validateNamespace(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old, 'label');
  const finalizers: unknown = obj.spec?.finalizers;
  if (Array.isArray(finalizers)) {
    finalizers.forEach((f: unknown, i) => {
      const p = index('spec.finalizers', i);
      if (typeof f !== 'string') {
        out.push(invalid(p, f, 'must be a string'));
      } else {
        out.push(...invalidEach(p, f, qualifiedNameErrors(f)));
      }
    });
  }
  out.push(...oneOf('status.phase', obj.status?.phase, ['Active', 'Terminating']));
  return out;
}

export function validateServiceAccount(obj: KObject, old?: KObject): StatusCause[] {
  return meta(obj, old);
}

export function validateEvent(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  const io = obj.involvedObject;
  if (!isObject(io)) {
    out.push(required('involvedObject'));
  } else if (
    typeof io.namespace === 'string' &&
    io.namespace !== '' &&
    typeof obj.metadata?.namespace === 'string' &&
    io.namespace !== obj.metadata.namespace
  ) {
    out.push(invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  }
  out.push(...oneOf('type', obj.type === '' ? undefined : obj.type, ['Normal', 'Warning']));
  out.push(...nonNegative('count', obj.count));
  return out;
}

/** A map of resource names to valid, non-negative quantities (quota hard limits, node capacity). */
function validateQuantityMap(m: unknown, path: string): StatusCause[] {
  if (m === undefined || m === null) {
    return [];
  }
  if (!isObject(m)) {
    return [invalid(path, m, 'must be a map of resource names to quantities')];
  }
  const out: StatusCause[] = [];
  for (const [name, q] of Object.entries(m)) {
    const p = key(path, name);
    out.push(...invalidEach(p, name, qualifiedNameErrors(name)));
    if (!isValidQuantity(q)) {
      out.push(invalid(p, q, QUANTITY_FORMAT_HINT));
    } else if (parseQuantity(q as string | number) < 0) {
      out.push(invalid(p, q, 'must be greater than or equal to 0'));
    }
  }
  return out;
}

const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];

export function validateResourceQuota(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  out.push(...validateQuantityMap(obj.spec?.hard, 'spec.hard'));
  const scopes: unknown = obj.spec?.scopes;
  if (Array.isArray(scopes)) {
    scopes.forEach((s: unknown, i) => {
      out.push(...oneOf(index('spec.scopes', i), s, QUOTA_SCOPES));
    });
  }
  out.push(...validateQuantityMap(obj.status?.hard, 'status.hard'));
  out.push(...validateQuantityMap(obj.status?.used, 'status.used'));
  return out;
}

function isCIDR(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length > 0 || ip === undefined || bits === undefined || !/^[0-9]+$/.test(bits)) {
    return false;
  }
  const family = isIP(ip);
  const n = Number(bits);
  return (family === 4 && n <= 32) || (family === 6 && n <= 128);
}

export function validateNode(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  const spec: Record<string, any> = isObject(obj.spec) ? obj.spec : {};
  if (typeof spec.podCIDR === 'string' && spec.podCIDR !== '' && !isCIDR(spec.podCIDR)) {
    out.push(
      invalid(
        'spec.podCIDR',
        spec.podCIDR,
        'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ),
    );
  }
  if (Array.isArray(spec.podCIDRs)) {
    spec.podCIDRs.forEach((c: unknown, i: number) => {
      if (typeof c !== 'string' || !isCIDR(c)) {
        out.push(invalid(index('spec.podCIDRs', i), c, 'must be a valid CIDR value'));
      }
    });
  }
  if (Array.isArray(spec.taints)) {
    const seen = new Set<string>();
    spec.taints.forEach((t: unknown, i: number) => {
      const p = index('spec.taints', i);
      if (!isObject(t)) {
        out.push(invalid(p, t, 'must be an object'));
        return;
      }
      if (typeof t.key !== 'string' || t.key === '') {
        out.push(required(child(p, 'key')));
      } else {
        out.push(...invalidEach(child(p, 'key'), t.key, qualifiedNameErrors(t.key)));
      }
      if (t.effect === undefined || t.effect === '') {
        out.push(required(child(p, 'effect')));
      } else {
        out.push(...oneOf(child(p, 'effect'), t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
      }
      const id = `${String(t.key)}:${String(t.effect)}`;
      if (seen.has(id)) {
        out.push(duplicate(p, { key: t.key, effect: t.effect }));
      }
      seen.add(id);
    });
  }
  if (isObject(obj.status)) {
    out.push(...validateQuantityMap(obj.status.capacity, 'status.capacity'));
    out.push(...validateQuantityMap(obj.status.allocatable, 'status.allocatable'));
  }
  const oldCIDR: unknown = old?.spec?.podCIDR;
  if (typeof oldCIDR === 'string' && oldCIDR !== '' && spec.podCIDR !== oldCIDR) {
    out.push(forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  }
  return out;
}

export function validateLease(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  const spec: Record<string, any> = isObject(obj.spec) ? obj.spec : {};
  out.push(...positive('spec.leaseDurationSeconds', spec.leaseDurationSeconds));
  out.push(...nonNegative('spec.leaseTransitions', spec.leaseTransitions));
  for (const f of ['acquireTime', 'renewTime']) {
    const v: unknown = spec[f];
    if (v !== undefined && v !== null && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
      out.push(invalid(child('spec', f), v, 'must be an RFC 3339 timestamp'));
    }
  }
  return out;
}

export function validateControllerRevision(obj: KObject, old?: KObject): StatusCause[] {
  const out = meta(obj, old);
  if (!isInt(obj.revision)) {
    out.push(
      obj.revision === undefined
        ? required('revision')
        : invalid('revision', obj.revision, 'must be an integer'),
    );
  } else {
    out.push(...nonNegative('revision', obj.revision));
  }
  if (old && !jsonEqual(obj.data, old.data)) {
    out.push(invalid('data', obj.data ?? null, IMMUTABLE));
  }
  return out;
}
