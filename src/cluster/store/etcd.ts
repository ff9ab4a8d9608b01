// The distributed Store: etcd v3 (through the `etcd3` gRPC client), for several control-plane
// replicas on one cluster. resourceVersion is etcd's mod revision: objects are stored without it
// and stamped on read. Writes are single-key transactions (create: key absent; update/delete: key
// present, or mod revision = the precondition's resourceVersion). One etcd watch on the store's
// whole namespace feeds a WatchHub (fan-out and recent history, like Kubernetes' watch cache) and
// keeps revision() current; a write is acknowledged once that watch has seen it, so a watch
// started after a write returns always includes it. Resumes older than the in-memory history are
// served from etcd's own history while inside the retention window (historySize revisions) and
// not compacted; older ones are Gone, decided synchronously from the compaction revision the
// store knows (probed at open, raised by its own compactions and by etcd's refusals).
import { Etcd3, type IRequestOp, type IResponseOp } from 'etcd3';
import type { KObject } from '../../api/types.js';
import {
  type ByteRange,
  decodeObject,
  type EtcdWatchEvent,
  encodeObject,
  etcdKey,
  normalizeNamespace,
  rangeOf,
  stampedJson,
  storeKey,
  toRawEvent,
} from './etcd-codec.js';
import { compactedRevision, compactionKey, isCompactedError } from './etcd-compaction.js';
import { HistoryWatch, RangeWatch, RevisionWaiters } from './etcd-watch.js';
import { alreadyExists, checkPrecondition, notFound } from './mutation.js';
import {
  type EnumerableStore,
  type ListRange,
  type Precondition,
  type StoreEntry,
  StoreError,
  type StoreEvent,
  type Watch,
} from './types.js';
import { DEFAULT_HISTORY_SIZE, WatchHub, type WatchRoute } from './watch-hub.js';

export interface EtcdStoreOptions {
  /** Key namespace in etcd (default `/gantry`): store key `/apps/deployments/ns/x` → `/gantry/apps/…`. */
  readonly prefix?: string;
  /**
   * Watch history: the last historySize events are kept in memory, and resumes from up to
   * historySize revisions back are served (from etcd's history when memory lacks them). The
   * compactor never compacts inside this window. Default 4,096.
   */
  readonly historySize?: number;
  /** How long open() waits for etcd, and each request's deadline (default 5,000 ms). */
  readonly dialTimeoutMs?: number;
  /**
   * Compacts etcd's history every interval to the revision seen one interval earlier (kept out
   * of the historySize window), as the Kubernetes API server does. Default 300,000; 0 = never
   * (leave it to etcd's --auto-compaction-*). Compaction applies to the whole etcd cluster.
   */
  readonly compactIntervalMs?: number;
  /** Where watch stream trouble is reported (a pino logger fits); default console. */
  readonly logger?: StoreLogger;
}

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const consoleLogger: StoreLogger = {
  warn: (obj, msg) => console.warn(`etcd store: ${msg}`, obj),
  error: (obj, msg) => console.error(`etcd store: ${msg}`, obj),
};

/** A write waits at most this long for the store's watch to see it before it is acknowledged anyway. */
const CATCH_UP_TIMEOUT_MS = 10_000;

