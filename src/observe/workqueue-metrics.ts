// Work queue and controller metrics under client-go's and controller-runtime's names:
// workqueue_depth / _adds_total / _queue_duration_seconds / _work_duration_seconds / _retries_total
// by queue name, and gantry_controller_reconcile_total{controller,result}.
import { Counter, Gauge, Histogram } from 'prom-client';
import { LiveSources, registry } from './metrics.js';

// client-go's buckets: 10ns … 10s in decades.
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

const depthSources = new LiveSources<{ readonly name: string; depth(): number }>();

new Gauge({
  name: 'workqueue_depth',
  help: 'Current depth of workqueue',
  labelNames: ['name'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const sums = new Map<string, number>();
    for (const s of depthSources.all()) {
      sums.set(s.name, (sums.get(s.name) ?? 0) + s.depth());
    }
    for (const [name, n] of sums) {
      this.set({ name }, n);
    }
  },
});

const adds = new Counter({
  name: 'workqueue_adds_total',
  help: 'Total number of adds handled by workqueue',
  labelNames: ['name'] as const,
  registers: [registry],
});

const queueDuration = new Histogram({
  name: 'workqueue_queue_duration_seconds',
  help: 'How long in seconds an item stays in workqueue before being requested.',
  labelNames: ['name'] as const,
  buckets: QUEUE_BUCKETS,
  registers: [registry],
});

const workDuration = new Histogram({
  name: 'workqueue_work_duration_seconds',
  help: 'How long in seconds processing an item from workqueue takes.',
  labelNames: ['name'] as const,
  buckets: QUEUE_BUCKETS,
  registers: [registry],
});

const retries = new Counter({
  name: 'workqueue_retries_total',
  help: 'Total number of retries handled by workqueue',
  labelNames: ['name'] as const,
  registers: [registry],
});

const reconcileTotal = new Counter({
  name: 'gantry_controller_reconcile_total',
  help: 'Reconcile passes per controller by result (success, error, requeue).',
  labelNames: ['controller', 'result'] as const,
  registers: [registry],
});

/** What a named work queue reports; created by queueMetrics(name). */
export interface QueueMetrics {
  added(): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
  /** Stops reporting this queue's depth. */
  close(): void;
}

/** The metrics of the queue `name`; `depth` is read at scrape time. */
export function queueMetrics(name: string, depth: () => number): QueueMetrics {
  const remove = depthSources.add({ name, depth });
  const l = { name };
  adds.inc(l, 0);
  retries.inc(l, 0);
  return {
    added: () => adds.inc(l),
    queued: (s) => queueDuration.observe(l, s),
    worked: (s) => workDuration.observe(l, s),
    retried: () => retries.inc(l),
    close: remove,
  };
}

export type ReconcileOutcome = 'success' | 'error' | 'requeue';

export function countReconcile(controller: string, result: ReconcileOutcome): void {
  reconcileTotal.inc({ controller, result });
}
