// The controller manager: one shared informer factory, every core controller and the scheduler,
// each running its reconcile loop over its own work queue. Controllers are constructed before
// the informers start so their handlers and indexes see the first list.
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import type { ControllerHandle } from '../../client/controller.js';
import { metadataOnly } from '../../client/informer.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { Client } from '../../client/types.js';
import { DeploymentController, RolloutController } from '../../rollout/index.js';
import { ApiEventRecorder } from '../events.js';
import { Scheduler } from '../scheduler/index.js';
import { DaemonSetController } from './daemonset.js';
import { EndpointsController } from './endpoints.js';
import { GarbageCollector } from './garbage-collector.js';
import { JobController } from './job.js';
import { NamespaceController } from './namespace.js';
import { NodeIpamController } from './node-ipam.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import { ReplicaSetController } from './replicaset.js';
import { ResourceQuotaController } from './resource-quota.js';
import { StatefulSetController } from './statefulset.js';

export interface ControllerManagerOptions {
  /** Node lease silence before a node is marked NotReady (ms). Default 40 s, as the kubelet's lease. */
  readonly nodeGracePeriodMs?: number;
  /** Time a NotReady node's pods are kept before they are deleted for rescheduling (ms). Default 5 s. */
  readonly podEvictionDelayMs?: number;
  /** Controllers not to run (by name, e.g. 'deployment'): for tests that run their own instance. */
  readonly disabled?: readonly string[];
}

export interface ControllerManager {
  readonly informers: InformerFactory;
  stop(): Promise<void>;
}

/** Something with a reconcile loop to start: every controller here has this shape. */
interface Startable {
  start(opts?: { workers?: number; logger?: Logger }): ControllerHandle;
}

export async function startControllerManager(args: {
  client: Client;
  logger?: Logger;
  clock?: Clock;
  options?: ControllerManagerOptions;
}): Promise<ControllerManager> {
  const { client, logger } = args;
  const clock = args.clock ?? systemClock;
  const opts = args.options ?? {};
  const informers = new InformerFactory(client, {
    onError: (e) => logger?.warn({ err: (e as Error)?.message }, 'informer error'),
  });
  // The garbage collector looks at every object of every kind but only at its metadata: its own
  // metadata-only caches keep memory small (as Kubernetes' GC uses metadata informers).
  const metadataInformers = new InformerFactory(client, {
    transform: metadataOnly,
    onError: (e) => logger?.warn({ err: (e as Error)?.message }, 'informer error'),
  });
  const recorder = (component: string) => new ApiEventRecorder(client, component, { clock, logger });
  const child = (name: string) => logger?.child({ controller: name });
  const base = { client, informers, clock };
  const all: [string, () => Startable][] = [
    [
      'replicaset',
      () =>
        new ReplicaSetController({
          ...base,
          recorder: recorder('replicaset-controller'),
          logger: child('replicaset'),
        }),
    ],
    ['endpoints', () => new EndpointsController({ client, informers, logger: child('endpoints') })],
    [
      'node-lifecycle',
      () =>
        new NodeLifecycleController({
          ...base,
          recorder: recorder('node-controller'),
          logger: child('node-lifecycle'),
          gracePeriodMs: opts.nodeGracePeriodMs,
          evictionDelayMs: opts.podEvictionDelayMs,
        }),
    ],
    ['node-ipam', () => new NodeIpamController({ client, informers, logger: child('node-ipam') })],
    [
      'deployment',
      () =>
        new DeploymentController({
          ...base,
          recorder: recorder('deployment-controller'),
          logger: child('deployment'),
        }),
    ],
    [
      'rollout',
      () =>
        new RolloutController({
          ...base,
          recorder: recorder('rollouts-controller'),
          logger: child('rollout'),
        }),
    ],
    [
      'scheduler',
      () => new Scheduler({ ...base, recorder: recorder('default-scheduler'), logger: child('scheduler') }),
    ],
    [
      'garbage-collector',
      () =>
        new GarbageCollector({ client, informers: metadataInformers, logger: child('garbage-collector') }),
    ],
    [
      'namespace',
      () =>
        new NamespaceController({
          ...base,
          metadataInformers,
          recorder: recorder('namespace-controller'),
          logger: child('namespace'),
        }),
    ],
    [
      'resource-quota',
      () =>
        new ResourceQuotaController({
          client,
          informers,
          metadataInformers,
          logger: child('resource-quota'),
        }),
    ],
    ['job', () => new JobController({ ...base, recorder: recorder('job-controller'), logger: child('job') })],
    [
      'daemonset',
      () =>
        new DaemonSetController({
          ...base,
          recorder: recorder('daemonset-controller'),
          logger: child('daemonset'),
        }),
    ],
    [
      'statefulset',
      () =>
        new StatefulSetController({
          ...base,
          recorder: recorder('statefulset-controller'),
          logger: child('statefulset'),
        }),
    ],
  ];
  // constructed before the informers start, so their handlers and indexes see the first list
  const controllers = all
    .filter(([name]) => !(opts.disabled ?? []).includes(name))
    .map(([name, make]) => [name, make()] as const);
  await Promise.all([informers.start(), metadataInformers.start()]);
  const handles = controllers.map(([name, c]) => c.start({ logger: child(name) }));
  logger?.info({ controllers: controllers.map(([n]) => n) }, 'controllers started');
  return {
    informers,
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
      informers.stop();
      metadataInformers.stop();
    },
  };
}
