import { afterEach, describe, expect, it } from 'vitest';
import { getCondition } from '../../../src/api/pod-helpers.js';
import type { KObject, Pod, PodCondition, WatchEvent } from '../../../src/api/types.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { R } from '../../../src/client/resources.js';
import type { Client, WatchHandle, WatchOpts } from '../../../src/client/types.js';
import { ReplicaSetController } from '../../../src/cluster/controllers/replicaset.js';
import { Scheduler } from '../../../src/cluster/scheduler/index.js';
import { listPods, replicaSet, startTestCluster, type TestCluster, until } from './placement-harness.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

async function running(c: TestCluster, n: number, selector = 'app=web'): Promise<Pod[]> {
  return until(`${n} running pods`, async () => {
    const ps = ((await listPods(c.client, 'default', selector)) as Pod[]).filter(
      (p) => !p.metadata.deletionTimestamp,
    );
    return ps.length === n && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
  });
}

async function startAll(c: TestCluster): Promise<void> {
  await c.node({ name: 'node-a', leaseRenewMs: 200 });
  await c.node({ name: 'node-b', leaseRenewMs: 200 });
  await c.run(
    new ReplicaSetController({ client: c.client, informers: c.informers, recorder: c.recorder }),
    new Scheduler({ client: c.client, informers: c.informers, recorder: c.recorder }),
  );
}

