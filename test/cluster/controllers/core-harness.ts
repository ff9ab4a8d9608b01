// Shared set-up for the core controllers' integration tests: a real registry over a MemoryStore,
// the in-process client, one informer factory, and a bounded poll.
import type { KObject } from '../../../src/api/types.js';
import type { ControllerHandle } from '../../../src/client/controller.js';
import { InProcessClient } from '../../../src/client/in-process.js';
import { Informer } from '../../../src/client/informer.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { R } from '../../../src/client/resources.js';
import type { Client } from '../../../src/client/types.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';

export interface Harness {
  readonly registry: Registry;
  readonly client: InProcessClient;
  readonly informers: InformerFactory;
  run(...handles: ControllerHandle[]): void;
  stop(): Promise<void>;
}

export async function newHarness(): Promise<Harness> {
  const registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const informers = new InformerFactory(client);
  const handles: ControllerHandle[] = [];
  return {
    registry,
    client,
    informers,
    run(...hs) {
      handles.push(...hs);
    },
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
      informers.stop();
    },
  };
}

/** Polls `fn` until it returns a truthy value (or throws no more), at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) {
        return v as NonNullable<T>;
      }
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}: last ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Binds every unscheduled pod to `node` as soon as it appears (a stand-in scheduler, so these
 * tests depend only on the controllers they test).
 */
export async function bindAllTo(client: Client, node: string): Promise<{ stop(): void }> {
  const inf = new Informer(client, R.pods);
  const bind = (p: KObject) => {
    if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) {
      void client.bind(p.metadata.namespace ?? 'default', p.metadata.name ?? '', node).catch(() => {});
    }
  };
  inf.addHandlers({ add: bind, update: (_o, p) => bind(p) });
  await inf.start();
  return { stop: () => inf.stop() };
}
