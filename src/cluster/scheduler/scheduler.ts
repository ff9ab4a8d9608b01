// The scheduler's thin runner: keeps the SchedulerCache current from the pod and node
// informers, runs planScheduling over the pending pods in batches, and executes the plan:
// bind (assuming the pod onto its node first), or mark the pod Unschedulable and retry later.
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import { getCondition, isPodTerminal } from '../../api/pod-helpers.js';
import type { KObject, Pod, PodCondition } from '../../api/types.js';
import {
  type ControllerHandle,
  type ReconcileResult,
  type Reconciler,
  runController,
} from '../../client/controller.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { EventRecorder } from '../events.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_WEIGHTS, planScheduling, type SchedulingAction, type ScoringWeights } from './plan.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** The one work-queue key: a pass schedules every pending pod. */
export const SCHEDULE_KEY = 'schedule';

export interface SchedulerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
  /** Pods whose spec.schedulerName is this (or unset) are ours. Default `default-scheduler`. */
  readonly schedulerName?: string;
  /** Unschedulable pods are retried at least this often (and on node / pod changes). Default 5 s. */
  readonly retryUnschedulableMs?: number;
  /** Pods planned per pass. Default 1000. */
  readonly batchSize?: number;
  /** Bindings (and Unschedulable status writes) in flight at once. Default 64. */
  readonly bindConcurrency?: number;
  /** An assumed pod whose binding never shows up in the cache is dropped after this. Default 30 s. */
  readonly assumeTtlMs?: number;
  readonly weights?: ScoringWeights;
}

export function isPodPending(pod: Pod, schedulerName: string = DEFAULT_SCHEDULER_NAME): boolean {
  return (
    !pod.spec?.nodeName &&
    (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName &&
    !pod.metadata.deletionTimestamp &&
    !isPodTerminal(pod)
  );
}

function nodeChanged(a: KObject, b: KObject): boolean {
  const ready = (n: KObject) => getCondition<PodCondition>(n.status, 'Ready')?.status;
  return (
    ready(a) !== ready(b) ||
    a.spec?.unschedulable !== b.spec?.unschedulable ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []) ||
    JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {})
  );
}

/**
 * Runs queued writes with at most `limit` in flight, without making the caller wait: the
 * scheduling pass goes on while earlier bindings are written (kube-scheduler's binding cycle
 * runs apart from its scheduling cycle too).
 */
class WritePool {
  private queue: (() => Promise<void>)[] = [];
  private head = 0;
  private running = 0;

