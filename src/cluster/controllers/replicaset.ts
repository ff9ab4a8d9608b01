// ReplicaSet controller: keeps spec.replicas pods of a template running. Handlers map pod
// events to the owning (or, for orphans, matching) ReplicaSets; reconcile reads the caches,
// runs planReplicaSet, executes through the Client and writes status last.
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import { controllerRef } from '../../api/pod-helpers.js';
import type { KObject, Pod } from '../../api/types.js';
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
import { CreationExpectations } from './expectations.js';
import {
  CONTROLLER_UID_INDEX,
  controllerRefTo,
  indexByControllerUid,
  indexByNamespace,
  NAMESPACE_INDEX,
  ownerKeyOf,
} from './owner-refs.js';
import { podFromTemplate, templateOf } from './pod-template.js';
import {
  claimPods,
  DEFAULT_BURST,
  planReplicaSet,
  type ReplicaFailure,
  type ReplicaSetAction,
  replicaSetSelector,
  replicaSetStatus,
  replicaSetStatusChanged,
} from './replicaset-plan.js';

/** Pod informer index: the namespace of each pod that has no controller (what a ReplicaSet may adopt). */
export const ORPHAN_NAMESPACE_INDEX = 'gantry.dev/orphan-namespace';

export interface ReplicaSetControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
  /** Most pod creates/deletes per ReplicaSet per pass. Default 500. */
  readonly burst?: number;
  /** How long a create or delete not yet seen in the cache is trusted. Default 5 min. */
  readonly expectationsTtlMs?: number;
}

/** Deletions issued but not yet visible in the cache (the deletion half of the expectations). */
class PendingDeletions {
  private readonly byOwner = new Map<string, Map<string, number>>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  add(owner: string, uid: string): void {
    let m = this.byOwner.get(owner);
    if (!m) {
      m = new Map();
      this.byOwner.set(owner, m);
    }
    m.set(uid, this.now());
  }

  observed(owner: string, uid: string): void {
    const m = this.byOwner.get(owner);
    m?.delete(uid);
    if (m?.size === 0) {
      this.byOwner.delete(owner);
    }
  }

  uids(owner: string): Set<string> {
    const m = this.byOwner.get(owner);
    const out = new Set<string>();
    if (!m) {
      return out;
    }
    const t = this.now();
    for (const [uid, at] of m) {
      if (t - at > this.ttlMs) {
        m.delete(uid);
      } else {
        out.add(uid);
      }
    }
    return out;
  }

  forget(owner: string): void {
    this.byOwner.delete(owner);
  }
}

