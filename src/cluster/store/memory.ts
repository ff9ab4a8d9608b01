// In-memory Store for unit tests and throwaway clusters: same contract and conformance suite
// as the durable backends, nothing persisted. Values are kept as JSON text (the deep clone on
// the way in); every read parses a fresh copy (the deep clone on the way out).
import type { KObject } from '../../api/types.js';
import { alreadyExists, checkPrecondition, notFound, prefixUpperBound, stamp } from './mutation.js';
import type { ListRange, Precondition, Store, StoreError, StoreEvent, Watch } from './types.js';
import { WatchHub, type WatchRoute } from './watch-hub.js';

interface Entry {
  readonly json: string;
  readonly revision: number;
}

export interface MemoryStoreOptions {
  /** Events kept for resuming watches (default 4,096). */
  readonly historySize?: number;
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  /** All keys, sorted (JS string order), for prefix listing. */
  private readonly keys: string[] = [];
  private rev = 0;
  private readonly hub: WatchHub;

  constructor(opts: MemoryStoreOptions = {}) {
    this.hub = new WatchHub({ historySize: opts.historySize, initialRevision: 0 });
  }

  revision(): number {
    return this.rev;
  }

  async get(key: string): Promise<KObject | undefined> {
    const e = this.entries.get(key);
    return e === undefined ? undefined : (JSON.parse(e.json) as KObject);
  }

  async list(prefix: string, opts: ListRange = {}): Promise<{ items: KObject[]; revision: number }> {
    const [lo, to] = this.range(prefix);
    let from = lo;
    if (opts.startAfter !== undefined) {
      from = Math.max(lo, this.lowerBound(opts.startAfter));
      if (this.keys[from] === opts.startAfter) {
        from++;
      }
    }
    const end = opts.limit === undefined ? to : Math.min(to, from + opts.limit);
    const items: KObject[] = [];
    for (let i = from; i < end; i++) {
      items.push(JSON.parse(this.entries.get(this.keys[i]!)!.json) as KObject);
    }
    return { items, revision: this.rev };
  }

  async count(prefix: string): Promise<number> {
    const [from, to] = this.range(prefix);
    return to - from;
  }

  async create(key: string, obj: KObject): Promise<KObject> {
    if (this.entries.has(key)) {
      throw alreadyExists(key);
    }
    const revision = ++this.rev;
    const json = stamp(obj, revision);
    this.entries.set(key, { json, revision });
    this.keys.splice(this.lowerBound(key), 0, key);
    this.hub.publish({ type: 'ADDED', key, revision, object: json });
    return JSON.parse(json) as KObject;
  }

  async update(key: string, obj: KObject, pre?: Precondition): Promise<KObject> {
    const prev = this.entries.get(key);
    if (prev === undefined) {
      throw notFound(key);
    }
    checkPrecondition(key, prev.revision, prev.json, pre);
    const revision = ++this.rev;
    const json = stamp(obj, revision);
    this.entries.set(key, { json, revision });
    this.hub.publish({ type: 'MODIFIED', key, revision, object: json, prevObject: prev.json });
    return JSON.parse(json) as KObject;
  }

  async delete(key: string, pre?: Precondition): Promise<KObject> {
    const prev = this.entries.get(key);
    if (prev === undefined) {
      throw notFound(key);
    }
    checkPrecondition(key, prev.revision, prev.json, pre);
    const revision = ++this.rev;
    const json = stamp(JSON.parse(prev.json) as KObject, revision);
    this.entries.delete(key);
    this.keys.splice(this.lowerBound(key), 1);
    this.hub.publish({ type: 'DELETED', key, revision, object: json, prevObject: prev.json });
    return JSON.parse(json) as KObject;
  }

  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (e: StoreEvent) => void,
    _onEnd?: (err: StoreError) => void,
    route?: WatchRoute,
  ): Watch {
    return this.hub.watch(prefix, fromRevision, onEvent, route);
  }

  async close(): Promise<void> {
    this.hub.close();
  }

  /** Index range [from, to) of the sorted keys that start with prefix. */
  private range(prefix: string): [number, number] {
    const upper = prefixUpperBound(prefix);
    return [this.lowerBound(prefix), upper === undefined ? this.keys.length : this.lowerBound(upper)];
  }

  /** First index whose key is >= key. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
