// Runs a level-triggered reconciler over a work queue (CONVENTIONS.md #4): reconcile(key)
// re-reads state from informer caches; errors back off per key; TerminalError is not retried.
import type { Logger } from 'pino';
import { countReconcile } from '../observe/workqueue-metrics.js';
import { WorkQueue } from './workqueue.js';

export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface Reconciler {
  readonly name: string;
  reconcile(key: string): Promise<ReconcileResult | undefined>;
}

export interface ControllerHandle {
  readonly queue: WorkQueue<string>;
  stop(): Promise<void>;
}

export function runController(
  r: Reconciler,
  opts: { workers?: number; logger?: Logger; queue?: WorkQueue<string> } = {},
): ControllerHandle {
  const queue = opts.queue ?? new WorkQueue<string>();
  queue.instrument(r.name);
  const log = opts.logger?.child({ controller: r.name });
  const workers: Promise<void>[] = [];
  for (let i = 0; i < (opts.workers ?? 1); i++) {
    workers.push(
      (async () => {
        for (;;) {
          const key = await queue.get();
          if (key === undefined) {
            return;
          }
          try {
            const res = await r.reconcile(key);
            queue.forget(key);
            if (res?.requeueAfterMs !== undefined) {
              queue.addAfter(key, res.requeueAfterMs);
            }
            countReconcile(r.name, res?.requeueAfterMs !== undefined ? 'requeue' : 'success');
          } catch (e) {
            countReconcile(r.name, 'error');
            if (e instanceof TerminalError) {
              log?.warn({ key, err: e.message }, 'reconcile failed permanently');
              queue.forget(key);
            } else {
              log?.debug({ key, err: (e as Error)?.message }, 'reconcile failed; retrying');
              queue.addRateLimited(key);
            }
          } finally {
            queue.done(key);
          }
        }
      })(),
    );
  }
  return {
    queue,
    async stop() {
      queue.shutdown();
      await Promise.all(workers);
    },
  };
}
