// Watch machinery shared by every Store backend: a bounded history of the latest events (so a
// watcher can resume from an older revision, like Kubernetes' watch cache) and the fan-out of
// new events to the watchers whose prefix matches. Backends call publish() right after each
// commit, in revision order. Events are kept as JSON text; each watcher gets its own parsed
// copy, so a watcher that mutates what it receives changes nothing for anyone else.
import type { KObject } from '../../api/types.js';
import { StoreError, type StoreEvent, type Watch } from './types.js';

/** An event as a backend publishes it: objects serialized as JSON. */
export interface RawEvent {
  readonly type: StoreEvent['type'];
  readonly key: string;
  readonly revision: number;
  readonly object: string;
  readonly prevObject?: string;
}

export interface WatchHubOptions {
  /** How many events to keep for resuming watches (default 4,096). */
  readonly historySize?: number;
  /** Revision of the store when the hub starts; a watch from exactly here needs no history. */
  readonly initialRevision?: number;
  /** Called when a watcher's callback throws (default: console.error). */
  readonly onWatcherError?: (err: unknown, event: StoreEvent) => void;
}

export const DEFAULT_HISTORY_SIZE = 4096;

/**
 * A watcher that only wants the events of objects whose indexed field has one value (e.g. the
 * pods of one node: `spec.nodeName=NAME`). The hub files such watchers by that value, so an
 * event reaches only the watchers of its object's (and previous object's) value instead of being
 * offered to every watcher of the prefix — what the kube-apiserver watch cache's indexed
 * triggers do. Watchers of one index name must share one extract function.
 */
export interface WatchRoute {
  readonly index: string;
  readonly value: string;
  readonly extract: (obj: KObject) => string;
}

/** Whether an event concerns a routed watcher: its object now or before has the value. */
function routeMatches(route: WatchRoute, raw: RawEvent): boolean {
  const e = toStoreEvent(raw);
  return (
    route.extract(e.object) === route.value ||
    (e.prevObject !== undefined && route.extract(e.prevObject) === route.value)
  );
}

interface RoutedIndex {
  readonly extract: (obj: KObject) => string;
  /** prefix → value → watchers */
  readonly byPrefix: Map<string, Map<string, Set<Watcher>>>;
}

class Watcher implements Watch {
  private queue: RawEvent[] = [];
  private scheduled = false;
  private delivered: number;
  stopped = false;

  constructor(
    readonly prefix: string,
    readonly route: WatchRoute | undefined,
    /** Events at or below this revision are not for this watcher. */
    private readonly after: number,
    private readonly onEvent: (e: StoreEvent) => void,
    private readonly onError: (err: unknown, event: StoreEvent) => void,
    private readonly detach: (w: Watcher) => void,
    /** The hub's latest published revision. */
    private readonly published: () => number,
  ) {
    this.delivered = after;
  }

  progress(): number {
    // every published event meant for this watcher was queued at publish: with nothing
    // queued, all of them are delivered
    return this.queue.length === 0 ? Math.max(this.delivered, this.published()) : this.delivered;
  }

  enqueue(e: RawEvent): void {
    if (e.revision <= this.after) {
      return;
    }
    this.queue.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  stop(): void {
    if (!this.stopped) {
      this.stopped = true;
      this.queue = [];
      this.detach(this);
    }
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const raw of batch) {
      if (this.stopped) {
        return;
      }
      const event = toStoreEvent(raw);
      this.delivered = raw.revision;
      try {
        this.onEvent(event);
      } catch (err) {
        try {
          this.onError(err, event);
        } catch {
          // An error reporter that throws must not stop delivery either.
        }
      }
    }
  }
}

/**
 * Parsed once per event, however many watchers receive it (with one `spec.nodeName=` watch per
 * node, parsing per watcher was the hottest path of the server); the parsed objects are frozen
 * because every watcher shares them.
 */
const parsed = new WeakMap<RawEvent, StoreEvent>();

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) {
      deepFreeze(x);
    }
  }
  return v;
}

export function toStoreEvent(raw: RawEvent): StoreEvent {
  const cached = parsed.get(raw);
  if (cached) {
    return cached;
  }
  const object = deepFreeze(JSON.parse(raw.object) as KObject);
  const event: StoreEvent =
    raw.prevObject === undefined
      ? { type: raw.type, key: raw.key, object, revision: raw.revision }
      : {
          type: raw.type,
          key: raw.key,
          object,
          prevObject: deepFreeze(JSON.parse(raw.prevObject) as KObject),
          revision: raw.revision,
        };
  parsed.set(raw, event);
  return event;
}

function defaultOnError(err: unknown, event: StoreEvent): void {
  console.error(`store watcher failed on ${event.type} ${event.key}@${event.revision}:`, err);
}

export class WatchHub {
  private readonly capacity: number;
  /** Ring buffer of the latest events, oldest at `head`. */
  private readonly ring: (RawEvent | undefined)[];
  private head = 0;
  private size = 0;
  private last: number;
  /** Watchers grouped by prefix: an event is tested once per distinct prefix. */
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  /** Routed watchers, per index name. */
  private readonly routed = new Map<string, RoutedIndex>();
  private readonly onError: (err: unknown, event: StoreEvent) => void;

