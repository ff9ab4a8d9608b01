import { afterEach, describe, expect, it } from 'vitest';
import type { KObject, WatchEvent } from '../../../src/api/types.js';
import { InProcessClient } from '../../../src/client/in-process.js';
import { R } from '../../../src/client/resources.js';
import type { Client, WatchHandle } from '../../../src/client/types.js';
import { type ControllerManager, startControllerManager } from '../../../src/cluster/controllers/manager.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { until } from './placement-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client whose calls answer late and whose watches deliver events late (in order). */
function starved(inner: Client, callMs: number, watchMs: number): Client {
  const slow = async <T>(f: () => Promise<T>): Promise<T> => {
    const r = await f();
    await sleep(Math.random() * callMs);
    return r;
  };
  return {
    get: (...a) => slow(() => inner.get(...a)),
    list: (...a) => slow(() => inner.list(...a)),
    create: (...a) => slow(() => inner.create(...a)),
    update: (...a) => slow(() => inner.update(...a)),
    patch: (...a) => slow(() => inner.patch(...a)),
    delete: (...a) => slow(() => inner.delete(...a)),
    bind: (...a) => slow(() => inner.bind(...a)),
    async watch(res, opts, onEvent): Promise<WatchHandle> {
      let chain = Promise.resolve();
      return inner.watch(res, opts, (e: WatchEvent) => {
        const lag = Math.random() * watchMs;
        chain = chain.then(() => sleep(lag)).then(() => onEvent(e));
      });
    },
  };
}

function deployment(name: string, replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }] },
      },
    },
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('ReplicaSet + Deployment controllers under a burst with a starved client', () => {
  it('creates exactly spec.replicas pods per ReplicaSet', async () => {
    const registry = new Registry({ store: new MemoryStore() });
    await registry.bootstrap();
    const direct = new InProcessClient(registry);
    const created = new Map<string, Set<string>>();
    let deleted = 0;
    const seen = await direct.watch(R.pods, { namespace: 'default' }, (e) => {
      if (e.type === 'DELETED') {
        deleted++;
      }
      if (e.type !== 'ADDED') {
        return;
      }
      const owner = e.object.metadata.ownerReferences?.[0]?.name ?? '?';
      let s = created.get(owner);
      if (!s) {
        s = new Set();
        created.set(owner, s);
      }
      s.add(e.object.metadata.uid ?? '');
    });
    const nodes: FakeNode[] = [];
    for (let i = 0; i < 4; i++) {
      nodes.push(await startFakeNode(direct, { name: `n${i}`, pods: 500, leaseRenewMs: 500 }));
    }
    const cm: ControllerManager = await startControllerManager({
      // every answer up to 30 ms late, every watch event up to 300 ms late (in order): the
      // controllers' caches lag well behind their own creates, as on a CPU-starved server
      client: starved(direct, 30, 300),
    });
    cleanup = async () => {
      await cm.stop();
      for (const n of nodes) {
        await n.stop();
      }
      seen.stop();
    };
    const D = 10;
    const N = 40;
    await Promise.all(
      Array.from({ length: D }, (_, i) => direct.create(R.deployments, deployment(`d${i}`, N))),
    );
    await until(
      'all pods',
      async () => (await direct.list(R.pods, { namespace: 'default' })).items.length === D * N,
      60_000,
    );
    // let any late (duplicate) create land before counting
    await sleep(2_000);
    const rss = (await direct.list(R.replicasets, { namespace: 'default' })).items;
    expect(rss).toHaveLength(D);
    for (const rs of rss) {
      // every pod ever created for a ReplicaSet (watch ADDED, by uid) is one of its replicas
      expect(created.get(rs.metadata.name ?? '')?.size, rs.metadata.name).toBe(N);
    }
    expect([...created.values()].reduce((a, s) => a + s.size, 0)).toBe(D * N);
    expect(deleted).toBe(0);
    const ds = (await direct.list(R.deployments, { namespace: 'default' })).items;
    expect(ds.map((d) => d.status?.collisionCount ?? 0)).toEqual(Array(D).fill(0));
  }, 120_000);
});