export class EtcdStore implements EnumerableStore {
  private rev: number;
  private hub: WatchHub;
  private compacted: number;
  private watch$: RangeWatch | undefined;
  /** Watches the key where every store on this namespace records its compactions. */
  private compactWatch: RangeWatch | undefined;
  private readonly all: ByteRange;
  private readonly historySize: number;
  /** Open watches (from memory or from etcd's history) and whom to tell when they must end. */
  private readonly watches = new Map<Watch, { prefix: string; onEnd?: (err: StoreError) => void }>();
  private readonly waiters = new RevisionWaiters();
  private compactTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * The latest state of every key the store's watch or a read has shown since open (JSON text
   * stamped with its mod revision), for getForUpdate: one etcd round trip less per
   * read-modify-write, as the Kubernetes API server's watch cache does. Deleted keys leave it.
   */
  private readonly latest = new Map<string, { readonly json: string; readonly revision: number }>();

  /** Connects to etcd (any of endpoints), reads the current revision and starts the store's watch. */
  static async open(endpoints: readonly string[], opts: EtcdStoreOptions = {}): Promise<EtcdStore> {
    if (endpoints.length === 0) {
      throw new Error('etcd store: no endpoints given');
    }
    for (const e of endpoints) {
      if (!/^https?:\/\/[^/]+\/?$/.test(e)) {
        throw new Error(`etcd store: endpoint "${e}" is not http://HOST:PORT`);
      }
    }
    const timeoutMs = opts.dialTimeoutMs ?? 5000;
    const client = new Etcd3({
      hosts: [...endpoints],
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    });
    try {
      const ns = normalizeNamespace(opts.prefix ?? '/gantry');
      const head = await client.kv.range({ key: Buffer.from(`${ns}#`), count_only: true });
      const rev = Number(head.header.revision);
      const compacted = await compactedRevision(client, ns, 1, rev);
      const store = new EtcdStore(client, ns, rev, compacted, opts);
      await store.startWatch(rev);
      await store.startCompactWatch(rev);
      return store;
    } catch (err) {
      client.close();
      throw new Error(`open etcd store ${endpoints.join(',')}`, { cause: err });
    }
  }

  private constructor(
    private readonly client: Etcd3,
    private readonly ns: string,
    revision: number,
    compacted: number,
    private readonly opts: EtcdStoreOptions,
  ) {
    this.rev = revision;
    this.compacted = compacted;
    this.historySize = opts.historySize ?? DEFAULT_HISTORY_SIZE;
    this.hub = new WatchHub({ historySize: this.historySize, initialRevision: revision });
    this.all = rangeOf(ns, '')!;
    const every = opts.compactIntervalMs ?? 300_000;
    if (every > 0) {
      let previous = revision;
      this.compactTimer = setInterval(() => {
        const target = Math.min(previous, this.rev - this.historySize);
        previous = this.rev;
        if (target > this.compacted) {
          this.compact(target).catch((err) => this.log.warn({ err, target }, 'periodic compaction failed'));
        }
      }, every);
      this.compactTimer.unref();
    }
  }

  private get log(): StoreLogger {
    return this.opts.logger ?? consoleLogger;
  }

  revision(): number {
    return this.rev;
  }

  /** The revision below which etcd no longer has history (1 = never compacted), as far as known. */
  compactedRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<KObject | undefined> {
    const res = await this.client.kv.range({ key: etcdKey(this.ns, key) });
    this.seen(Number(res.header.revision));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : decodeObject(kv.value, kv.mod_revision);
  }

  async getForUpdate(key: string): Promise<KObject | undefined> {
    const hit = this.latest.get(key);
    if (hit !== undefined) {
      return JSON.parse(hit.json) as KObject;
    }
    const res = await this.client.kv.range({ key: etcdKey(this.ns, key) });
    const revision = Number(res.header.revision);
    this.seen(revision);
    const kv = res.kvs[0];
    if (kv === undefined) {
      return undefined;
    }
    const json = stampedJson(kv.value, kv.mod_revision);
    // Only a read at least as new as everything the watch delivered may enter the cache: the
    // watch's later events then overwrite it in order.
    if (revision >= this.hub.revision() && !this.latest.has(key)) {
      this.latest.set(key, { json, revision: Number(kv.mod_revision) });
    }
    return JSON.parse(json) as KObject;
  }

  async list(prefix: string, opts: ListRange = {}): Promise<{ items: KObject[]; revision: number }> {
    const range = rangeOf(this.ns, prefix);
    if (range === undefined || opts.limit === 0) {
      return { items: [], revision: await this.currentRevision() };
    }
    let start = range.start;
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([Buffer.from(this.ns + opts.startAfter, 'utf8'), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) {
        start = after;
      }
    }
    if (Buffer.compare(start, range.end) >= 0) {
      return { items: [], revision: await this.currentRevision() };
    }
    // One range request: every item is read at the same revision, the one returned.
    const res = await this.client.kv.range({ key: start, range_end: range.end, limit: opts.limit ?? 0 });
    const revision = Number(res.header.revision);
    this.seen(revision);
    return { items: res.kvs.map((kv) => decodeObject(kv.value, kv.mod_revision)), revision };
  }

  async count(prefix: string): Promise<number> {
    const range = rangeOf(this.ns, prefix);
    if (range === undefined) {
      return 0;
    }
    const res = await this.client.kv.range({ key: range.start, range_end: range.end, count_only: true });
    return Number(res.count);
  }

  /** Every key under prefix with its object, in key order, all pages read at one revision. */
  async *entries(prefix = ''): AsyncIterable<StoreEntry> {
    const range = rangeOf(this.ns, prefix);
    if (range === undefined) {
      return;
    }
    let start = range.start;
    let revision: string | undefined;
    for (;;) {
      const res = await this.client.kv.range({ key: start, range_end: range.end, limit: 500, revision });
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        yield { key: storeKey(this.ns, kv.key)!, object: decodeObject(kv.value, kv.mod_revision) };
      }
      const last = res.kvs.at(-1);
      if (last === undefined || !res.more) {
        return;
      }
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  async create(key: string, obj: KObject): Promise<KObject> {
    this.assertOpen();
    const k = etcdKey(this.ns, key);
    const value = encodeObject(obj);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
      failure: [],
    });
    if (!res.succeeded) {
      throw alreadyExists(key);
    }
    const revision = Number(res.header.revision);
    await this.caughtUp(revision);
    return decodeObject(value, revision);
  }

  async update(key: string, obj: KObject, pre?: Precondition): Promise<KObject> {
    this.assertOpen();
    const k = etcdKey(this.ns, key);
    const value = encodeObject(obj);
    const { revision } = await this.guarded(key, pre, { request_put: { key: k, value } });
    await this.caughtUp(revision);
    return decodeObject(value, revision);
  }

  async delete(key: string, pre?: Precondition): Promise<KObject> {
    this.assertOpen();
    const k = etcdKey(this.ns, key);
    const { revision, response } = await this.guarded(key, pre, {
      request_delete_range: { key: k, prev_kv: true },
    });
    const prev = response.response_delete_range.prev_kvs[0];
    if (prev === undefined) {
      throw new Error(`delete ${key}: etcd returned no previous value`);
    }
    await this.caughtUp(revision);
    return decodeObject(prev.value, revision);
  }

  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (e: StoreEvent) => void,
    onEnd?: (err: StoreError) => void,
    route?: WatchRoute,
  ): Watch {
    this.assertOpen();
    try {
      const w = this.hub.watch(prefix, fromRevision, onEvent, route);
      const handle = this.track(() => w.stop(), prefix, onEnd);
      return { stop: () => handle.stop(), progress: () => w.progress?.() ?? 0 };
    } catch (err) {
      if (!(err instanceof StoreError && err.kind === 'Gone') || fromRevision === undefined) {
        throw err;
      }
    }
    // Older than the memory holds: etcd's history, inside the window and not compacted.
    const floor = Math.max(this.compacted - 1, this.rev - this.historySize);
    const range = rangeOf(this.ns, prefix);
    if (fromRevision < floor || range === undefined) {
      throw new StoreError('Gone', prefix, `too old resource version: ${fromRevision} (${floor})`);
    }
    let tracked: Watch | undefined;
    const w = new HistoryWatch(
      this.client,
      this.ns,
      range,
      prefix,
      fromRevision,
      onEvent,
      (err, e) => this.log.error({ err, key: e.key, revision: e.revision }, 'store watcher failed'),
      (_, err) => {
        // etcd refused the history (compacted meanwhile by another client): Gone, after the fact
        this.log.warn({ err: err.message, prefix, fromRevision }, 'etcd ended a watch from history');
        void this.refreshCompacted().catch(() => {});
        if (tracked !== undefined) {
          this.endWatch(tracked, `too old resource version: ${fromRevision} (compacted)`);
        }
      },
    );
    tracked = this.track(() => w.stop(), prefix, onEnd);
    return tracked;
  }

  /**
   * Compacts etcd's history up to revision (revisions below it are gone for every client of the
   * cluster); watches from older revisions are Gone from now on.
   */
  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision });
      this.compacted = Math.max(this.compacted, revision);
      // tell the other stores on this namespace (replicas), so their Gone answers stay synchronous
      await this.client.kv.put({ key: compactionKey(this.ns), value: Buffer.from(String(revision)) });
    } catch (err) {
      if (!isCompactedError(err)) {
        throw new Error(`compact etcd at revision ${revision}`, { cause: err });
      }
      await this.refreshCompacted(); // someone compacted further already
    }
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearInterval(this.compactTimer);
    for (const w of [...this.watches.keys()]) {
      w.stop();
    }
    this.hub.close();
    await this.compactWatch?.cancel();
    this.waiters.releaseAll();
    await this.watch$?.cancel();
    this.client.close();
  }

  /** Remembers an open watch, so that the store can end it (Gone) when its history vanishes. */
  private track(stop: () => void, prefix: string, onEnd?: (err: StoreError) => void): Watch {
    const handle: Watch = {
      stop: () => {
        this.watches.delete(handle);
        stop();
      },
    };
    this.watches.set(handle, { prefix, onEnd });
    return handle;
  }

  /** Stops a watch the store can no longer serve and tells its owner (once). */
  private endWatch(handle: Watch, message: string): void {
    const entry = this.watches.get(handle);
    handle.stop();
    if (entry?.onEnd !== undefined) {
      try {
        entry.onEnd(new StoreError('Gone', entry.prefix, message));
      } catch (err) {
        this.log.error({ err }, 'watch end handler failed');
      }
    }
  }

  /**
   * Runs op when the key exists and pre holds. Without a uid precondition that is one
   * transaction (compare on the key's existence or mod revision); a uid needs the stored
   * value, so it is read first and the write then requires the mod revision it was read at.
   */
  private async guarded(
    key: string,
    pre: Precondition | undefined,
    op: IRequestOp,
  ): Promise<{ revision: number; response: IResponseOp }> {
    const k = etcdKey(this.ns, key);
    let expected: string | undefined;
    if (pre?.uid !== undefined) {
      const cur = (await this.client.kv.range({ key: k })).kvs[0];
      if (cur === undefined) {
        throw notFound(key);
      }
      checkPrecondition(key, Number(cur.mod_revision), cur.value.toString('utf8'), pre);
      expected = cur.mod_revision;
    } else if (pre?.resourceVersion !== undefined) {
      expected = /^[1-9][0-9]{0,15}$/.test(pre.resourceVersion) ? pre.resourceVersion : '-1';
    }
    const res = await this.client.kv.txn({
      compare: [
        expected === undefined
          ? { key: k, target: 'Version', result: 'Greater', version: 0 }
          : { key: k, target: 'Mod', result: 'Equal', mod_revision: expected },
      ],
      success: [op],
      failure: [{ request_range: { key: k, keys_only: true } }],
    });
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      if (cur === undefined) {
        throw notFound(key);
      }
      const stored = Number(cur.mod_revision);
      checkPrecondition(key, stored, '{}', { resourceVersion: pre?.resourceVersion ?? String(expected) });
      throw new StoreError('Conflict', key, `${key} has been modified meanwhile (stored ${stored})`);
    }
    const response = res.responses[0];
    if (response === undefined) {
      throw new Error(`write ${key}: etcd returned no response`);
    }
    return { revision: Number(res.header.revision), response };
  }

  private async startWatch(from: number): Promise<void> {
    const w = new RangeWatch(this.client, this.all, from, {
      onEvents: (events, header) => this.onWatchEvents(events, header),
      onCancel: (err) => this.onWatchCancelled(err),
    });
    this.watch$ = w;
    await w.ready();
  }

  private async startCompactWatch(from: number): Promise<void> {
    const key = compactionKey(this.ns);
    const w = new RangeWatch(this.client, { start: key, end: Buffer.concat([key, Buffer.from([0])]) }, from, {
      onEvents: (events) => {
        for (const ev of events) {
          const rev = Number(ev.kv.value.toString('utf8'));
          if (Number.isSafeInteger(rev) && rev > this.compacted) {
            this.compacted = rev;
          }
        }
      },
      onCancel: (err) => {
        if (!this.closed) {
          this.log.warn({ err: err.message }, 'etcd cancelled the compaction watch; restarting it');
          void this.currentRevision()
            .then((rev) => this.startCompactWatch(rev))
            .catch((e) => this.log.error({ err: e }, 'restarting the compaction watch failed'));
        }
      },
    });
    this.compactWatch = w;
    await w.ready();
  }

  private onWatchEvents(events: readonly EtcdWatchEvent[], header: number): void {
    for (const ev of events) {
      const raw = toRawEvent(this.ns, ev);
      if (raw === undefined) {
        const key = storeKey(this.ns, ev.kv.key);
        if (key !== undefined) {
          this.latest.delete(key); // a delete whose previous state is compacted away
        }
        continue;
      }
      if (raw.type === 'DELETED') {
        this.latest.delete(raw.key);
      } else {
        this.latest.set(raw.key, { json: raw.object, revision: raw.revision });
      }
      if (raw.revision <= this.hub.revision()) {
        // A second key written by one foreign multi-key transaction: the hub keeps one event
        // per revision. Gantry's own writes are single-key.
        this.log.warn({ key: raw.key, revision: raw.revision }, 'skipped an event sharing a revision');
        continue;
      }
      this.hub.publish(raw);
    }
    this.seen(Math.max(header, this.hub.revision()));
    this.waiters.release(this.hub.revision());
  }

  /**
   * etcd cancelled the store's own watch (its resume point was compacted while disconnected):
   * the events in between are lost, so every open watcher is stopped and the hub starts afresh
   * at the current revision; clients resuming from before it get Gone and list again.
   */
  private onWatchCancelled(err: Error): void {
    if (this.closed) {
      return;
    }
    this.log.error({ err }, 'etcd cancelled the store watch; restarting it, open watches are ended');
    void (async () => {
      try {
        const rev = await this.currentRevision();
        await this.refreshCompacted();
        for (const w of [...this.watches.keys()]) {
          this.endWatch(w, `the store's watch was compacted away at ${this.hub.revision()}; list again`);
        }
        this.hub.close();
        this.latest.clear(); // events were lost: nothing cached can be trusted
        this.hub = new WatchHub({ historySize: this.historySize, initialRevision: rev });
        await this.startWatch(rev);
      } catch (e) {
        this.log.error({ err: e }, 'restarting the store watch failed');
      }
    })();
  }

  /** Resolves once the store's watch has seen revision (or after a timeout: the write is committed). */
  private caughtUp(revision: number): Promise<void> {
    this.seen(revision);
    if (this.hub.revision() >= revision || this.closed) {
      return Promise.resolve();
    }
    return this.waiters.wait(revision, CATCH_UP_TIMEOUT_MS, () =>
      this.log.warn({ revision }, 'store watch lags; acknowledging the write without it'),
    );
  }

  private seen(revision: number): void {
    if (revision > this.rev) {
      this.rev = revision;
    }
  }

  private async currentRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: Buffer.from(`${this.ns}#`), count_only: true });
    const rev = Number(res.header.revision);
    this.seen(rev);
    return rev;
  }

  private async refreshCompacted(): Promise<void> {
    this.compacted = Math.max(
      this.compacted,
      await compactedRevision(this.client, this.ns, this.compacted, await this.currentRevision()),
    );
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error('etcd store is closed');
    }
  }
}
