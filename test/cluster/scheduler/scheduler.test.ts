import { afterEach, describe, expect, it } from 'vitest';
import { getCondition } from '../../../src/api/pod-helpers.js';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { Scheduler } from '../../../src/cluster/scheduler/index.js';
import { listPods, startTestCluster, type TestCluster, until } from '../controllers/placement-harness.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

function podBody(name: string, extra: Record<string, unknown> = {}, cpu?: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'x' } },
    spec: {
      containers: [{ name: 'c', image: 'img:1', ...(cpu ? { resources: { requests: { cpu } } } : {}) }],
      ...extra,
    },
  };
}

describe('Scheduler (in-process cluster)', () => {
  it("binds pending pods to ready nodes, emits Scheduled, and leaves other schedulers' pods alone", async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'node-a', leaseRenewMs: 200 });
    await c.node({ name: 'node-b', leaseRenewMs: 200 });
    await c.run(
      new Scheduler({
        client: c.client,
        informers: c.informers,
        recorder: c.recorder,
        retryUnschedulableMs: 200,
      }),
    );
    for (let i = 0; i < 6; i++) {
      await c.client.create(R.pods, podBody(`p${i}`));
    }
    await c.client.create(R.pods, podBody('other', { schedulerName: 'someone-else' }));
    const pods = await until('6 pods running', async () => {
      const ps = (await listPods(c.client)) as Pod[];
      const running = ps.filter((p) => p.status?.phase === 'Running');
      return running.length === 6 ? ps : undefined;
    });
    const perNode = (n: string) => pods.filter((p) => p.spec.nodeName === n).length;
    expect(perNode('node-a') + perNode('node-b')).toBe(6);
    expect(Math.abs(perNode('node-a') - perNode('node-b'))).toBeLessThanOrEqual(1);
    expect(pods.find((p) => p.metadata.name === 'other')?.spec.nodeName).toBeUndefined();
    const scheduled = c.recorder.events.filter((e) => e.reason === 'Scheduled');
    expect(scheduled).toHaveLength(6);
    expect(scheduled[0]?.message).toMatch(/^Successfully assigned default\/p\d to node-[ab]$/);
  });

  it('marks a pod that fits nowhere Unschedulable and places it when a node that fits appears', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'small', cpu: '1', leaseRenewMs: 200 });
    await c.run(
      new Scheduler({
        client: c.client,
        informers: c.informers,
        recorder: c.recorder,
        retryUnschedulableMs: 200,
      }),
    );
    await c.client.create(R.pods, podBody('big', {}, '2'));
    const pending = await until('PodScheduled=False', async () => {
      const p = (await c.client.get(R.pods, 'default', 'big')) as Pod;
      const cond = getCondition(p.status, 'PodScheduled');
      return cond?.status === 'False' ? cond : undefined;
    });
    expect(pending).toMatchObject({
      reason: 'Unschedulable',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
    });
    expect(c.recorder.events.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning')).toBe(true);
    await c.node({ name: 'large', cpu: '8', leaseRenewMs: 200 });
    const bound = await until('bound to large', async () => {
      const p = (await c.client.get(R.pods, 'default', 'big')) as Pod;
      return p.spec.nodeName ? p : undefined;
    });
    expect(bound.spec.nodeName).toBe('large');
    expect(getCondition(bound.status, 'PodScheduled')?.status).toBe('True');
  });

  it('accounts back-to-back bindings before the cache catches up (no overcommit)', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'n1', cpu: '2', leaseRenewMs: 200 });
    await c.node({ name: 'n2', cpu: '2', leaseRenewMs: 200 });
    const scheduler = new Scheduler({
      client: c.client,
      informers: c.informers,
      recorder: c.recorder,
      retryUnschedulableMs: 100,
    });
    for (let i = 0; i < 6; i++) {
      await c.client.create(R.pods, podBody(`w${i}`, {}, '1'));
    }
    await c.run(scheduler);
    await until('4 pods bound, 2 unschedulable', async () => {
      const ps = (await listPods(c.client)) as Pod[];
      const bound = ps.filter((p) => p.spec.nodeName).length;
      const unsched = ps.filter((p) => getCondition(p.status, 'PodScheduled')?.status === 'False').length;
      return bound === 4 && unsched === 2;
    });
    const ps = (await listPods(c.client)) as Pod[];
    expect(ps.filter((p) => p.spec.nodeName === 'n1')).toHaveLength(2);
    expect(ps.filter((p) => p.spec.nodeName === 'n2')).toHaveLength(2);
    // deleting a bound pod frees room: one waiting pod gets it
    const victim = ps.find((p) => p.spec.nodeName === 'n1')!;
    await c.client.delete(R.pods, 'default', victim.metadata.name!);
    await until('a waiting pod bound to n1', async () => {
      const now = (await listPods(c.client)) as Pod[];
      return (
        now.filter((p) => p.spec.nodeName === 'n1' && !p.metadata.deletionTimestamp).length === 2 &&
        now.filter((p) => p.spec.nodeName).length === 4
      );
    });
  });

  it('does not schedule onto a node that is not Ready', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    const a = await c.node({ name: 'down', leaseRenewMs: 200 });
    await a.setReady(false);
    await c.run(
      new Scheduler({
        client: c.client,
        informers: c.informers,
        recorder: c.recorder,
        retryUnschedulableMs: 100,
      }),
    );
    await c.client.create(R.pods, podBody('p'));
    const cond = await until('unschedulable', async () => {
      const p = (await c.client.get(R.pods, 'default', 'p')) as Pod;
      const s = getCondition(p.status, 'PodScheduled');
      return s?.status === 'False' ? s : undefined;
    });
    expect(cond.message).toBe(
      '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
    );
    await a.setReady(true);
    await until(
      'bound after Ready',
      async () => ((await c.client.get(R.pods, 'default', 'p')) as Pod).spec.nodeName === 'down',
    );
  });
});
