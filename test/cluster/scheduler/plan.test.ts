import { describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import { type NodeInfo, SchedulerCache } from '../../../src/cluster/scheduler/cache.js';
import {
  compareForScheduling,
  planScheduling,
  type SchedulingAction,
  spreadScore,
  unschedulableMessage,
} from '../../../src/cluster/scheduler/plan.js';

function node(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: number;
    ready?: boolean;
    labels?: Record<string, string>;
    taints?: unknown[];
    unschedulable?: boolean;
  } = {},
): KObject {
  const res = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: String(opts.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: opts.labels ?? {} },
    spec: {
      ...(opts.taints ? { taints: opts.taints } : {}),
      ...(opts.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      allocatable: res,
      capacity: res,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

let seq = 0;
function pod(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    owner?: string;
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: unknown[];
    created?: string;
    priority?: number;
    affinity?: unknown;
  } = {},
): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}-${seq}`,
      creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z',
      ...(opts.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: opts.owner,
                uid: opts.owner,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'x',
          ...(opts.cpu || opts.memory
            ? {
                resources: {
                  requests: {
                    ...(opts.cpu ? { cpu: opts.cpu } : {}),
                    ...(opts.memory ? { memory: opts.memory } : {}),
                  },
                },
              }
            : {}),
        },
      ],
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
      ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      ...(opts.affinity ? { affinity: opts.affinity } : {}),
    },
    status: { phase: opts.nodeName ? 'Running' : 'Pending' },
  };
}

function cacheWith(nodes: KObject[], bound: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) {
    c.setNode(n);
  }
  for (const p of bound) {
    c.updatePod(p);
  }
  return c;
}

function placements(actions: SchedulingAction[]): Record<string, string> {
  return Object.fromEntries(
    actions.map((a) => [a.pod.metadata.name, a.kind === 'bind' ? a.node : `!${a.message}`]),
  );
}

describe('planScheduling', () => {
  it('plans nothing when no pod is pending (converged)', () => {
    const c = cacheWith([node('a'), node('b')], [pod('p1', { nodeName: 'a' })]);
    expect(planScheduling([], c.nodeInfos())).toEqual([]);
  });

  it('filters unready, cordoned, tainted, mismatched and full nodes with kube-scheduler reasons', () => {
    const c = cacheWith([
      node('n1', { ready: false }),
      node('n2', { unschedulable: true }),
      node('n3', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      node('n4', { labels: { disk: 'hdd' } }),
      node('n5', { cpu: '1' }),
      node('n6', { cpu: '1', memory: '1Gi' }),
    ]);
    const [a] = planScheduling(
      [pod('p', { cpu: '2', memory: '2Gi', nodeSelector: { disk: 'hdd' } })],
      c.nodeInfos(),
    );
    expect(a).toMatchObject({ kind: 'bind', node: 'n4' });
    const [d] = planScheduling([pod('r', { cpu: '8', memory: '2Gi' })], c.nodeInfos());
    expect(d?.kind === 'unschedulable' && d.message).toBe(
      '0/6 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: db}, ' +
        '1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable, 3 Insufficient cpu.',
    );
  });

  it('reports the selector and resource reasons in the documented message shape', () => {
    const c = cacheWith([
      node('a', { cpu: '1', labels: { zone: 'y' } }),
      node('b', { labels: { zone: 'x' } }),
      node('c', { labels: { zone: 'x' } }),
    ]);
    const [a] = planScheduling([pod('p', { cpu: '2', nodeSelector: { zone: 'y' } })], c.nodeInfos());
    expect(a?.kind === 'unschedulable' && a.message).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.",
    );
    expect(unschedulableMessage(0, {})).toMatch(/^0\/0 nodes are available/);
  });

  it('honours tolerations and required node affinity', () => {
    const c = cacheWith([
      node('t', { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }], labels: { kind: 'gpu' } }),
      node('u', { labels: { kind: 'cpu' } }),
    ]);
    const tolerating = pod('p', {
      tolerations: [{ key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }],
      nodeSelector: { kind: 'gpu' },
    });
    expect(planScheduling([tolerating], c.nodeInfos())[0]).toMatchObject({ kind: 'bind', node: 't' });
    const exists = pod('q', { tolerations: [{ operator: 'Exists' }], nodeSelector: { kind: 'gpu' } });
    expect(planScheduling([exists], c.nodeInfos())[0]).toMatchObject({ kind: 'bind', node: 't' });
    const wrongValue = pod('r', {
      tolerations: [{ key: 'gpu', operator: 'Equal', value: 'no' }],
      nodeSelector: { kind: 'gpu' },
    });
    expect(planScheduling([wrongValue], c.nodeInfos())[0]?.kind).toBe('unschedulable');
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kind', operator: 'In', values: ['cpu', 'arm'] }] },
          ],
        },
      },
    };
    expect(planScheduling([pod('s', { affinity })], c.nodeInfos())[0]).toMatchObject({
      kind: 'bind',
      node: 'u',
    });
  });

  it('counts bound pods against allocatable, including the pods limit', () => {
    const c = cacheWith(
      [node('a', { cpu: '2', pods: 2 }), node('b', { cpu: '2' })],
      [pod('x', { nodeName: 'a', cpu: '1500m' }), pod('y', { nodeName: 'b', cpu: '100m' })],
    );
    expect(planScheduling([pod('p', { cpu: '1' })], c.nodeInfos())[0]).toMatchObject({ node: 'b' });
    const full = cacheWith([node('a', { pods: 1 })], [pod('x', { nodeName: 'a' })]);
    const [r] = planScheduling([pod('p')], full.nodeInfos());
    expect(r?.kind === 'unschedulable' && r.message).toBe('0/1 nodes are available: 1 Too many pods.');
  });

  it('accounts its own choices within one plan (no overcommit in a batch)', () => {
    const c = cacheWith([node('a', { cpu: '2' }), node('b', { cpu: '2' })]);
    const pods = ['p1', 'p2', 'p3', 'p4', 'p5'].map((n) => pod(n, { cpu: '1' }));
    const actions = planScheduling(pods, c.nodeInfos());
    const bound = actions.filter((a) => a.kind === 'bind');
    expect(bound).toHaveLength(4);
    const perNode = (n: string) => bound.filter((a) => a.kind === 'bind' && a.node === n).length;
    expect(perNode('a')).toBe(2);
    expect(perNode('b')).toBe(2);
    expect(actions.filter((a) => a.kind === 'unschedulable')).toHaveLength(1);
  });

  it('spreads pods of one owner and breaks ties by node name', () => {
    const c = cacheWith([node('b'), node('a'), node('c')]);
    const pods = [1, 2, 3, 4, 5, 6].map((i) =>
      pod(`web-${i}`, { owner: 'rs-1', created: `2024-01-01T00:00:0${i}Z` }),
    );
    const placed = placements(planScheduling(pods, c.nodeInfos()));
    expect(placed).toEqual({
      'web-1': 'a',
      'web-2': 'b',
      'web-3': 'c',
      'web-4': 'a',
      'web-5': 'b',
      'web-6': 'c',
    });
  });

  it('prefers nodes with fewer pods of the same owner even when they are busier', () => {
    const bound = [
      pod('w1', { owner: 'rs', nodeName: 'a' }),
      pod('w2', { owner: 'rs', nodeName: 'a' }),
      pod('o1', { nodeName: 'b', cpu: '1' }),
    ];
    const c = cacheWith([node('a'), node('b')], bound);
    expect(planScheduling([pod('w3', { owner: 'rs' })], c.nodeInfos())[0]).toMatchObject({ node: 'b' });
    expect(spreadScore(0, 2)).toBe(100);
    expect(spreadScore(2, 2)).toBe(0);
    expect(spreadScore(0, 0)).toBe(100);
  });

  it('orders by priority, then age, then name', () => {
    const a = pod('a', { created: '2024-01-01T00:00:02Z' });
    const b = pod('b', { created: '2024-01-01T00:00:01Z' });
    const hi = pod('z', { created: '2024-01-01T00:00:09Z', priority: 10 });
    expect([a, b, hi].sort(compareForScheduling).map((p) => p.metadata.name)).toEqual(['z', 'b', 'a']);
  });

  it('plans 1,000 pods over 50 nodes without quadratic blow-up', () => {
    const nodes = Array.from({ length: 50 }, (_, i) =>
      node(`node-${String(i).padStart(2, '0')}`, { cpu: '64', memory: '256Gi' }),
    );
    const c = cacheWith(nodes);
    const pods = Array.from({ length: 1000 }, (_, i) =>
      pod(`p-${i}`, { owner: `rs-${i % 10}`, cpu: '100m', memory: '128Mi' }),
    );
    const t0 = performance.now();
    const actions = planScheduling(pods, c.nodeInfos());
    const ms = performance.now() - t0;
    console.log(`planScheduling: 1000 pods × 50 nodes in ${ms.toFixed(1)} ms`);
    expect(actions.every((a) => a.kind === 'bind')).toBe(true);
    const perNode = new Map<string, number>();
    const perOwnerNode = new Map<string, number>();
    for (const a of actions) {
      if (a.kind === 'bind') {
        perNode.set(a.node, (perNode.get(a.node) ?? 0) + 1);
        const k = `${a.pod.metadata.ownerReferences?.[0]?.uid}/${a.node}`;
        perOwnerNode.set(k, (perOwnerNode.get(k) ?? 0) + 1);
      }
    }
    expect(perNode.size).toBe(50);
    expect(Math.max(...perNode.values()) - Math.min(...perNode.values())).toBeLessThanOrEqual(1);
    // 100 pods per owner over 50 nodes: exactly 2 each
    expect([...perOwnerNode.values()].every((n) => n === 2)).toBe(true);
  });
});

describe('SchedulerCache', () => {
  it('keeps per-node accounting incrementally through assume, confirm, forget and delete', () => {
    const c = cacheWith([node('a', { cpu: '2' })]);
    const info = () => c.nodeInfo('a') as NodeInfo;
    const p = pod('p', { cpu: '500m', owner: 'rs' });
    c.assume(p, 'a');
    expect(info().requested).toEqual({ cpuMilli: 500, memoryBytes: 0, pods: 1 });
    expect(c.isAssumed(p.metadata.uid!)).toBe(true);
    // the informer still shows the pod unbound: the assumption stays
    c.updatePod(p);
    expect(info().requested.pods).toBe(1);
    // the binding shows up: confirmed, counted once
    c.updatePod({ ...p, spec: { ...p.spec, nodeName: 'a' } });
    expect(c.isAssumed(p.metadata.uid!)).toBe(false);
    expect(info().requested).toEqual({ cpuMilli: 500, memoryBytes: 0, pods: 1 });
    expect(info().ownerCounts.get('rs')).toBe(1);
    // terminal pods release their requests
    c.updatePod({ ...p, spec: { ...p.spec, nodeName: 'a' }, status: { phase: 'Succeeded' } });
    expect(info().requested.pods).toBe(0);
    expect(info().ownerCounts.size).toBe(0);
    const q = pod('q', { cpu: '1' });
    c.assume(q, 'a');
    c.forget(q.metadata.uid!);
    expect(info().requested.cpuMilli).toBe(0);
    const r = pod('r', { cpu: '1', nodeName: 'a' });
    c.updatePod(r);
    c.removePod(r);
    expect(info().requested).toEqual({ cpuMilli: 0, memoryBytes: 0, pods: 0 });
  });

  it('expires assumptions whose binding never showed up', () => {
    const c = cacheWith([node('a')]);
    const p = pod('p');
    c.assume(p, 'a');
    c.finishBinding(p.metadata.uid!, 1000);
    expect(c.expireAssumed(999)).toBe(0);
    expect(c.expireAssumed(1001)).toBe(1);
    expect(c.nodeInfo('a')?.requested.pods).toBe(0);
  });
});
