import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { DaemonSetController } from '../../../src/cluster/controllers/daemonset.js';
import {
  type DaemonSetAction,
  planDaemonSet,
  resolveIntOrPercent,
} from '../../../src/cluster/controllers/daemonset-plan.js';
import { daemonNodeFit } from '../../../src/cluster/controllers/node-eligibility.js';
import { REVISION_HASH_LABEL, templateHash } from '../../../src/cluster/controllers/pod-template.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { type Harness, newHarness, waitFor } from './core-harness.js';

const NOW = new Date('2024-05-01T10:00:00Z');
const TEMPLATE = {
  metadata: { labels: { app: 'agent' } },
  spec: { containers: [{ name: 'c', image: 'agent:1' }] },
};

function ds(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: TEMPLATE,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...spec,
    },
    status,
  };
}

function node(name: string, extra: { labels?: Record<string, string>; taints?: unknown[] } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: extra.taints ? { taints: extra.taints } : {},
  };
}

let seq = 0;
function pod(
  nodeName: string,
  opts: { hash?: string; ready?: boolean; phase?: string; deleting?: boolean } = {},
): Pod {
  seq++;
  const ready = opts.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `agent-${seq}`,
      namespace: 'kube-system',
      uid: `p${seq}`,
      creationTimestamp: `2024-05-01T09:${String(seq % 60).padStart(2, '0')}:00Z`,
      labels: { app: 'agent', [REVISION_HASH_LABEL]: opts.hash ?? 'h1' },
      ...(opts.deleting ? { deletionTimestamp: '2024-05-01T10:00:00Z' } : {}),
    },
    spec: { nodeName, containers: [{ name: 'c' }] },
    status: {
      phase: (opts.phase ?? (ready ? 'Running' : 'Pending')) as any,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

const summary = (as: readonly DaemonSetAction[]) =>
  as
    .filter((a) => a.kind !== 'updateStatus')
    .map((a) =>
      a.kind === 'createPod'
        ? `+${a.node}`
        : a.kind === 'deletePod'
          ? `-${a.pod.spec.nodeName}:${a.reason}`
          : '',
    );
const statusOf = (as: readonly DaemonSetAction[]) =>
  (as.find((a) => a.kind === 'updateStatus') as { status: any } | undefined)?.status;

describe('planDaemonSet', () => {
  const nodes = [node('n1'), node('n2'), node('n3')];

  it('creates one pod per node, placed by nodeName, with the daemon tolerations and the revision hash', () => {
    const as = planDaemonSet(ds(), nodes, [], 'h1', NOW);
    expect(summary(as)).toEqual(['+n1', '+n2', '+n3']);
    const p = (as[0] as { pod: Pod }).pod;
    expect(p.spec.nodeName).toBe('n1');
    expect(p.metadata.labels).toEqual({ app: 'agent', [REVISION_HASH_LABEL]: 'h1' });
    expect(p.spec.tolerations).toContainEqual({
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
    });
    expect(statusOf(as)).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 0,
      numberUnavailable: 3,
      observedGeneration: 2,
    });
  });

  it('honours nodeSelector, node affinity and taints (NoSchedule blocks new pods, NoExecute evicts)', () => {
    const spec = (extra: Record<string, unknown>) => ({ ...TEMPLATE.spec, ...extra }) as any;
    expect(daemonNodeFit(spec({ nodeSelector: { disk: 'ssd' } }), node('a')).shouldRun).toBe(false);
    expect(
      daemonNodeFit(spec({ nodeSelector: { disk: 'ssd' } }), node('a', { labels: { disk: 'ssd' } }))
        .shouldRun,
    ).toBe(true);
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
        },
      },
    };
    expect(daemonNodeFit(spec({ affinity }), node('x', { labels: { zone: 'c' } })).shouldRun).toBe(false);
    expect(daemonNodeFit(spec({ affinity }), node('x', { labels: { zone: 'b' } })).shouldRun).toBe(true);
    expect(
      daemonNodeFit(
        spec({}),
        node('t', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      ),
    ).toEqual({
      shouldRun: false,
      shouldContinueRunning: true,
    });
    expect(
      daemonNodeFit(
        spec({}),
        node('t', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }),
      ).shouldRun,
    ).toBe(true);
    const tolerated = spec({
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
    });
    expect(
      daemonNodeFit(
        tolerated,
        node('t', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      ).shouldRun,
    ).toBe(true);

    const tainted = [node('n1'), node('n2', { taints: [{ key: 'gone', effect: 'NoExecute' }] })];
    expect(summary(planDaemonSet(ds(), tainted, [pod('n1'), pod('n2')], 'h1', NOW))).toEqual([
      '-n2:misscheduled',
    ]);
  });

  it('removes duplicates, pods of vanished nodes and failed pods', () => {
    const as = planDaemonSet(
      ds(),
      [node('n1'), node('n2')],
      [pod('n1'), pod('n1'), pod('gone'), pod('n2', { phase: 'Failed', ready: false })],
      'h1',
      NOW,
    );
    expect(summary(as).sort()).toEqual(['+n2', '-gone:orphaned', '-n1:duplicate', '-n2:failed']);
  });

  it('waits for a terminating pod before placing its replacement', () => {
    expect(summary(planDaemonSet(ds(), [node('n1')], [pod('n1', { deleting: true })], 'h1', NOW))).toEqual(
      [],
    );
  });

  it('rolls out at most maxUnavailable at a time', () => {
    const old = [pod('n1', { hash: 'h0' }), pod('n2', { hash: 'h0' }), pod('n3', { hash: 'h0' })];
    expect(summary(planDaemonSet(ds(), nodes, old, 'h1', NOW))).toEqual(['-n1:update']);
    // one node already without a pod: no budget left for another
    expect(summary(planDaemonSet(ds(), nodes, old.slice(1), 'h1', NOW))).toEqual(['+n1']);
    // an unavailable old pod goes at no cost
    const sick = [
      pod('n1', { hash: 'h0', ready: false }),
      pod('n2', { hash: 'h0' }),
      pod('n3', { hash: 'h0' }),
    ];
    expect(summary(planDaemonSet(ds(), nodes, sick, 'h1', NOW))).toEqual(['-n1:update']);
    const half = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } });
    expect(summary(planDaemonSet(half, nodes, old, 'h1', NOW))).toEqual(['-n1:update', '-n2:update']);
    expect(
      summary(planDaemonSet(ds({ updateStrategy: { type: 'OnDelete' } }), nodes, old, 'h1', NOW)),
    ).toEqual([]);
    expect(resolveIntOrPercent('25%', 10, true)).toBe(3);
  });

  it('plans nothing for a converged DaemonSet', () => {
    const pods = [pod('n1'), pod('n2'), pod('n3')];
    const st = statusOf(planDaemonSet(ds(), nodes, pods, 'h1', NOW));
    expect(st).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      numberMisscheduled: 0,
    });
    expect(planDaemonSet(ds({}, st), nodes, pods, 'h1', NOW)).toEqual([]);
  });

  it('hashes templates stably', () => {
    expect(templateHash({ a: 1, b: [1, 2] })).toBe(templateHash({ b: [1, 2], a: 1 }));
    expect(templateHash(TEMPLATE)).not.toBe(templateHash(TEMPLATE, 1));
    expect(templateHash(TEMPLATE)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});

describe('DaemonSetController (registry + informers + fake nodes)', () => {
  let h: Harness;
  const nodes: FakeNode[] = [];
  beforeEach(async () => {
    h = await newHarness();
  });
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await n.stop();
    }
    await h.stop();
  });

  it('places one pod per node, follows new nodes, and rolls a new template out', async () => {
    nodes.push(
      await startFakeNode(h.client, { name: 'node-1' }),
      await startFakeNode(h.client, { name: 'node-2' }),
    );
    const c = new DaemonSetController({ client: h.client, informers: h.informers });
    await h.informers.start();
    h.run(c.start());
    await h.client.create(R.daemonsets, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: TEMPLATE },
    });
    const get = () => h.client.get(R.daemonsets, 'kube-system', 'agent');
    const podsByNode = async () =>
      (await h.client.list(R.pods, { namespace: 'kube-system' })).items.map((p) => p.spec.nodeName).sort();
    await waitFor('2 ready', async () => (await get()).status?.numberReady === 2);
    expect(await podsByNode()).toEqual(['node-1', 'node-2']);

    nodes.push(await startFakeNode(h.client, { name: 'node-3' }));
    const st = await waitFor('3 ready', async () =>
      (await get()).status?.numberAvailable === 3 ? (await get()).status : undefined,
    );
    expect(st).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberMisscheduled: 0,
    });
    expect(await podsByNode()).toEqual(['node-1', 'node-2', 'node-3']);
    const before = (await h.client.list(R.pods, { namespace: 'kube-system' })).items[0]!.metadata.labels?.[
      REVISION_HASH_LABEL
    ];

    await h.client.patch(R.daemonsets, 'kube-system', 'agent', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:2' }] } } },
    });
    await waitFor('rolled out', async () => {
      const pods = (await h.client.list(R.pods, { namespace: 'kube-system' })).items;
      const s = (await get()).status;
      return (
        pods.length === 3 &&
        pods.every((p) => p.spec.containers[0]?.image === 'agent:2' && p.status?.phase === 'Running') &&
        s?.updatedNumberScheduled === 3 &&
        s.numberAvailable === 3
      );
    });
    const after = (await h.client.list(R.pods, { namespace: 'kube-system' })).items[0]!.metadata.labels?.[
      REVISION_HASH_LABEL
    ];
    expect(after).not.toBe(before);
    const revs = (await h.client.list(R.controllerrevisions, { namespace: 'kube-system' })).items;
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect(await podsByNode()).toEqual(['node-1', 'node-2', 'node-3']);
  });
});
