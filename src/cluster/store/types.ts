// The Store contract: a versioned key-value store of JSON objects with watch, the only thing
// the API server persists through. Every backend (memory, sqlite, later etcd) passes the same
// conformance suite (test/cluster/store/store-suite.ts).
//
// Keys look like `/<group>/<plural>/<namespace>/<name>`; prefixes select lists.
// Every mutation gets the next global revision; the stored object's
// metadata.resourceVersion is that revision as a decimal string.
import type { KObject } from '../../api/types.js';
import type { WatchRoute } from './watch-hub.js';

/** A committed change. Watchers share one frozen copy of each event: read it, never change it. */
export interface StoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  /** The object after the change (for DELETED: the last stored state, with the delete's revision). */
  readonly object: KObject;
  /** For MODIFIED/DELETED: the state before the change. */
  readonly prevObject?: KObject;
  readonly revision: number;
}

export interface Watch {
  stop(): void;
  /**
   * A revision up to which every event this watch will ever deliver has been delivered (it
   * may have seen fewer events than that: a routed watch is not offered the others). Lets a
   * caller's bookmarks advance past events meant for other watchers. Absent = unknown.
   */
  progress?(): number;
}

export interface ListRange {
  readonly startAfter?: string;
  readonly limit?: number;
}

export interface Precondition {
  /** The update/delete only happens when the stored resourceVersion equals this. */
  readonly resourceVersion?: string;
  readonly uid?: string;
}

/** Raised by a backend (the registry maps them to API Status errors). */
export class StoreError extends Error {
  constructor(
    readonly kind: 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone',
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  /** Current revision: the revision of the latest mutation (0 when empty). */
  revision(): number;
  get(key: string): Promise<KObject | undefined>;
  /**
   * Objects whose key starts with prefix, in key order, and the revision they were read at;
   * with `startAfter` only keys after it, with `limit` at most that many (for paged lists).
   */
  list(prefix: string, opts?: ListRange): Promise<{ items: KObject[]; revision: number }>;
  /** Stores a new object; StoreError('AlreadyExists') when the key is taken. */
  create(key: string, obj: KObject): Promise<KObject>;
  /** Replaces an object; StoreError('NotFound' | 'Conflict'). */
  update(key: string, obj: KObject, pre?: Precondition): Promise<KObject>;
  /** Deletes an object and returns its last state; StoreError('NotFound' | 'Conflict'). */
  delete(key: string, pre?: Precondition): Promise<KObject>;
  /**
   * Streams the events for keys under prefix with revision > fromRevision, in revision order.
   * fromRevision undefined = from now. StoreError('Gone') (thrown synchronously) when
   * fromRevision is older than the history the store keeps. A store whose history can vanish
   * under a running watch (etcd compaction racing the watch's start, or its stream falling
   * behind a compaction) ends the watch and calls onEnd once with StoreError('Gone'): the
   * watcher must list again. Memory and SQLite never do.
   */
  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (e: StoreEvent) => void,
    onEnd?: (err: StoreError) => void,
    /**
     * A hint: only events whose object (now or before) has route.value in the indexed field are
     * wanted. A store may deliver more (the caller still filters), never fewer.
     */
    route?: WatchRoute,
  ): Watch;
  /**
   * Like get, but may answer from memory: a backend that shares its data with other writers
   * (etcd, several API servers) may return a state older than another server's latest write,
   * never older than this store's own acknowledged writes. For read-modify-write whose write
   * carries the read resourceVersion as precondition (a stale read only costs a Conflict and a
   * retry with get) and for admission checks that Kubernetes also answers from a cache.
   * Absent = same as get.
   */
  getForUpdate?(key: string): Promise<KObject | undefined>;
  /** Number of objects under a prefix (cheap: used by quota and metrics). */
  count(prefix: string): Promise<number>;
  close(): Promise<void>;
}

/** A stored object with its key. */
export interface StoreEntry {
  readonly key: string;
  readonly object: KObject;
}

/**
 * A Store that can also enumerate its keys with their objects, in key order (list returns only
 * objects): what a migration between backends copies.
 */
export interface EnumerableStore extends Store {
  entries(prefix?: string): AsyncIterable<StoreEntry>;
}
