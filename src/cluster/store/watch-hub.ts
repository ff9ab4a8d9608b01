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

class Watcher implements Watch {
  private queue: RawEvent[] = [];
  private scheduled = false;
  stopped = false;

  constructor(
    readonly prefix: string,
    /** Events at or below this revision are not for this watcher. */
    private readonly after: number,
    private readonly onEvent: (e: StoreEvent) => void,
    private readonly onError: (err: unknown, event: StoreEvent) => void,
    private readonly detach: (w: Watcher) => void,
  ) {}

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
    let n = 0;
    for (const set of this.byPrefix.values()) {
      n += set.size;
    }
    return n;
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
  }

  /**
   * Events under prefix with revision > fromRevision (history first, then live), delivered in
   * a microtask after the call returns. Throws StoreError('Gone') when history no longer
   * reaches back to fromRevision. A fromRevision beyond the current revision waits for it.
   */
  watch(prefix: string, fromRevision: number | undefined, onEvent: (e: StoreEvent) => void): Watch {
    if (fromRevision !== undefined && !(Number.isSafeInteger(fromRevision) && fromRevision >= 0)) {
      throw new Error(`watch ${prefix}: revision must be a non-negative integer, got ${fromRevision}`);
    }
    const w = new Watcher(prefix, fromRevision ?? this.last, onEvent, this.onError, (x) => this.detach(x));
    if (fromRevision !== undefined) {
      const oldest = this.size > 0 ? this.at(0).revision : this.last + 1;
      if (fromRevision < oldest - 1) {
        throw new StoreError('Gone', prefix, `too old resource version: ${fromRevision} (${oldest - 1})`);
      }
      for (let i = this.firstAfter(fromRevision); i < this.size; i++) {
        const e = this.at(i);
        if (e.key.startsWith(prefix)) {
          w.enqueue(e);
        }
      }
    }
    let set = this.byPrefix.get(prefix);
    if (set === undefined) {
      set = new Set();
      this.byPrefix.set(prefix, set);
    }
    set.add(w);
    return w;
  }

  /** Stops every watcher (the store is closing). */
  close(): void {
    for (const set of [...this.byPrefix.values()]) {
      for (const w of [...set]) {
        w.stop();
      }
    }
  }

  private detach(w: Watcher): void {
    const set = this.byPrefix.get(w.prefix);
    if (set !== undefined) {
      set.delete(w);
      if (set.size === 0) {
        this.byPrefix.delete(w.prefix);
      }
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
