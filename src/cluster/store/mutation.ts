// Rules every Store backend applies the same way on a mutation: how an object is stamped with
// its revision and serialized, how preconditions are checked, and the key range of a prefix.
// Pure: no I/O.
import type { KObject } from '../../api/types.js';
import { type Precondition, StoreError } from './types.js';

/**
 * The stored form of obj at revision: JSON text with metadata.resourceVersion = String(revision).
 * Serializing is also the deep clone on the way in: later changes to obj do not reach the store.
 */
export function stamp(obj: KObject, revision: number): string {
  return JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } });
}

/** Throws StoreError('Conflict') when pre does not hold for the stored object. */
export function checkPrecondition(
  key: string,
  storedRevision: number,
  storedJson: string,
  pre: Precondition | undefined,
): void {
  if (pre === undefined) {
    return;
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== String(storedRevision)) {
    throw new StoreError(
      'Conflict',
      key,
      `${key} has been modified: precondition resourceVersion ${pre.resourceVersion}, stored ${storedRevision}`,
    );
  }
  if (pre.uid !== undefined) {
    const uid = (JSON.parse(storedJson) as KObject).metadata?.uid;
    if (pre.uid !== uid) {
      throw new StoreError(
        'Conflict',
        key,
        `${key}: precondition uid ${pre.uid} does not match stored uid ${uid ?? '(none)'}`,
      );
    }
  }
}

export function notFound(key: string): StoreError {
  return new StoreError('NotFound', key, `${key} not found`);
}

export function alreadyExists(key: string): StoreError {
  return new StoreError('AlreadyExists', key, `${key} already exists`);
}

/**
 * Exclusive upper bound of the keys that start with prefix, so that a prefix scan is the range
 * [prefix, bound). undefined for the empty prefix (no bound). When the prefix ends in an ASCII
 * character (always, for store keys) the bound is exact: the last character plus one, which
 * orders the same in UTF-16 (JS) and UTF-8 (SQLite BINARY). Otherwise prefix + U+10FFFF.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  if (prefix === '') {
    return undefined;
  }
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last < 0x7f) {
    return prefix.slice(0, -1) + String.fromCharCode(last + 1);
  }
  return `${prefix}\u{10FFFF}`;
}
