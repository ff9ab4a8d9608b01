// A small in-process cluster for the placement controllers' integration tests: a real registry
// over MemoryStore, a real InProcessClient, shared informers, and whichever controllers a test
// starts. Everything started is stopped by `dispose()`.
import type { KObject } from '../../../src/api/types.js';
import type { ControllerHandle } from '../../../src/client/controller.js';
import { InProcessClient } from '../../../src/client/in-process.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { R } from '../../../src/client/resources.js';
import { MemoryEventRecorder } from '../../../src/cluster/events.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { type FakeNode, type FakeNodeOptions, startFakeNode } from '../../fake-node.js';

export interface TestCluster {
  readonly registry: Registry;
  readonly client: InProcessClient;
  readonly informers: InformerFactory;
  readonly recorder: MemoryEventRecorder;
  /** Starts the controller loops after the informers synced. */
  run(...controllers: { start(): ControllerHandle }[]): Promise<void>;
  node(opts: FakeNodeOptions): Promise<FakeNode>;
  dispose(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const informers = new InformerFactory(client);
  const recorder = new MemoryEventRecorder();
  const handles: ControllerHandle[] = [];
  const nodes: FakeNode[] = [];
  return {
    registry,
    client,
    informers,
    recorder,
    async run(...controllers) {
      await informers.start();
      for (const c of controllers) {
        handles.push(c.start());
      }
    },
    async node(opts) {
      const n = await startFakeNode(client, opts);
      nodes.push(n);
      return n;
    },
    async dispose() {
      for (const n of nodes) {
        await n.stop();
      }
      await Promise.all(handles.map((h) => h.stop()));
      informers.stop();
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false (bounded; 20 ms steps). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 5_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function listPods(
  client: InProcessClient,
  namespace = 'default',
  labelSelector?: string,
): Promise<KObject[]> {
  return (await client.list(R.pods, { namespace, labelSelector })).items;
}

export function replicaSet(
  name: string,
  replicas: number,
  labels: Record<string, string> = { app: name },
  extra: Record<string, unknown> = {},
): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'app', image: 'registry.local/app:1', ports: [{ name: 'http', containerPort: 8080 }] },
          ],
        },
      },
      ...extra,
    },
  };
}