  constructor(opts: WatchHubOptions = {}) {
    const capacity = opts.historySize ?? DEFAULT_HISTORY_SIZE;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`watch history size must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.ring = new Array<RawEvent | undefined>(capacity);
    this.last = opts.initialRevision ?? 0;
    this.onError = opts.onWatcherError ?? defaultOnError;
  }

  /** Revision of the latest published event (or the initial revision). */
  revision(): number {
    return this.last;
  }

  /** Number of open watchers (for metrics and tests). */
  watcherCount(): number {
    return [...this.all()].length;
  }

  /** Records a committed event and hands it to matching watchers. Revisions must increase. */
  publish(e: RawEvent): void {
    if (e.revision <= this.last) {
      throw new Error(`watch hub: event revision ${e.revision} is not after ${this.last}`);
    }
    this.last = e.revision;
    if (this.size < this.capacity) {
      this.ring[(this.head + this.size) % this.capacity] = e;
      this.size++;
    } else {
      this.ring[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
    for (const [prefix, set] of this.byPrefix) {
      if (e.key.startsWith(prefix)) {
        for (const w of set) {
          w.enqueue(e);
        }
      }
    }
    for (const idx of this.routed.values()) {
      for (const [prefix, byValue] of idx.byPrefix) {
        if (!e.key.startsWith(prefix)) {
          continue;
        }
        const ev = toStoreEvent(e);
        const now = idx.extract(ev.object);
        for (const w of byValue.get(now) ?? []) {
          w.enqueue(e);
        }
        if (ev.prevObject !== undefined) {
          const before = idx.extract(ev.prevObject);
          if (before !== now) {
            for (const w of byValue.get(before) ?? []) {
              w.enqueue(e);
            }
          }
        }
      }
    }
  }

  /**
   * Events under prefix with revision > fromRevision (history first, then live), delivered in
   * a microtask after the call returns. Throws StoreError('Gone') when history no longer
   * reaches back to fromRevision. A fromRevision beyond the current revision waits for it.
   */
  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (e: StoreEvent) => void,
    route?: WatchRoute,
  ): Watch {
    if (fromRevision !== undefined && !(Number.isSafeInteger(fromRevision) && fromRevision >= 0)) {
      throw new Error(`watch ${prefix}: revision must be a non-negative integer, got ${fromRevision}`);
    }
    const idx = route === undefined ? undefined : this.routed.get(route.index);
    if (route !== undefined && idx !== undefined && idx.extract !== route.extract) {
      throw new Error(`watch ${prefix}: index ${route.index} is already routed by another function`);
    }
    const w = new Watcher(
      prefix,
      route,
      fromRevision ?? this.last,
      onEvent,
      this.onError,
      (x) => this.detach(x),
      () => this.last,
    );
    if (fromRevision !== undefined) {
      const oldest = this.size > 0 ? this.at(0).revision : this.last + 1;
      if (fromRevision < oldest - 1) {
        throw new StoreError('Gone', prefix, `too old resource version: ${fromRevision} (${oldest - 1})`);
      }
      for (let i = this.firstAfter(fromRevision); i < this.size; i++) {
        const e = this.at(i);
        if (e.key.startsWith(prefix) && (route === undefined || routeMatches(route, e))) {
          w.enqueue(e);
        }
      }
    }
    this.setFor(w, true)!.add(w);
    return w;
  }

  /** The set a watcher is filed in (created when `create`). */
  private setFor(w: Watcher, create: boolean): Set<Watcher> | undefined {
    let byPrefix: Map<string, Set<Watcher>> = this.byPrefix;
    let key = w.prefix;
    if (w.route !== undefined) {
      let idx = this.routed.get(w.route.index);
      if (idx === undefined) {
        if (!create) {
          return undefined;
        }
        idx = { extract: w.route.extract, byPrefix: new Map() };
        this.routed.set(w.route.index, idx);
      }
      let byValue = idx.byPrefix.get(w.prefix);
      if (byValue === undefined) {
        if (!create) {
          return undefined;
        }
        byValue = new Map();
        idx.byPrefix.set(w.prefix, byValue);
      }
      byPrefix = byValue;
      key = w.route.value;
    }
    let set = byPrefix.get(key);
    if (set === undefined && create) {
      set = new Set();
      byPrefix.set(key, set);
    }
    return set;
  }

  /** Every open watcher, routed or not. */
  private *all(): Iterable<Watcher> {
    for (const set of this.byPrefix.values()) {
      yield* set;
    }
    for (const idx of this.routed.values()) {
      for (const byValue of idx.byPrefix.values()) {
        for (const set of byValue.values()) {
          yield* set;
        }
      }
    }
  }

  /** Stops every watcher (the store is closing). */
  close(): void {
    for (const w of [...this.all()]) {
      w.stop();
    }
  }

  private detach(w: Watcher): void {
    const set = this.setFor(w, false);
    if (set === undefined) {
      return;
    }
    set.delete(w);
    if (set.size > 0) {
      return;
    }
    if (w.route === undefined) {
      this.byPrefix.delete(w.prefix);
      return;
    }
    const idx = this.routed.get(w.route.index)!;
    const byValue = idx.byPrefix.get(w.prefix)!;
    byValue.delete(w.route.value);
    if (byValue.size === 0) {
      idx.byPrefix.delete(w.prefix);
    }
    if (idx.byPrefix.size === 0) {
      this.routed.delete(w.route.index);
    }
  }

  private at(i: number): RawEvent {
    return this.ring[(this.head + i) % this.capacity]!;
  }

  /** Index of the first history event with revision > rev (binary search; revisions increase). */
  private firstAfter(rev: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= rev) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
