// Job controller (batch/v1): runs a Job's pods to completion as planned by planJob (job-plan.ts).
// Pods are the Job's by controller ownerReference; created pods are remembered until the
// informer shows them (expectations), so a lagging cache never doubles the pods. Job pods are
// kept after the Job finishes (kubectl logs works); ttlSecondsAfterFinished deletes the Job
// (foreground), and the garbage collector then removes its pods.
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
import { CreationExpectations } from './expectations.js';
import { type JobAction, type JobPlanOptions, planJob } from './job-plan.js';
import { controlledBy, indexByControllerUid, isControlledBy, ownerKeyOf } from './owner-refs.js';

export interface JobControllerOptions extends JobPlanOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class JobController implements Reconciler {
  readonly name = 'job';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly log?: Logger;
  private readonly recorder?: EventRecorder;
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly expectations = new CreationExpectations();
  private readonly planOpts: JobPlanOptions;

  constructor(opts: JobControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger?.child({ component: 'job-controller' });
    this.recorder = opts.recorder;
    this.planOpts = { backoffBaseMs: opts.backoffBaseMs, backoffMaxMs: opts.backoffMaxMs };
    this.jobs = opts.informers.for(R.jobs);
    this.pods = opts.informers.for(R.pods);
    indexByControllerUid(this.pods);
    this.jobs.addHandlers({
      add: (j) => this.queue.add(objectKey(j)),
      update: (_o, j) => this.queue.add(objectKey(j)),
      delete: (j) => this.expectations.forget(objectKey(j)),
    });
    const onPod = (p: KObject) => {
      const key = ownerKeyOf(p, 'batch', 'Job');
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
    const job = this.jobs.getByKey(key);
    if (!job) {
      this.expectations.forget(key);
      return {};
    }
    if (job.metadata.deletionTimestamp) {
      return {};
    }
    const pods = this.expectations
      .withPending(key, controlledBy(this.pods, job) as Pod[])
      .filter((p) => isControlledBy(p, job));
    const plan = planJob(job, pods, this.clock.now(), this.planOpts);
    for (const a of plan.actions) {
      await this.execute(job, key, a);
    }
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs + 10 };
  }

  private async execute(job: KObject, key: string, a: JobAction): Promise<void> {
    const ns = job.metadata.namespace;
    switch (a.kind) {
      case 'createPod': {
        const created = await this.client.create(R.pods, a.pod);
        this.expectations.created(key, created);
        this.recorder?.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        return;
      }
      case 'deletePod':
        try {
          await this.client.delete(R.pods, ns, a.pod.metadata.name ?? '', {
            ...(a.pod.metadata.uid ? { preconditions: { uid: a.pod.metadata.uid } } : {}),
          });
          this.recorder?.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.pod.metadata.name}`);
        } catch (e) {
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw e;
          }
        }
        return;
      case 'updateStatus': {
        const next = structuredClone(job);
        next.status = a.status;
        await this.client.update(R.jobs, next, { subresource: 'status' });
        return;
      }
      case 'deleteJob':
        try {
          await this.client.delete(R.jobs, ns, job.metadata.name ?? '', {
            propagationPolicy: 'Foreground',
            ...(job.metadata.uid ? { preconditions: { uid: job.metadata.uid } } : {}),
          });
        } catch (e) {
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw e;
          }
        }
        return;
      case 'event':
        this.recorder?.event(job, a.type, a.reason, a.message);
        return;
    }
  }
}
