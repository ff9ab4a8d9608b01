// StatefulSet controller (apps/v1): stable, ordered pods as planned by planStatefulSet
// (statefulset-plan.ts). Each template is kept as a ControllerRevision; status.currentRevision
// and status.updateRevision name them, and pods carry the name in `controller-revision-hash`.
// Pods left by another owner under the same name are not adopted (the create answers 409 and
// the StatefulSet waits). volumeClaimTemplates are accepted and backed by emptyDir volumes.
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
import { ensureRevision, revisionsToPrune, templateOfRevision } from './controller-revisions.js';
import { CreationExpectations } from './expectations.js';
import { controlledBy, indexByControllerUid, isControlledBy, ownerKeyOf } from './owner-refs.js';
import { REVISION_HASH_LABEL, templateOf } from './pod-template.js';
import { planStatefulSet, type StatefulSetAction } from './statefulset-plan.js';

export interface StatefulSetControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class StatefulSetController implements Reconciler {
  readonly name = 'statefulset';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly log?: Logger;
  private readonly recorder?: EventRecorder;
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly revisions: Informer;
  private readonly expectations = new CreationExpectations();

  constructor(opts: StatefulSetControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger?.child({ component: 'statefulset-controller' });
    this.recorder = opts.recorder;
    this.sets = opts.informers.for(R.statefulsets);
    this.pods = opts.informers.for(R.pods);
    this.revisions = opts.informers.for(R.controllerrevisions);
    indexByControllerUid(this.pods);
    indexByControllerUid(this.revisions);
    this.sets.addHandlers({
      add: (s) => this.queue.add(objectKey(s)),
      update: (_o, s) => this.queue.add(objectKey(s)),
      delete: (s) => this.expectations.forget(objectKey(s)),
    });
    const onPod = (p: KObject) => {
      const key = ownerKeyOf(p, 'apps', 'StatefulSet');
      if (key) {
        this.expectations.observed(key, p);
        this.queue.add(key);
      }
    };
    this.pods.addHandlers({ add: onPod, update: (_o, p) => onPod(p), delete: onPod });
  }

  start(opts: { workers?: number } = {}): ControllerHandle {
    return runController(this, { workers: opts.workers ?? 2, logger: this.log, queue: this.queue });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const sts = this.sets.getByKey(key);
    if (!sts) {
      this.expectations.forget(key);
      return {};
    }
    if (sts.metadata.deletionTimestamp) {
      return {};
    }
    const revisions = controlledBy(this.revisions, sts);
    const collisionCount: number = sts.status?.collisionCount ?? 0;
    const updateRev = await ensureRevision(
      this.client,
      {
        owner: sts,
        template: templateOf(sts),
        collisionCount,
        labels: sts.spec?.selector?.matchLabels ?? {},
      },
      revisions,
    );
    if (!updateRev) {
      const next = structuredClone(sts);
      next.status = { ...(next.status ?? {}), collisionCount: collisionCount + 1 };
      await this.client.update(R.statefulsets, next, { subresource: 'status' });
      return {};
    }
    const updateName = updateRev.metadata.name ?? '';
    const currentName: string | undefined = sts.status?.currentRevision;
    const currentRev = currentName ? revisions.find((r) => r.metadata.name === currentName) : undefined;
    const revs = currentRev
      ? {
          current: currentName!,
          update: updateName,
          currentTemplate: templateOfRevision(currentRev),
          updateTemplate: templateOf(sts),
        }
      : {
          current: updateName,
          update: updateName,
          currentTemplate: templateOf(sts),
          updateTemplate: templateOf(sts),
        };
    const pods = this.expectations
      .withPending(key, controlledBy(this.pods, sts) as Pod[])
      .filter((p) => isControlledBy(p, sts));
    const now = this.clock.now();
    const actions = planStatefulSet(sts, pods, revs, now);
    for (const a of actions) {
      await this.execute(sts, key, a);
    }
    const inUse = new Set([revs.current, revs.update]);
    for (const p of pods) {
      const r = p.metadata.labels?.[REVISION_HASH_LABEL];
      if (r) {
        inUse.add(r);
      }
    }
    for (const old of revisionsToPrune(sts, revisions, inUse, sts.spec?.revisionHistoryLimit ?? 10)) {
      await this.client
        .delete(R.controllerrevisions, old.metadata.namespace, old.metadata.name ?? '')
        .catch((e) => {
          if (!isApiError(e, 404)) {
            throw e;
          }
        });
    }
    const minReady: number = sts.spec?.minReadySeconds ?? 0;
    const st = sts.status ?? {};
    if (minReady > 0 && (st.availableReplicas ?? 0) < (st.readyReplicas ?? 0)) {
      return { requeueAfterMs: minReady * 1000 };
    }
    return {};
  }

  private async execute(sts: KObject, key: string, a: StatefulSetAction): Promise<void> {
    const name = a.kind === 'updateStatus' ? '' : (a.pod.metadata.name ?? '');
    switch (a.kind) {
      case 'createPod':
        try {
          const created = await this.client.create(R.pods, a.pod);
          this.expectations.created(key, created);
          this.recorder?.event(
            sts,
            'Normal',
            'SuccessfulCreate',
            `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
          );
        } catch (e) {
          if (isApiError(e, 409)) {
            return; // already there (our own create not yet in the cache, or a pod we do not own)
          }
          this.recorder?.event(
            sts,
            'Warning',
            'FailedCreate',
            `create Pod ${name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`,
          );
          throw e;
        }
        return;
      case 'deletePod':
        try {
          await this.client.delete(R.pods, a.pod.metadata.namespace, name, {
            ...(a.pod.metadata.uid ? { preconditions: { uid: a.pod.metadata.uid } } : {}),
          });
          this.recorder?.event(
            sts,
            'Normal',
            'SuccessfulDelete',
            `delete Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
          );
        } catch (e) {
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw e;
          }
        }
        return;
      case 'updateStatus': {
        const next = structuredClone(sts);
        next.status = a.status;
        await this.client.update(R.statefulsets, next, { subresource: 'status' });
        return;
      }
    }
  }
}
