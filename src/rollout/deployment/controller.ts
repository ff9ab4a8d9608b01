// Deployment controller (apps/v1): handlers map ReplicaSet and pod events to the owning
// Deployment; reconcile reads the caches, runs planDeployment and executes its actions through
// the Client, status last. Level-triggered: killed at any line, a new instance finishes the job.
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
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
  ownerKeyOf,
} from '../../cluster/controllers/owner-refs.js';
import type { EventRecorder } from '../../cluster/events.js';
import { executeReplicaSetAction, HashCollisionError } from '../common/executor.js';
import { type DeploymentAction, POD_TEMPLATE_HASH, planDeployment, REVISION } from './plan.js';

export interface DeploymentControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
}

export class DeploymentController implements Reconciler {
  readonly name = 'deployment';
  readonly queue: WorkQueue<string>;
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly clock: Clock;

  constructor(private readonly opts: DeploymentControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.clock = opts.clock ?? systemClock;
    this.deployments = opts.informers.for(R.deployments);
    this.replicaSets = opts.informers.for(R.replicasets);
    this.pods = opts.informers.for(R.pods);
    indexByControllerUid(this.replicaSets);
    indexByControllerUid(this.pods);
    this.deployments.addHandlers({
      add: (d) => this.queue.add(objectKey(d)),
      update: (_o, d) => this.queue.add(objectKey(d)),
      delete: (d) => this.queue.add(objectKey(d)),
    });
    const onRS = (rs: KObject, old?: KObject) => {
      for (const o of old ? [old, rs] : [rs]) {
        const key = ownerKeyOf(o, 'apps', 'Deployment');
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
    const onPod = (pod: KObject) => {
      const rsName = pod.metadata.ownerReferences?.find(
        (r) => r.controller === true && r.kind === 'ReplicaSet',
      )?.name;
      if (!rsName) {
        return;
      }
      const rs = this.replicaSets.get(pod.metadata.namespace, rsName);
      const key = rs ? ownerKeyOf(rs, 'apps', 'Deployment') : undefined;
      if (key) {
        this.queue.add(key);
      }
    };
    this.pods.addHandlers({ add: onPod, update: (_o, p) => onPod(p), delete: onPod });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    return runController(this, {
      queue: this.queue,
      workers: opts.workers ?? 2,
      logger: opts.logger ?? this.opts.logger,
    });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const d = this.deployments.getByKey(key);
    if (!d) {
      return {};
    }
    const replicaSets = controlledBy(this.replicaSets, d);
    const pods: Pod[] = [];
    for (const rs of replicaSets) {
      pods.push(...(this.pods.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? '') as Pod[]));
    }
    const plan = planDeployment(d, replicaSets, pods, this.clock.now());
    for (const a of plan.actions) {
      await this.execute(d, a);
    }
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async execute(d: KObject, a: DeploymentAction): Promise<void> {
    const { client } = this.opts;
    const ns = d.metadata.namespace;
    const name = d.metadata.name ?? '';
    switch (a.kind) {
      case 'setRevision':
        await client.patch(R.deployments, ns, name, 'merge', {
          metadata: { annotations: { [REVISION]: a.revision } },
        });
        return;
      case 'setStatus':
        await client.patch(R.deployments, ns, name, 'merge', { status: a.status }, { subresource: 'status' });
        return;
      default:
        try {
          await executeReplicaSetAction(
            { client, recorder: this.opts.recorder, owner: d, hashLabel: POD_TEMPLATE_HASH },
            a,
          );
        } catch (e) {
          if (e instanceof HashCollisionError) {
            // hash again with a bumped count on the next pass (Kubernetes' status.collisionCount)
            const count = Number(d.status?.collisionCount ?? 0) + 1;
            await client.patch(
              R.deployments,
              ns,
              name,
              'merge',
              { status: { collisionCount: count } },
              { subresource: 'status' },
            );
          }
          throw e;
        }
    }
  }
}
