// In-process cluster for the rollout controllers' integration tests: a real registry over a
// MemoryStore, the core controllers and scheduler (startControllerManager), fake nodes that run
// bound pods as Running+Ready, and the Deployment / Rollout controllers constructed next to them.
import type { KObject, Pod } from '../../src/api/types.js';
import type { ControllerHandle } from '../../src/client/controller.js';
import { InProcessClient } from '../../src/client/in-process.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';
import { type ControllerManager, startControllerManager } from '../../src/cluster/controllers/manager.js';
import { MemoryEventRecorder } from '../../src/cluster/events.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { MemoryStore } from '../../src/cluster/store/memory.js';
import { DeploymentController } from '../../src/rollout/deployment/controller.js';
import { RolloutController } from '../../src/rollout/rollout/controller.js';
import { type FakeNode, startFakeNode } from '../fake-node.js';

export interface RolloutCluster {
  readonly client: InProcessClient;
  readonly manager: ControllerManager;
  readonly recorder: MemoryEventRecorder;
  node(name: string, labels?: Record<string, string>): Promise<FakeNode>;
  /** Starts a Deployment controller over `client` (default: the cluster's) with its own informers. */
  deployments(client?: Client): Promise<Stoppable>;
  rollouts(client?: Client): Promise<Stoppable>;
  dispose(): Promise<void>;
}

export interface Stoppable {
  stop(): Promise<void>;
}

export async function startCluster(): Promise<RolloutCluster> {
  const registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  // the rollout controllers under test run below, with this harness's recorder and clients
  const manager = await startControllerManager({ client, options: { disabled: ['deployment', 'rollout'] } });
  const recorder = new MemoryEventRecorder();
  const nodes: FakeNode[] = [];
  const running: Stoppable[] = [];
  const startOne = async (
    make: (informers: InformerFactory) => { start(): ControllerHandle },
    c: Client,
  ): Promise<Stoppable> => {
    const informers = new InformerFactory(c);
    const ctl = make(informers);
    await informers.start();
    const handle = ctl.start();
    const s: Stoppable = {
      async stop() {
        await handle.stop();
        informers.stop();
      },
    };
    running.push(s);
    return s;
  };
  return {
    client,
    manager,
    recorder,
    async node(name, labels) {
      const n = await startFakeNode(client, { name, labels });
      nodes.push(n);
      return n;
    },
    deployments: (c = client) =>
      startOne((informers) => new DeploymentController({ client: c, informers, recorder }), c),
    rollouts: (c = client) =>
      startOne((informers) => new RolloutController({ client: c, informers, recorder }), c),
    async dispose() {
      for (const s of running) {
        await s.stop();
      }
      for (const n of nodes) {
        await n.stop();
      }
      await manager.stop();
    },
  };
}

/** Polls `fn` until it returns something other than undefined/false (20 ms steps, bounded). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  ms = 8_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) {
        return v;
      }
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function replicaSetsOf(client: Client, owner: string, ns = 'default'): Promise<KObject[]> {
  const all = (await client.list(R.replicasets, { namespace: ns })).items;
  return all
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.name === owner && r.controller))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export async function activePods(client: Client, labelSelector: string, ns = 'default'): Promise<Pod[]> {
  const items = (await client.list(R.pods, { namespace: ns, labelSelector })).items as Pod[];
  return items.filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded',
  );
}

/**
 * A client that lets `writes` mutating calls through and then "dies": every later call throws,
 * as a process killed at that point would have done nothing more.
 */
export function dyingClient(inner: Client, writes: number): Client & { readonly dead: boolean } {
  let left = writes;
  const gate = () => {
    if (left <= 0) {
      throw new Error('controller killed');
    }
    left--;
  };
  return {
    get dead() {
      return left <= 0;
    },
    get: (...a) => inner.get(...a),
    list: (...a) => inner.list(...a),
    watch: (...a) => inner.watch(...a),
    create: async (...a) => {
      gate();
      return inner.create(...a);
    },
    update: async (...a) => {
      gate();
      return inner.update(...a);
    },
    patch: async (...a) => {
      gate();
      return inner.patch(...a);
    },
    delete: async (...a) => {
      gate();
      return inner.delete(...a);
    },
    bind: (...a) => inner.bind(...a),
  };
}
