// etcd watch streams for the etcd Store backend: a resuming watch over a key range (used for the
// store's one watch on its whole namespace, which feeds its WatchHub), and a Store Watch served
// from etcd's own history for resumes older than the in-memory history.
import type { Etcd3, IWatchCreateRequest, IWatchResponse, Watcher } from 'etcd3';
import { type ByteRange, type EtcdWatchEvent, toRawEvent } from './etcd-codec.js';
import type { StoreEvent, Watch } from './types.js';
import { type RawEvent, toStoreEvent } from './watch-hub.js';

export interface RangeWatchHandlers {
  /** Events of one response, in revision order, and the response's header revision. */
  readonly onEvents: (events: readonly EtcdWatchEvent[], headerRevision: number) => void;
  /** etcd cancelled the watch (for example: its start revision was compacted). */
  readonly onCancel: (err: Error) => void;
}

/**
 * A watch on range with previous values, from revision from + 1. On every (re)connection it
 * resumes after the last revision it delivered (etcd3 alone would resume after the header
 * revision of the last response, which can skip events while etcd is still replaying history).
 */
export class RangeWatch {
  private last: number;
  private ended = false;
  private readonly watcher: Watcher;

  constructor(client: Etcd3, range: ByteRange, from: number, handlers: RangeWatchHandlers) {
    this.last = from;
    this.watcher = client
      .watch()
      .inRange({ start: range.start, end: range.end })
      .withPreviousKV()
      .startRevision(String(from + 1))
      .watcher();
    // etcd3 types the argument as a WatchRequest; it is the create request about to be sent.
    this.watcher.on('connecting', (req) => {
      (req as unknown as IWatchCreateRequest).start_revision = String(this.last + 1);
    });
    this.watcher.on('data', (res: IWatchResponse) => {
      const events = res.events as unknown as EtcdWatchEvent[];
      const last = events[events.length - 1];
      if (last !== undefined) {
        this.last = Math.max(this.last, Number(last.kv.mod_revision));
      }
      handlers.onEvents(events, Number(res.header.revision));
    });
    this.watcher.on('error', (err) => {
      // etcd3 has dropped the watcher already: cancelling it again would confuse its manager
      this.ended = true;
      handlers.onCancel(err);
    });
    this.watcher.on('disconnected', () => {
      // etcd3 reconnects by itself (to any endpoint); 'connecting' resumes after `last`.
    });
  }

  /** Resolves once etcd accepted the watch (rejects when it refused it). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = () => {
        this.watcher.off('error', fail);
        resolve();
      };
      const fail = (err: Error) => {
        this.watcher.off('connected', ok);
        reject(err);
      };
      this.watcher.once('connected', ok);
      this.watcher.once('error', fail);
    });
  }

  /** Cancels the watch; gives up waiting for etcd's confirmation after timeoutMs. */
  async cancel(timeoutMs = 2000): Promise<void> {
    if (this.ended) {
      return;
    }
    this.ended = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.watcher.cancel().catch(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/**
 * A Store Watch served by its own etcd watch from fromRevision + 1: etcd replays its history,
 * then streams live events. Delivery is asynchronous and in revision order; a throwing callback
 * is reported and does not stop delivery. `onEnd` is told when etcd cancels the watch.
 */
export class HistoryWatch implements Watch {
  private readonly stream: RangeWatch;
  private queue: RawEvent[] = [];
  private scheduled = false;
  private stopped = false;

  constructor(
    client: Etcd3,
    ns: string,
    range: ByteRange,
    prefix: string,
    fromRevision: number,
    private readonly onEvent: (e: StoreEvent) => void,
    private readonly onError: (err: unknown, e: StoreEvent) => void,
    onEnd: (w: HistoryWatch, err: Error) => void,
  ) {
    this.stream = new RangeWatch(client, range, fromRevision, {
      onEvents: (events) => {
        for (const ev of events) {
          const raw = toRawEvent(ns, ev);
          if (raw?.key.startsWith(prefix)) {
            this.enqueue(raw);
          }
        }
      },
      onCancel: (err) => {
        this.stop();
        onEnd(this, err);
      },
    });
  }

  stop(): void {
    if (!this.stopped) {
      this.stopped = true;
      this.queue = [];
      void this.stream.cancel();
    }
  }

  private enqueue(raw: RawEvent): void {
    if (this.stopped) {
      return;
    }
    this.queue.push(raw);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
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
          // a failing error reporter must not stop delivery either
        }
      }
    }
  }
}

/** Writers waiting for the store's watch to reach a revision, kept in revision order. */
export class RevisionWaiters {
  private queue: { rev: number; resolve: () => void }[] = [];

  /** Resolves once release(r >= rev) is called, or after timeoutMs (then onTimeout runs first). */
  wait(rev: number, timeoutMs: number, onTimeout: () => void): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        rev,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((e) => e !== entry);
        onTimeout();
        resolve();
      }, timeoutMs);
      // writes complete in about revision order: search from the back
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1]!.rev > rev) {
        i--;
      }
      this.queue.splice(i, 0, entry);
    });
  }

  /** Resolves every waiter for a revision up to upTo. */
  release(upTo: number): void {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.rev <= upTo) {
      n++;
    }
    if (n > 0) {
      for (const e of this.queue.splice(0, n)) {
        e.resolve();
      }
    }
  }

  releaseAll(): void {
    this.release(Number.POSITIVE_INFINITY);
  }
}
