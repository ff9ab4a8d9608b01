import { afterEach, describe, expect, it } from 'vitest';
import { getCondition } from '../../../src/api/pod-helpers.js';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import {
  NODE_STATUS_UNKNOWN_MESSAGE,
  NodeLifecycleController,
  planNodeLifecycle,
} from '../../../src/cluster/controllers/node-lifecycle.js';
import { ReplicaSetController } from '../../../src/cluster/controllers/replicaset.js';
import { Scheduler } from '../../../src/cluster/scheduler/index.js';
import { listPods, replicaSet, startTestCluster, type TestCluster, until } from './placement-harness.js';

const T0 = new Date('2024-05-01T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const UNREACHABLE = {
  key: 'node.kubernetes.io/unreachable',
  effect: 'NoExecute',
  timeAdded: '2024-05-01T12:00:40Z',
};

function node(o: { ready?: string; taints?: unknown[] } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    spec: o.taints ? { taints: o.taints } : {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: o.ready ?? 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: '2024-05-01T12:00:00Z',
        },
        { type: 'MemoryPressure', status: 'False' },
      ],
    },
  };
}

function pod(name: string, o: { phase?: string; tolerations?: unknown[] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c' }],
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    },
    status: { phase: (o.phase ?? 'Running') as never },
  };
}

const base = { lastRenewal: T0, gracePeriodMs: 40_000, evictionDelayMs: 5_000 };

describe('planNodeLifecycle', () => {
  it('does nothing while the lease is fresh, and asks to look again at the deadline', () => {
    const plan = planNodeLifecycle({ ...base, node: node(), pods: [pod('a')], now: at(10_000) });
    expect(plan).toEqual({ actions: [], requeueAfterMs: 30_001 });
  });

  it('marks a silent node Unknown and taints it unreachable, evicting only after the delay', () => {
    const plan = planNodeLifecycle({ ...base, node: node(), pods: [pod('a')], now: at(40_001) });
    expect(plan.actions.map((a) => a.kind)).toEqual(['markUnknown', 'taint']);
    const mark = plan.actions[0];
    expect(mark?.kind === 'markUnknown' && mark.conditions).toEqual([
      {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: NODE_STATUS_UNKNOWN_MESSAGE,
        lastHeartbeatTime: '2024-05-01T12:00:00Z',
        lastTransitionTime: '2024-05-01T12:00:40Z',
      },
      {
        type: 'MemoryPressure',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: NODE_STATUS_UNKNOWN_MESSAGE,
        lastTransitionTime: '2024-05-01T12:00:40Z',
      },
    ]);
    const taint = plan.actions[1];
    expect(taint?.kind === 'taint' && taint.taints).toEqual([UNREACHABLE]);
    expect(plan.requeueAfterMs).toBe(5_000);
  });

  it('evicts non-terminal pods once the delay passed, honouring tolerations', () => {
    const pods = [
      pod('web'),
      pod('done', { phase: 'Succeeded' }),
      pod('daemon', {
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
      }),
      pod('patient', { tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }),
    ];
    const n = node({ ready: 'Unknown', taints: [UNREACHABLE] });
    const plan = planNodeLifecycle({ ...base, node: n, pods, now: at(46_000) });
    expect(plan.actions).toEqual([{ kind: 'evict', pods: [pods[0]] }]);
    expect(plan.requeueAfterMs).toBe(54_000); // patient: 60 s after the taint
    const immediate = planNodeLifecycle({
      ...base,
      evictionDelayMs: 0,
      node: node(),
      pods: [pod('web')],
      now: at(40_001),
    });
    expect(immediate.actions.map((a) => a.kind)).toEqual(['markUnknown', 'taint', 'evict']);
  });

  it('plans nothing for a node already handled (do-nothing)', () => {
    const n = node({ ready: 'Unknown', taints: [UNREACHABLE] });
    expect(
      planNodeLifecycle({ ...base, node: n, pods: [pod('done', { phase: 'Failed' })], now: at(100_000) }),
    ).toEqual({ actions: [] });
  });

  it('removes the unreachable taint, and only it, once the lease is renewed', () => {
    const other = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
    const n = node({ ready: 'Unknown', taints: [other, UNREACHABLE] });
    const plan = planNodeLifecycle({ ...base, lastRenewal: at(90_000), node: n, pods: [], now: at(90_100) });
    expect(plan.actions).toEqual([{ kind: 'untaint', taints: [other] }]);
  });
});

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

describe('NodeLifecycleController (in-process cluster, fake nodes)', () => {
  it('marks a node that stops renewing NotReady and its pods are recreated on the other node', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'node-a', leaseRenewMs: 100 });
    const b = await c.node({ name: 'node-b', leaseRenewMs: 100 });
    await c.run(
      new NodeLifecycleController({
        client: c.client,
        informers: c.informers,
        recorder: c.recorder,
        gracePeriodMs: 600,
        evictionDelayMs: 0,
      }),
      new ReplicaSetController({ client: c.client, informers: c.informers }),
      new Scheduler({ client: c.client, informers: c.informers, retryUnschedulableMs: 200 }),
    );
    await c.client.create(R.replicasets, replicaSet('web', 4));
    const first = await until('4 running, 2 per node', async () => {
      const ps = (await listPods(c.client)) as Pod[];
      const running = ps.filter((p) => p.status?.phase === 'Running');
      return running.length === 4 && running.filter((p) => p.spec.nodeName === 'node-b').length === 2
        ? running
        : undefined;
    });
    const onB = first.filter((p) => p.spec.nodeName === 'node-b').map((p) => p.metadata.uid);

    await b.stop();
    const dead = await until('node-b Unknown and tainted', async () => {
      const n = await c.client.get(R.nodes, undefined, 'node-b');
      const ready = getCondition<{ type: string; status: string }>(n.status, 'Ready');
      return ready?.status === 'Unknown' &&
        (n.spec?.taints ?? []).some((t: { key: string }) => t.key === 'node.kubernetes.io/unreachable')
        ? n
        : undefined;
    });
    expect(getCondition<{ type: string; message?: string }>(dead.status, 'Ready')?.message).toBe(
      NODE_STATUS_UNKNOWN_MESSAGE,
    );
    const moved = await until('4 running on node-a', async () => {
      const ps = (await listPods(c.client)) as Pod[];
      return ps.length === 4 && ps.every((p) => p.spec.nodeName === 'node-a' && p.status?.phase === 'Running')
        ? ps
        : undefined;
    });
    expect(moved.some((p) => onB.includes(p.metadata.uid))).toBe(false);
    const a = await c.client.get(R.nodes, undefined, 'node-a');
    expect(getCondition<{ type: string; status: string }>(a.status, 'Ready')?.status).toBe('True');
    expect(a.spec?.taints).toBeUndefined();

    // the agent comes back: lease renewed, taint removed, Ready again
    await c.node({ name: 'node-b', leaseRenewMs: 100 });
    await until('node-b back', async () => {
      const n = await c.client.get(R.nodes, undefined, 'node-b');
      return (
        getCondition<{ type: string; status: string }>(n.status, 'Ready')?.status === 'True' &&
        !n.spec?.taints
      );
    });
  });
});