  constructor(
    private readonly limit: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  run(op: () => Promise<void>): void {
    this.queue.push(op);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.head < this.queue.length) {
      const op = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.running++;
      void op()
        .catch(this.onError)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}

export class Scheduler implements Reconciler {
  readonly name = 'scheduler';
  readonly queue: WorkQueue<string>;
  readonly cache = new SchedulerCache();
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly active = new Set<string>();
  private readonly unschedulable = new Set<string>();
  private readonly schedulerName: string;
  private readonly clock: Clock;
  private nextRetryAt = 0;
  private readonly writes: WritePool;

  constructor(private readonly opts: SchedulerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.writes = new WritePool(opts.bindConcurrency ?? 64, (e) =>
      opts.logger?.warn({ err: (e as Error)?.message }, 'scheduler write failed'),
    );
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.clock = opts.clock ?? systemClock;
    this.pods = opts.informers.for(R.pods);
    this.nodes = opts.informers.for(R.nodes);
    this.nodes.addHandlers({
      add: (n) => {
        this.cache.setNode(n);
        this.retryUnschedulable();
      },
      update: (o, n) => {
        this.cache.setNode(n);
        if (nodeChanged(o, n)) {
          this.retryUnschedulable();
        }
      },
      delete: (n) => this.cache.removeNode(n.metadata.name ?? ''),
    });
    this.pods.addHandlers({
      add: (p) => this.onPod(p as Pod),
      update: (_o, p) => this.onPod(p as Pod),
      delete: (p) => {
        const key = objectKey(p);
        this.active.delete(key);
        this.unschedulable.delete(key);
        const wasCharged = !!(p as Pod).spec?.nodeName || this.cache.isAssumed(p.metadata.uid ?? '');
        this.cache.removePod(p);
        if (wasCharged) {
          this.retryUnschedulable();
        }
      },
    });
  }

  /** Runs the scheduler on its own queue (one worker: passes are batches). */
  start(opts: { logger?: Logger } = {}): ControllerHandle {
    this.queue.add(SCHEDULE_KEY);
    return runController(this, { queue: this.queue, workers: 1, logger: opts.logger ?? this.opts.logger });
  }

  private onPod(pod: Pod): void {
    const key = objectKey(pod);
    if (isPodPending(pod, this.schedulerName)) {
      if (!this.cache.isAssumed(pod.metadata.uid ?? '') && !this.unschedulable.has(key)) {
        this.active.add(key);
        this.queue.add(SCHEDULE_KEY);
      }
      return;
    }
    this.active.delete(key);
    this.unschedulable.delete(key);
    const before = this.cache.nodeInfo(pod.spec?.nodeName ?? '')?.requested.pods;
    this.cache.updatePod(pod);
    if (
      pod.spec?.nodeName &&
      isPodTerminal(pod) &&
      before !== this.cache.nodeInfo(pod.spec.nodeName)?.requested.pods
    ) {
      this.retryUnschedulable(); // a finished pod freed room
    }
  }

  private retryUnschedulable(): void {
    if (this.unschedulable.size === 0) {
      return;
    }
    for (const k of this.unschedulable) {
      this.active.add(k);
    }
    this.unschedulable.clear();
    this.queue.add(SCHEDULE_KEY);
  }

  async reconcile(_key: string): Promise<ReconcileResult> {
    if (!this.pods.hasSynced || !this.nodes.hasSynced) {
      return { requeueAfterMs: 50 };
    }
    const now = this.clock.now().getTime();
    this.cache.expireAssumed(now);
    if (this.unschedulable.size > 0 && now >= this.nextRetryAt) {
      this.retryUnschedulable();
    }
    const batch: Pod[] = [];
    for (const key of this.active) {
      if (batch.length >= (this.opts.batchSize ?? 1000)) {
        break;
      }
      this.active.delete(key);
      const pod = this.pods.getByKey(key) as Pod | undefined;
      if (pod && isPodPending(pod, this.schedulerName) && !this.cache.isAssumed(pod.metadata.uid ?? '')) {
        batch.push(pod);
      }
    }
    if (batch.length > 0) {
      const actions = planScheduling(batch, this.cache.nodeInfos(), this.opts.weights ?? DEFAULT_WEIGHTS);
      this.execute(actions);
    }
    if (this.active.size > 0) {
      return { requeueAfterMs: 0 };
    }
    if (this.unschedulable.size > 0) {
      const retry = this.opts.retryUnschedulableMs ?? 5_000;
      if (this.nextRetryAt <= now) {
        this.nextRetryAt = now + retry;
      }
      return { requeueAfterMs: Math.max(1, this.nextRetryAt - now) };
    }
    return {};
  }

  private execute(actions: readonly SchedulingAction[]): void {
    // Charge every binding before its write starts, so the next decisions (this pass and the
    // next ones, while the writes are in flight) see each other.
    for (const a of actions) {
      if (a.kind === 'bind') {
        this.cache.assume(a.pod, a.node);
      } else {
        this.unschedulable.add(objectKey(a.pod));
      }
    }
    for (const a of actions) {
      this.writes.run(() =>
        a.kind === 'bind' ? this.bind(a.pod, a.node) : this.markUnschedulable(a.pod, a.message),
      );
    }
  }

  private async bind(pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid ?? '';
    try {
      await this.opts.client.bind(ns, name, node);
      this.cache.finishBinding(uid, this.clock.now().getTime() + (this.opts.assumeTtlMs ?? 30_000));
      this.opts.recorder?.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
    } catch (e) {
      this.cache.forget(uid);
      if (isApiError(e, 404) || isApiError(e, 409)) {
        // gone, already bound elsewhere or being deleted: the informer will tell us what happened
        this.opts.logger?.debug({ pod: `${ns}/${name}`, err: (e as Error).message }, 'binding rejected');
        return;
      }
      this.opts.logger?.warn(
        { pod: `${ns}/${name}`, node, err: (e as Error).message },
        'binding failed; retrying',
      );
      this.opts.recorder?.event(
        pod,
        'Warning',
        'FailedScheduling',
        `Binding rejected: ${(e as Error).message}`,
      );
      this.active.add(objectKey(pod));
      this.queue.addAfter(SCHEDULE_KEY, 100);
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    this.opts.recorder?.event(pod, 'Warning', 'FailedScheduling', message);
    const cur = getCondition<PodCondition>(pod.status, 'PodScheduled');
    if (cur?.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) {
      return;
    }
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime:
        cur?.status === 'False' && cur.lastTransitionTime
          ? cur.lastTransitionTime
          : rfc3339(this.clock.now()),
      reason: 'Unschedulable',
      message,
    };
    try {
      await this.opts.client.patch(
        R.pods,
        ns,
        name,
        'strategic',
        { status: { conditions: [cond] } },
        { subresource: 'status' },
      );
    } catch (e) {
      if (!isApiError(e, 404) && !isApiError(e, 409)) {
        this.opts.logger?.warn(
          { pod: `${ns}/${name}`, err: (e as Error).message },
          'could not record Unschedulable',
        );
      }
    }
  }
}
