// Rollout controller (argoproj.io/v1alpha1): handlers map ReplicaSet, pod and Service events to
// the Rollout; reconcile reads the caches, runs planRollout and executes its actions through the
// Client (ReplicaSets, one selector update per Service switch, pod restarts), status last with the
// resourceVersion it read, so a concurrent promote/abort from the CLI is never overwritten.
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
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
import {
  CONTROLLER_UID_INDEX,
  controlledBy,
  indexByControllerUid,
  indexByNamespace,
  NAMESPACE_INDEX,
  ownerKeyOf,
} from '../../cluster/controllers/owner-refs.js';
import type { EventRecorder } from '../../cluster/events.js';
import { countRolloutSteps, countRolloutTransition, reportRollouts } from '../../observe/rollout-metrics.js';
import { executeReplicaSetAction, HashCollisionError } from '../common/executor.js';
import { MANAGED_BY, ROLLOUT_HASH_LABEL, ROLLOUT_REVISION, type RolloutAction } from './context.js';
import { rolloutTransition } from './events.js';
import { planRollout } from './plan.js';

export interface RolloutControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
}

/** Services a Rollout points at. */
function serviceNames(ro: KObject): string[] {
  const s = ro.spec?.strategy ?? {};
  return [
    s.blueGreen?.activeService,
    s.blueGreen?.previewService,
    s.canary?.stableService,
    s.canary?.canaryService,
  ].filter((x): x is string => typeof x === 'string' && x !== '');
}

export class RolloutController implements Reconciler {
  readonly name = 'rollout';
  readonly queue: WorkQueue<string>;
  private readonly rollouts: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly services: Informer;
  private readonly clock: Clock;
  /** Pods this controller deleted (restart) and the time, until the cache shows them going. */
  private readonly deleting = new Map<string, number>();

