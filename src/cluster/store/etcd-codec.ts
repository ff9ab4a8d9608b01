// How the etcd backend lays objects out in etcd: a store key `/<group>/<plural>/<ns>/<name>` lives
// at `<namespace><key>` (namespace default `/gantry`), the value is the object's JSON WITHOUT
// metadata.resourceVersion — etcd assigns the revision only at commit, so it is stamped on every
// read from the key's mod_revision (as Kubernetes does). Pure: no I/O.
import type { KObject } from '../../api/types.js';
import { stamp } from './mutation.js';
import type { RawEvent } from './watch-hub.js';

/** The fields of an etcd KeyValue the codec reads (revisions come as decimal strings). */
export interface EtcdKv {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly mod_revision: string;
}

/** One event of an etcd watch response. */
export interface EtcdWatchEvent {
  readonly type: string;
  readonly kv: EtcdKv & { readonly create_revision: string };
  readonly prev_kv?: EtcdKv | null;
}

/** A key range [start, end) in etcd's byte order. */
export interface ByteRange {
  readonly start: Buffer;
  readonly end: Buffer;
}

/** Checks and normalizes a key namespace: starts with `/`, no trailing `/` (`/` alone = none). */
export function normalizeNamespace(ns: string): string {
  if (!ns.startsWith('/')) {
    throw new Error(`etcd key prefix must start with "/", got "${ns}"`);
  }
  return ns.replace(/\/+$/, '');
}

/** The smallest key greater than every key that starts with prefix (etcd's prefix range end). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff: to the end of the key space
}

/**
 * The etcd range of the store keys under prefix; undefined when no store key can match (store
 * keys start with `/`, so a non-empty prefix that does not selects nothing).
 */
export function rangeOf(ns: string, prefix: string): ByteRange | undefined {
  if (prefix !== '' && !prefix.startsWith('/')) {
    return undefined;
  }
  const start = Buffer.from(ns + (prefix === '' ? '/' : prefix), 'utf8');
  return { start, end: prefixEnd(start) };
}

/** The etcd key of a store key; store keys must start with `/`. */
export function etcdKey(ns: string, key: string): Buffer {
  if (!key.startsWith('/')) {
    throw new Error(`store key must start with "/", got "${key}"`);
  }
  return Buffer.from(ns + key, 'utf8');
}

/** The store key of an etcd key, or undefined when it lies outside the namespace. */
export function storeKey(ns: string, key: Buffer): string | undefined {
  const s = key.toString('utf8');
  return s.startsWith(`${ns}/`) ? s.slice(ns.length) : undefined;
}

/** The stored form: JSON text without metadata.resourceVersion (also the deep clone on the way in). */
export function encodeObject(obj: KObject): Buffer {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  delete metadata.resourceVersion;
  return Buffer.from(JSON.stringify({ ...obj, metadata }), 'utf8');
}

/** A fresh object from a stored value, stamped with resourceVersion = revision. */
export function decodeObject(value: Buffer, revision: string | number): KObject {
  const o = JSON.parse(value.toString('utf8')) as KObject;
  o.metadata = { ...o.metadata, resourceVersion: String(revision) };
  return o;
}

/** The JSON text of a stored value stamped with revision (what a WatchHub keeps). */
export function stampedJson(value: Buffer, revision: string | number): string {
  return stamp(JSON.parse(value.toString('utf8')) as KObject, Number(revision));
}

/**
 * A watch event as the store publishes it: PUT of a new key = ADDED, of an existing key =
 * MODIFIED (with the previous state); DELETE = DELETED carrying the last state stamped with the
 * delete's revision. undefined for keys outside the namespace and for a DELETE whose previous
 * state etcd no longer has (compacted): there is no object to report.
 */
export function toRawEvent(ns: string, ev: EtcdWatchEvent): RawEvent | undefined {
  const key = storeKey(ns, ev.kv.key);
  if (key === undefined) {
    return undefined;
  }
  const revision = Number(ev.kv.mod_revision);
  const prev = ev.prev_kv ?? undefined;
  if (ev.type.toUpperCase() === 'DELETE') {
    if (prev === undefined) {
      return undefined;
    }
    return {
      type: 'DELETED',
      key,
      revision,
      object: stampedJson(prev.value, revision),
      prevObject: stampedJson(prev.value, prev.mod_revision),
    };
  }
  const object = stampedJson(ev.kv.value, revision);
  if (ev.kv.create_revision === ev.kv.mod_revision) {
    return { type: 'ADDED', key, revision, object };
  }
  return prev === undefined
    ? { type: 'MODIFIED', key, revision, object }
    : { type: 'MODIFIED', key, revision, object, prevObject: stampedJson(prev.value, prev.mod_revision) };
}