export class ReplicaSetController implements Reconciler {
  readonly name = 'replicaset';
  readonly queue: WorkQueue<string>;
  private readonly rsInformer: Informer;
  private readonly podInformer: Informer;
  private readonly creations: CreationExpectations;
  private readonly deletions: PendingDeletions;
  private readonly clock: Clock;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.clock = opts.clock ?? systemClock;
    const now = () => this.clock.now().getTime();
    const ttl = opts.expectationsTtlMs ?? 300_000;
    this.creations = new CreationExpectations(ttl, now);
    this.deletions = new PendingDeletions(ttl, now);
    this.rsInformer = opts.informers.for(R.replicasets);
    this.podInformer = opts.informers.for(R.pods);
    indexByNamespace(this.rsInformer);
    // A pass looks at the ReplicaSet's own pods and its namespace's orphans only, never at every
    // pod of the namespace (30 ReplicaSets × 100 pods in one namespace made that quadratic).
    indexByControllerUid(this.podInformer);
    this.podInformer.addIndex(ORPHAN_NAMESPACE_INDEX, (o) =>
      controllerRef(o) ? [] : [o.metadata.namespace ?? ''],
    );
    this.rsInformer.addHandlers({
      add: (rs) => this.queue.add(objectKey(rs)),
      update: (_o, rs) => this.queue.add(objectKey(rs)),
      delete: (rs) => {
        this.creations.forget(objectKey(rs));
        this.deletions.forget(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    this.podInformer.addHandlers({
      add: (p) => this.onPod(undefined, p),
      update: (o, p) => this.onPod(o, p),
      delete: (p) => {
        const owner = ownerKeyOf(p, 'apps', 'ReplicaSet');
        if (owner) {
          this.creations.observed(owner, p);
          this.deletions.observed(owner, p.metadata.uid ?? '');
          this.queue.add(owner);
        }
      },
    });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    return runController(this, {
      queue: this.queue,
      workers: opts.workers ?? 5, // kube-controller-manager's --concurrent-replicaset-syncs
      logger: opts.logger ?? this.opts.logger,
    });
  }

  private onPod(old: KObject | undefined, pod: KObject): void {
    if (old === pod) {
      // periodic resync: the owner re-checks availability
      const owner = ownerKeyOf(pod, 'apps', 'ReplicaSet');
      if (owner) {
        this.queue.add(owner);
      }
      return;
    }
    const owner = ownerKeyOf(pod, 'apps', 'ReplicaSet');
    if (owner) {
      this.creations.observed(owner, pod);
      if (pod.metadata.deletionTimestamp) {
        this.deletions.observed(owner, pod.metadata.uid ?? '');
      }
      this.queue.add(owner);
    }
    const oldOwner = old ? ownerKeyOf(old, 'apps', 'ReplicaSet') : undefined;
    if (oldOwner && oldOwner !== owner) {
      this.queue.add(oldOwner);
    }
    if (!controllerRef(pod)) {
      this.enqueueMatching(pod);
      if (old && JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) {
        this.enqueueMatching(old);
      }
    }
  }

  /** An orphan pod: every ReplicaSet of its namespace whose selector matches may adopt it. */
  private enqueueMatching(pod: KObject): void {
    for (const rs of this.rsInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      if (replicaSetSelector(rs).matches(pod.metadata.labels ?? {})) {
        this.queue.add(objectKey(rs));
      }
    }
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const rs = this.rsInformer.getByKey(key);
    if (!rs) {
      this.creations.forget(key);
      this.deletions.forget(key);
      return {};
    }
    const ns = rs.metadata.namespace ?? 'default';
    const cached = [
      ...this.podInformer.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? ''),
      ...this.podInformer.byIndex(ORPHAN_NAMESPACE_INDEX, ns),
    ] as Pod[];
    const pods = this.creations.withPending(key, cached);
    const deleting = this.deletions.uids(key);
    const actions = planReplicaSet({ rs, pods, deleting, burst: this.opts.burst ?? DEFAULT_BURST });
    let failure: ReplicaFailure | undefined;
    const released = new Set<string>();
    for (const a of actions) {
      const f = await this.execute(key, rs, a, released);
      failure ??= f;
    }
    const owned = claimPods(rs, pods).owned.filter((p) => !released.has(p.metadata.uid ?? ''));
    const { status, requeueAfterMs } = replicaSetStatus(rs, owned, this.clock.now(), failure, deleting);
    if (replicaSetStatusChanged(rs, status)) {
      await this.opts.client.update(R.replicasets, { ...rs, status }, { subresource: 'status' });
    }
    if (failure) {
      // back off through the queue's rate limiter
      throw new Error(`replicaset ${key}: ${failure.message}`);
    }
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  private execute(
    key: string,
    rs: KObject,
    a: ReplicaSetAction,
    released: Set<string>,
  ): Promise<ReplicaFailure | undefined> {
    switch (a.kind) {
      case 'adopt':
        return this.adopt(rs, a.pod).then(() => undefined);
      case 'release':
        released.add(a.pod.metadata.uid ?? '');
        return this.release(rs, a.pod).then(() => undefined);
      case 'create':
        return this.createPods(key, rs, a.count);
      case 'delete':
        return this.deletePods(key, rs, a.pods);
    }
  }

  private async adopt(rs: KObject, pod: Pod): Promise<void> {
    const refs = [...(pod.metadata.ownerReferences ?? []), controllerRefTo(rs)];
    try {
      await this.opts.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', {
        metadata: { ownerReferences: refs, resourceVersion: pod.metadata.resourceVersion },
      });
    } catch (e) {
      if (!isApiError(e, 404)) {
        throw new Error(`adopt pod ${pod.metadata.name}`, { cause: e });
      }
    }
  }

  private async release(rs: KObject, pod: Pod): Promise<void> {
    const refs = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
    try {
      await this.opts.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', {
        metadata: {
          ownerReferences: refs.length > 0 ? refs : null,
          resourceVersion: pod.metadata.resourceVersion,
        },
      });
    } catch (e) {
      if (!isApiError(e, 404)) {
        throw new Error(`release pod ${pod.metadata.name}`, { cause: e });
      }
    }
  }

  /** Creates in slow-start batches (1, 2, 4, …): a failing batch stops the rest. */
  private async createPods(key: string, rs: KObject, count: number): Promise<ReplicaFailure | undefined> {
    const ns = rs.metadata.namespace ?? 'default';
    const owner = controllerRefTo(rs);
    let done = 0;
    for (let batch = 1; done < count; batch *= 2) {
      const n = Math.min(batch, count - done);
      const results = await Promise.allSettled(
        Array.from({ length: n }, () =>
          this.opts.client.create(R.pods, podFromTemplate(templateOf(rs), { namespace: ns, owner })),
        ),
      );
      done += n;
      let failed: unknown;
      for (const r of results) {
        if (r.status === 'fulfilled') {
          this.creations.created(key, r.value);
          this.opts.recorder?.event(
            rs,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${r.value.metadata.name}`,
          );
        } else {
          failed ??= r.reason;
        }
      }
      if (failed !== undefined) {
        const message = (failed as Error)?.message ?? String(failed);
        this.opts.recorder?.event(rs, 'Warning', 'FailedCreate', `Error creating: ${message}`);
        this.opts.logger?.debug({ rs: key, err: message }, 'pod creation failed');
        return { reason: 'FailedCreate', message };
      }
    }
    return undefined;
  }

  private async deletePods(
    key: string,
    rs: KObject,
    pods: readonly Pod[],
  ): Promise<ReplicaFailure | undefined> {
    let failure: ReplicaFailure | undefined;
    await Promise.all(
      pods.map(async (p) => {
        const uid = p.metadata.uid ?? '';
        this.deletions.add(key, uid);
        try {
          await this.opts.client.delete(R.pods, p.metadata.namespace, p.metadata.name ?? '', {
            preconditions: { uid },
          });
          this.opts.recorder?.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          this.deletions.observed(key, uid);
          if (isApiError(e, 404)) {
            return;
          }
          const message = (e as Error)?.message ?? String(e);
          this.opts.recorder?.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${message}`);
          failure ??= { reason: 'FailedDelete', message };
        }
      }),
    );
    return failure;
  }
}
