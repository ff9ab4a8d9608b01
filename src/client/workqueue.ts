// A rate-limited work queue (CONVENTIONS.md #5): a key is queued at most once, never processed
// by two workers at once, and a key added while it is processed runs again afterwards.
// A named queue reports client-go's workqueue_* metrics (runController names it after its reconciler).
import { type QueueMetrics, queueMetrics } from '../observe/workqueue-metrics.js';

export interface WorkQueueOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Reports metrics under this name from the start. */
  readonly name?: string;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, { timer: NodeJS.Timeout; due: number }>();
  private readonly waiters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly base: number;
  private readonly max: number;
  /** When each queued key was added, and when each key in processing was handed out (ns). */
  private readonly addedAt = new Map<K, bigint>();
  private readonly startedAt = new Map<K, bigint>();
  private metrics?: QueueMetrics;
  private metricsName?: string;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 300_000;
    if (opts.name) {
      this.instrument(opts.name);
    }
  }

  /** Starts reporting metrics under `name`; a queue already named keeps its first name. */
  instrument(name: string): void {
    if (this.metrics || this.shuttingDown) {
      return;
    }
    this.metricsName = name;
    this.metrics = queueMetrics(name, () => this.queue.length);
  }

  /** The name the queue reports metrics under, if any. */
  get name(): string | undefined {
    return this.metricsName;
  }

  private handOut(key: K): void {
    const now = process.hrtime.bigint();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (this.metrics) {
      this.metrics.queued(added === undefined ? 0 : Number(now - added) / 1e9);
    }
    this.startedAt.set(key, now);
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) {
      return;
    }
    this.dirty.add(key);
    this.metrics?.added();
    if (!this.addedAt.has(key)) {
      this.addedAt.set(key, process.hrtime.bigint());
    }
    if (this.processing.has(key)) {
      return;
    }
    this.enqueue(key);
  }

  /** Hands a dirty key to a waiting worker or appends it to the queue. */
  private enqueue(key: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.handOut(key);
      w(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds the key after a delay (an earlier pending delay for the same key wins). */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) {
      return;
    }
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing) {
      if (existing.due <= due) {
        return;
      }
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { timer, due });
  }

  /** Adds the key after an exponential per-key backoff. */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.metrics?.retried();
    this.addAfter(key, Math.min(this.max, this.base * 2 ** n));
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Waits for the next key; undefined once shut down. */
  get(): Promise<K | undefined> {
    const k = this.queue.shift();
    if (k !== undefined) {
      this.dirty.delete(k);
      this.processing.add(k);
      this.handOut(k);
      return Promise.resolve(k);
    }
    if (this.shuttingDown) {
      return Promise.resolve(undefined);
    }
    return new Promise((r) => this.waiters.push(r));
  }

  done(key: K): void {
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined && this.metrics) {
      this.metrics.worked(Number(process.hrtime.bigint() - started) / 1e9);
    }
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.enqueue(key);
    }
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.metrics?.close();
    for (const t of this.timers.values()) {
      clearTimeout(t.timer);
    }
    this.timers.clear();
    for (const w of this.waiters.splice(0)) {
      w(undefined);
    }
  }
}
