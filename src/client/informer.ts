// Informer: a list+watch cache of one resource, kept current, with indexes and change
// handlers. Handlers only enqueue keys; reconcilers read the cache (CONVENTIONS.md #4, #5).
import { isApiError } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import type { Client, WatchHandle } from './types.js';

export interface InformerHandlers {
  add?(obj: KObject): void;
  update?(oldObj: KObject, newObj: KObject): void;
  delete?(obj: KObject): void;
}

export type IndexFn = (obj: KObject) => readonly string[];

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Re-deliver every cached object as an update this often (level-triggered safety net). */
  readonly resyncMs?: number;
  readonly onError?: (e: unknown) => void;
  /** Applied to every object before it is cached (e.g. keep metadata only, to save memory). */
  readonly transform?: (obj: KObject) => KObject;
}

/** A transform keeping only what identifies an object and its ownership (apiVersion, kind, metadata). */
export function metadataOnly(obj: KObject): KObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
}

/** `namespace/name` (or `name` when cluster-scoped): the key work queues carry. */
export function objectKey(obj: Pick<KObject, 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Informer {
  private readonly cache = new Map<string, KObject>();
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexers = new Map<string, IndexFn>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private watch?: WatchHandle;
  private stopped = false;
  private running = false;
  private synced = false;
  private lastRv = '';
  private resyncTimer?: NodeJS.Timeout;
  private syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    readonly resource: ResourceInfo,
    private readonly opts: InformerOptions = {},
  ) {}

  addHandlers(h: InformerHandlers): void {
    this.handlers.push(h);
    if (this.synced) {
      for (const o of this.cache.values()) {
        h.add?.(o);
      }
    }
  }

  addIndex(name: string, fn: IndexFn): void {
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [k, o] of this.cache) {
      for (const v of fn(o)) {
        let s = idx.get(v);
        if (!s) {
          s = new Set();
          idx.set(v, s);
        }
        s.add(k);
      }
    }
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Starts list+watch; resolves once the first list is in the cache. Starting an informer that is
   * already running only waits for its sync (informers are shared: several users may start one).
   */
  start(): Promise<void> {
    if (this.running || this.stopped) {
      return this.waitForSync();
    }
    this.running = true;
    void this.run();
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => {
        for (const o of this.cache.values()) {
          for (const h of this.handlers) {
            h.update?.(o, o);
          }
        }
      }, this.opts.resyncMs);
      this.resyncTimer.unref();
    }
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.resyncTimer) {
      clearInterval(this.resyncTimer);
    }
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const o of this.cache.values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) {
        out.push(o);
      }
    }
    return out;
  }

  byIndex(name: string, value: string): KObject[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) {
      return [];
    }
    return [...keys].map((k) => this.cache.get(k)).filter((o): o is KObject => o !== undefined);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        this.watch = await this.client.watch(
          this.resource,
          {
            namespace: this.opts.namespace,
            labelSelector: this.opts.labelSelector,
            fieldSelector: this.opts.fieldSelector,
            resourceVersion: this.lastRv,
            allowBookmarks: true,
          },
          (e) => {
            this.lastRv = e.object.metadata?.resourceVersion ?? this.lastRv;
            if (e.type === 'ADDED' || e.type === 'MODIFIED') {
              this.upsert(e.object);
            } else if (e.type === 'DELETED') {
              this.remove(objectKey(e.object));
            }
          },
        );
        const err = await this.watch.done;
        if (err) {
          throw err;
        }
        backoff = 100;
      } catch (e) {
        if (this.stopped) {
          return;
        }
        if (isApiError(e, 410)) {
          needList = true;
          continue;
        }
        this.opts.onError?.(e);
        needList = !this.synced || isApiError(e);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list(this.resource, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    });
    const seen = new Set<string>();
    for (const o of list.items) {
      seen.add(objectKey(o));
      this.upsert(o);
    }
    for (const k of [...this.cache.keys()]) {
      if (!seen.has(k)) {
        this.remove(k);
      }
    }
    this.lastRv = list.metadata.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) {
        w();
      }
    }
  }

  private upsert(raw: KObject): void {
    const obj = this.opts.transform ? this.opts.transform(raw) : raw;
    const k = objectKey(obj);
    const old = this.cache.get(k);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) {
      return;
    }
    Object.freeze(obj);
    if (old) {
      this.unindex(k, old);
    }
    this.cache.set(k, obj);
    this.index(k, obj);
    for (const h of this.handlers) {
      if (old) {
        h.update?.(old, obj);
      } else {
        h.add?.(obj);
      }
    }
  }

  private remove(k: string): void {
    const old = this.cache.get(k);
    if (!old) {
      return;
    }
    this.cache.delete(k);
    this.unindex(k, old);
    for (const h of this.handlers) {
      h.delete?.(old);
    }
  }

  private index(k: string, o: KObject): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(o)) {
        let s = idx.get(v);
        if (!s) {
          s = new Set();
          idx.set(v, s);
        }
        s.add(k);
      }
    }
  }

  private unindex(k: string, o: KObject): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(o)) {
        const s = idx.get(v);
        s?.delete(k);
        if (s && s.size === 0) {
          idx.delete(v);
        }
      }
    }
  }
}
