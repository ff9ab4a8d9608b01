// DaemonSet controller (apps/v1): keeps one pod per eligible node, as planned by planDaemonSet
// (daemonset-plan.ts), records each template as a ControllerRevision (`kubectl rollout history ds`)
// and labels pods with its hash. Pods are placed with spec.nodeName set directly (see the planner).
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import type { KObject, Pod } from '../../api/types.js';
import { type ControllerHandle, type Reconciler, runController } from '../../client/controller.js';
import { type Informer, objectKey } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { EventRecorder } from '../events.js';
import { ensureRevision, hashOfRevision, revisionNameFor, revisionsToPrune } from './controller-revisions.js';
import { type DaemonSetAction, planDaemonSet } from './daemonset-plan.js';
import { CreationExpectations } from './expectations.js';
import { controlledBy, indexByControllerUid, isControlledBy, ownerKeyOf } from './owner-refs.js';
import { REVISION_HASH_LABEL, templateOf } from './pod-template.js';

export interface DaemonSetControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class DaemonSetController implements Reconciler {
  readonly name = 'daemonset';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly log?: Logger;
  private readonly recorder?: EventRecorder;
  private readonly daemonsets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;
  private readonly expectations = new CreationExpectations();

  constructor(opts: DaemonSetControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger?.child({ component: 'daemonset-controller' });
    this.recorder = opts.recorder;
    this.daemonsets = opts.informers.for(R.daemonsets);
    this.pods = opts.informers.for(R.pods);
    this.nodes = opts.informers.for(R.nodes);
    this.revisions = opts.informers.for(R.controllerrevisions);
    indexByControllerUid(this.pods);
    indexByControllerUid(this.revisions);
    this.daemonsets.addHandlers({
      add: (d) => this.queue.add(objectKey(d)),
      update: (_o, d) => this.queue.add(objectKey(d)),
      delete: (d) => this.expectations.forget(objectKey(d)),
    });
    const onPod = (p: KObject) => {
      const key = ownerKeyOf(p, 'apps', 'DaemonSet');
      if (key) {
        this.expectations.observed(key, p);
        this.queue.add(key);
      }
    };
    this.pods.addHandlers({ add: onPod, update: (_o, p) => onPod(p), delete: onPod });
    const all = () => {
      for (const d of this.daemonsets.list()) {
        this.queue.add(objectKey(d));
      }
    };
    this.nodes.addHandlers({
      add: all,
      delete: all,
      update: (o, n) => {
        // Heartbeats change only status; labels, taints and unschedulable decide placement.
        if (JSON.stringify([o.metadata.labels, o.spec]) !== JSON.stringify([n.metadata.labels, n.spec])) {
          all();
        }
      },
    });
  }

  start(opts: { workers?: number } = {}): ControllerHandle {
    return runController(this, { workers: opts.workers ?? 2, logger: this.log, queue: this.queue });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const ds = this.daemonsets.getByKey(key);
    if (!ds) {
      this.expectations.forget(key);
      return {};
    }
    if (ds.metadata.deletionTimestamp) {
      return {};
    }
    const revisions = controlledBy(this.revisions, ds);
    const collisionCount: number = ds.status?.collisionCount ?? 0;
    const rev = await ensureRevision(
      this.client,
      { owner: ds, template: templateOf(ds), collisionCount, labels: ds.spec?.selector?.matchLabels ?? {} },
      revisions,
    );
    if (!rev) {
      const next = structuredClone(ds);
      next.status = { ...(next.status ?? {}), collisionCount: collisionCount + 1 };
      await this.client.update(R.daemonsets, next, { subresource: 'status' });
      return {};
    }
    const hash = hashOfRevision(rev);
    const pods = this.expectations
      .withPending(key, controlledBy(this.pods, ds) as Pod[])
      .filter((p) => isControlledBy(p, ds));
    const now = this.clock.now();
    const actions = planDaemonSet(ds, this.nodes.list(), pods, hash, now);
    for (const a of actions) {
      await this.execute(ds, key, a);
    }
    const inUse = new Set([rev.metadata.name ?? '']);
    for (const p of pods) {
      const h = p.metadata.labels?.[REVISION_HASH_LABEL];
      if (h) {
        inUse.add(revisionNameFor(ds, h));
      }
    }
    for (const old of revisionsToPrune(ds, revisions, inUse, ds.spec?.revisionHistoryLimit ?? 10)) {
      await this.client
        .delete(R.controllerrevisions, old.metadata.namespace, old.metadata.name ?? '')
        .catch((e) => {
          if (!isApiError(e, 404)) {
            throw e;
          }
        });
    }
    const minReady: number = ds.spec?.minReadySeconds ?? 0;
    const st = ds.status ?? {};
    if (minReady > 0 && (st.numberAvailable ?? 0) < (st.numberReady ?? 0)) {
      return { requeueAfterMs: minReady * 1000 };
    }
    return {};
  }

  private async execute(ds: KObject, key: string, a: DaemonSetAction): Promise<void> {
    switch (a.kind) {
      case 'createPod': {
        try {
          const created = await this.client.create(R.pods, a.pod);
          this.expectations.created(key, created);
          this.recorder?.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (e) {
          this.recorder?.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          throw e;
        }
        return;
      }
      case 'deletePod':
        try {
          await this.client.delete(R.pods, a.pod.metadata.namespace, a.pod.metadata.name ?? '', {
            ...(a.pod.metadata.uid ? { preconditions: { uid: a.pod.metadata.uid } } : {}),
          });
          this.recorder?.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.pod.metadata.name}`);
        } catch (e) {
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw e;
          }
        }
        return;
      case 'updateStatus': {
        const next = structuredClone(ds);
        next.status = a.status;
        await this.client.update(R.daemonsets, next, { subresource: 'status' });
        return;
      }
    }
  }
}