  constructor(private readonly opts: RolloutControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.clock = opts.clock ?? systemClock;
    this.rollouts = opts.informers.for(R.rollouts);
    this.replicaSets = opts.informers.for(R.replicasets);
    this.pods = opts.informers.for(R.pods);
    this.services = opts.informers.for(R.services);
    indexByControllerUid(this.replicaSets);
    indexByControllerUid(this.pods);
    indexByNamespace(this.rollouts);
    this.rollouts.addHandlers({
      add: (ro) => this.queue.add(objectKey(ro)),
      update: (_o, ro) => this.queue.add(objectKey(ro)),
      delete: (ro) => this.queue.add(objectKey(ro)),
    });
    const onRS = (rs: KObject, old?: KObject) => {
      for (const o of old ? [old, rs] : [rs]) {
        const key = ownerKeyOf(o, 'argoproj.io', 'Rollout');
        if (key) {
          this.queue.add(key);
        }
      }
    };
    this.replicaSets.addHandlers({
      add: (rs) => onRS(rs),
      update: (o, rs) => onRS(rs, o),
      delete: (rs) => onRS(rs),
    });
    const onPod = (pod: KObject, gone = false) => {
      if (gone || pod.metadata.deletionTimestamp) {
        this.deleting.delete(pod.metadata.uid ?? '');
      }
      const rsName = pod.metadata.ownerReferences?.find(
        (r) => r.controller === true && r.kind === 'ReplicaSet',
      )?.name;
      const rs = rsName ? this.replicaSets.get(pod.metadata.namespace, rsName) : undefined;
      const key = rs ? ownerKeyOf(rs, 'argoproj.io', 'Rollout') : undefined;
      if (key) {
        this.queue.add(key);
      }
    };
    this.pods.addHandlers({
      add: (p) => onPod(p),
      update: (_o, p) => onPod(p),
      delete: (p) => onPod(p, true),
    });
    const onService = (svc: KObject) => {
      for (const ro of this.rollouts.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? '')) {
        if (serviceNames(ro).includes(svc.metadata.name ?? '')) {
          this.queue.add(objectKey(ro));
        }
      }
    };
    this.services.addHandlers({ add: onService, update: (_o, s) => onService(s), delete: onService });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    const handle = runController(this, {
      queue: this.queue,
      workers: opts.workers ?? 2,
      logger: opts.logger ?? this.opts.logger,
    });
    const unreport = reportRollouts(() => this.rollouts.list());
    return {
      queue: handle.queue,
      stop: async () => {
        unreport();
        await handle.stop();
      },
    };
  }

  private deletingNow(): Set<string> {
    const t = this.clock.now().getTime();
    for (const [uid, at] of this.deleting) {
      if (t - at > 60_000) {
        this.deleting.delete(uid);
      }
    }
    return new Set(this.deleting.keys());
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const ro = this.rollouts.getByKey(key);
    if (!ro) {
      return {};
    }
    const replicaSets = controlledBy(this.replicaSets, ro);
    const pods: Pod[] = [];
    for (const rs of replicaSets) {
      pods.push(...(this.pods.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? '') as Pod[]));
    }
    const ns = ro.metadata.namespace;
    const services = serviceNames(ro)
      .map((n) => this.services.get(ns, n))
      .filter((s): s is KObject => s !== undefined);
    const plan = planRollout(ro, replicaSets, pods, services, this.clock.now(), {
      deleting: this.deletingNow(),
    });
    for (const a of plan.actions) {
      await this.execute(ro, a);
    }
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async execute(ro: KObject, a: RolloutAction): Promise<void> {
    const { client, recorder } = this.opts;
    const ns = ro.metadata.namespace;
    const name = ro.metadata.name ?? '';
    switch (a.kind) {
      case 'patchServiceSelector':
        await client.patch(R.services, ns, a.service.metadata.name ?? '', 'merge', {
          metadata: { annotations: { [MANAGED_BY]: name } },
          spec: { selector: { [ROLLOUT_HASH_LABEL]: a.hash } },
        });
        recorder?.event(
          ro,
          'Normal',
          'SwitchService',
          `Switched selector for service '${a.service.metadata.name}' from '${a.service.spec?.selector?.[ROLLOUT_HASH_LABEL] ?? ''}' to '${a.hash}'`,
        );
        return;
      case 'deletePod': {
        const uid = a.pod.metadata.uid ?? '';
        this.deleting.set(uid, this.clock.now().getTime());
        try {
          await client.delete(R.pods, a.pod.metadata.namespace, a.pod.metadata.name ?? '', {
            preconditions: { uid },
          });
          recorder?.event(ro, 'Normal', 'RolloutRestarted', `Restarted pod ${a.pod.metadata.name}`);
        } catch (e) {
          this.deleting.delete(uid);
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw new Error(`restart pod ${a.pod.metadata.name}`, { cause: e });
          }
        }
        return;
      }
      case 'setStatus': {
        await client.update(R.rollouts, { ...ro, status: a.status }, { subresource: 'status' });
        const hash = a.status.currentPodHash;
        const revision = controlledBy(this.replicaSets, ro).find(
          (rs) => rs.metadata.labels?.[ROLLOUT_HASH_LABEL] === hash,
        )?.metadata.annotations?.[ROLLOUT_REVISION];
        const t = rolloutTransition(ro, ro.status, a.status, revision);
        for (const e of t.events) {
          recorder?.event(ro, e.type, e.reason, e.message);
        }
        if (t.phase) {
          countRolloutTransition(ro, t.phase.from, t.phase.to);
        }
        countRolloutSteps(ro, t.stepsCompleted);
        return;
      }
      default:
        try {
          await executeReplicaSetAction({ client, recorder, owner: ro, hashLabel: ROLLOUT_HASH_LABEL }, a);
        } catch (e) {
          if (e instanceof HashCollisionError) {
            const count = Number(ro.status?.collisionCount ?? 0) + 1;
            await client.update(
              R.rollouts,
              { ...ro, status: { ...(ro.status ?? {}), collisionCount: count } },
              { subresource: 'status' },
            );
          }
          throw e;
        }
    }
  }
}