describe('ReplicaSetController (in-process cluster, fake nodes)', () => {
  it('runs 5 replicas spread over two nodes, scales down to 2, replaces a deleted pod', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await startAll(c);
    const created = await c.client.create(R.replicasets, replicaSet('web', 5));
    const pods = await running(c, 5);
    const spread = ['node-a', 'node-b'].map((n) => pods.filter((p) => p.spec.nodeName === n).length).sort();
    expect(spread).toEqual([2, 3]);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.generateName).toBe('web-');
      expect(p.metadata.labels).toEqual({ app: 'web' });
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: created.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await until('status 5 ready', async () => {
      const rs = await c.client.get(R.replicasets, 'default', 'web');
      return (
        rs.status?.readyReplicas === 5 &&
        rs.status?.availableReplicas === 5 &&
        rs.status?.observedGeneration === 1
      );
    });

    await c.client.patch(R.replicasets, 'default', 'web', 'merge', { spec: { replicas: 2 } });
    const left = await running(c, 2);
    expect(c.recorder.events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(3);
    await until('all deleted pods gone', async () => (await listPods(c.client)).length === 2);

    const victim = left[0]!;
    await c.client.delete(R.pods, 'default', victim.metadata.name!);
    const after = await until('replacement running', async () => {
      const ps = await running(c, 2);
      return ps.some((p) => p.metadata.uid === victim.metadata.uid) ? undefined : ps;
    });
    expect(after.map((p) => p.metadata.uid)).toContain(left[1]!.metadata.uid);
    await until('status 2 replicas', async () => {
      const rs = await c.client.get(R.replicasets, 'default', 'web');
      return (
        rs.status?.replicas === 2 && rs.status?.readyReplicas === 2 && rs.status?.observedGeneration === 2
      );
    });
  });

  it('adopts a matching orphan instead of creating a pod for it, and releases a pod relabelled away', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    const orphan = await c.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hand-made', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }] },
    });
    await startAll(c);
    const rs = await c.client.create(R.replicasets, replicaSet('web', 3));
    const pods = await running(c, 3);
    const adopted = pods.find((p) => p.metadata.uid === orphan.metadata.uid);
    expect(adopted?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ReplicaSet',
      uid: rs.metadata.uid,
      controller: true,
    });
    expect(c.recorder.events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(2);

    await c.client.patch(R.pods, 'default', 'hand-made', 'merge', { metadata: { labels: { app: 'other' } } });
    const released = await until('released', async () => {
      const p = await c.client.get(R.pods, 'default', 'hand-made');
      return p.metadata.ownerReferences === undefined ? p : undefined;
    });
    expect(released.metadata.labels).toEqual({ app: 'other' });
    await running(c, 3); // a new pod replaced the released one
  });

  it('never double-creates while its pod cache lags behind its own creates (expectations)', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    const lagging = new InformerFactory(laggingClient(c.client, 300));
    const ctrl = new ReplicaSetController({ client: c.client, informers: lagging });
    await lagging.start();
    await c.client.create(R.replicasets, replicaSet('web', 4));
    await until('rs in cache', () => lagging.for(R.replicasets).get('default', 'web') !== undefined);
    // status writes from a stale cache may conflict (the work queue retries them); pods must not double
    const pass = () =>
      ctrl.reconcile('default/web').catch((e) => expect((e as { code?: number }).code).toBe(409));
    await pass();
    await pass();
    await pass();
    expect(await listPods(c.client)).toHaveLength(4);
    await until('cache caught up', () => lagging.for(R.pods).list('default').length === 4);
    await pass();
    expect(await listPods(c.client)).toHaveLength(4);
    lagging.stop();
  });

  it('reports ReplicaFailure when pod creation is refused by quota, and recovers', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.client.create(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'default' },
      spec: { hard: { pods: '2' } },
    });
    await startAll(c);
    await c.client.create(R.replicasets, replicaSet('web', 3));
    const cond = await until('ReplicaFailure', async () => {
      const rs = await c.client.get(R.replicasets, 'default', 'web');
      return getCondition<PodCondition>(rs.status, 'ReplicaFailure');
    });
    expect(cond).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(cond.message).toMatch(/forbidden|exceeded quota/i);
    expect(c.recorder.events.some((e) => e.reason === 'FailedCreate' && e.type === 'Warning')).toBe(true);
    await running(c, 2);
    await c.client.patch(R.resourcequotas, 'default', 'q', 'merge', { spec: { hard: { pods: '10' } } });
    await running(c, 3);
    await until(
      'condition cleared',
      async () => {
        const rs = await c.client.get(R.replicasets, 'default', 'web');
        return getCondition(rs.status, 'ReplicaFailure') === undefined && rs.status?.replicas === 3;
      },
      10_000,
    );
  });

  it('does nothing on a converged ReplicaSet (no writes)', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await startAll(c);
    await c.client.create(R.replicasets, replicaSet('web', 2));
    await running(c, 2);
    const rs = await until('status settled', async () => {
      const o = await c.client.get(R.replicasets, 'default', 'web');
      return o.status?.readyReplicas === 2 ? o : undefined;
    });
    const ctrl = new ReplicaSetController({ client: c.client, informers: c.informers });
    await until(
      'cache current',
      () =>
        c.informers.for(R.replicasets).get('default', 'web')?.metadata.resourceVersion ===
        rs.metadata.resourceVersion,
    );
    const before = (await c.client.list(R.pods, { namespace: 'default' })).metadata.resourceVersion;
    await ctrl.reconcile('default/web');
    await ctrl.reconcile('default/web');
    const rsAfter = await c.client.get(R.replicasets, 'default', 'web');
    expect(rsAfter.metadata.resourceVersion).toBe(rs.metadata.resourceVersion);
    expect((await c.client.list(R.pods, { namespace: 'default' })).metadata.resourceVersion).toBe(before);
  });
});

/** A client whose watch events arrive `ms` late: an informer cache that lags behind writes. */
function laggingClient(inner: Client, ms: number): Client {
  return {
    get: (...a) => inner.get(...a),
    list: (...a) => inner.list(...a),
    create: (...a) => inner.create(...a),
    update: (...a) => inner.update(...a),
    patch: (...a) => inner.patch(...a),
    delete: (...a) => inner.delete(...a),
    bind: (...a) => inner.bind(...a),
    watch(res, opts: WatchOpts, onEvent: (e: WatchEvent<KObject>) => void): Promise<WatchHandle> {
      return inner.watch(res, opts, (e) => {
        setTimeout(() => onEvent(e), ms);
      });
    },
  };
}
