import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import {
  claimPods,
  compareForDeletion,
  planReplicaSet,
  replicaSetStatus,
  replicaSetStatusChanged,
} from '../../../src/cluster/controllers/replicaset-plan.js';

const NOW = new Date('2024-05-01T12:00:00Z');

function rs(
  replicas: number,
  extra: { minReadySeconds?: number; deleting?: boolean; status?: unknown } = {},
): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'rs-uid',
      generation: 3,
      ...(extra.deleting ? { deletionTimestamp: '2024-05-01T11:00:00Z' } : {}),
    },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds ?? 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'fe' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    },
    status: extra.status ?? {},
  };
}

interface PodOpts {
  owner?: string | null;
  labels?: Record<string, string>;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  created?: string;
  deleting?: boolean;
  restarts?: number;
}

function pod(name: string, o: PodOpts = {}): Pod {
  const owner = o.owner === undefined ? 'rs-uid' : o.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: o.created ?? '2024-05-01T10:00:00Z',
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: owner, controller: true },
            ],
          }
        : {}),
      ...(o.deleting ? { deletionTimestamp: '2024-05-01T11:59:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'i' }],
      ...(o.node === undefined ? { nodeName: 'n1' } : o.node ? { nodeName: o.node } : {}),
    },
    status: {
      phase: (o.phase ?? 'Running') as never,
      conditions: [
        {
          type: 'Ready',
          status: o.ready === false ? 'False' : 'True',
          lastTransitionTime: o.readySince ?? '2024-05-01T10:00:00Z',
        },
      ],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('planReplicaSet', () => {
  it('plans nothing for a converged ReplicaSet (do-nothing)', () => {
    const pods = [pod('a'), pod('b'), pod('c')];
    expect(planReplicaSet({ rs: rs(3), pods })).toEqual([]);
    const { status } = replicaSetStatus(rs(3), pods, NOW);
    expect(replicaSetStatusChanged({ ...rs(3), status }, status)).toBe(false);
  });

  it.each([
    { replicas: 5, have: 2, want: { kind: 'create', count: 3 } },
    { replicas: 0, have: 0, want: undefined },
    { replicas: 1000, have: 0, want: { kind: 'create', count: 500 } },
  ])(
    'creates the missing pods (bounded burst): $replicas wanted, $have present',
    ({ replicas, have, want }) => {
      const pods = Array.from({ length: have }, (_, i) => pod(`p${i}`));
      const actions = planReplicaSet({ rs: rs(replicas), pods });
      expect(actions[0]).toEqual(want);
    },
  );

  it('ignores terminal pods, pods being deleted, deletions in flight and pods of other controllers', () => {
    const pods = [
      pod('done', { phase: 'Succeeded' }),
      pod('failed', { phase: 'Failed' }),
      pod('going', { deleting: true }),
      pod('inflight'),
      pod('foreign', { owner: 'other-uid' }),
      pod('ok'),
    ];
    const actions = planReplicaSet({ rs: rs(3), pods, deleting: new Set(['uid-inflight']) });
    expect(actions).toEqual([{ kind: 'create', count: 2 }]);
    const { status } = replicaSetStatus(
      rs(3),
      claimPods(rs(3), pods).owned,
      NOW,
      undefined,
      new Set(['uid-inflight']),
    );
    expect(status.replicas).toBe(1);
  });

  it('adopts matching orphans and releases owned pods that no longer match', () => {
    const orphan = pod('orphan', { owner: null });
    const orphanOther = pod('stranger', { owner: null, labels: { app: 'db' } });
    const strayed = pod('strayed', { labels: { app: 'web2' } });
    const actions = planReplicaSet({ rs: rs(2), pods: [orphan, orphanOther, strayed, pod('a')] });
    expect(actions).toEqual([
      { kind: 'adopt', pod: orphan },
      { kind: 'release', pod: strayed },
    ]);
  });

  it('neither adopts nor scales while the ReplicaSet is being deleted', () => {
    const actions = planReplicaSet({ rs: rs(5, { deleting: true }), pods: [pod('orphan', { owner: null })] });
    expect(actions).toEqual([]);
  });

  it('deletes unscheduled, then pending, then not-ready, then most recently ready pods first', () => {
    const pods = [
      pod('old-ready', { readySince: '2024-05-01T08:00:00Z' }),
      pod('new-ready', { readySince: '2024-05-01T11:00:00Z' }),
      pod('not-ready', { ready: false }),
      pod('pending', { phase: 'Pending', ready: false }),
      pod('unscheduled', { node: '', phase: 'Pending', ready: false }),
    ];
    const order = (n: number) => {
      const a = planReplicaSet({ rs: rs(5 - n), pods });
      return a[0]?.kind === 'delete' ? a[0].pods.map((p) => p.metadata.name) : [];
    };
    expect(order(1)).toEqual(['unscheduled']);
    expect(order(4)).toEqual(['unscheduled', 'pending', 'not-ready', 'new-ready']);
    expect(order(5)).toEqual(['unscheduled', 'pending', 'not-ready', 'new-ready', 'old-ready']);
  });

  it('prefers deleting pods with more restarts, then newer pods', () => {
    const a = pod('a', { restarts: 3 });
    const b = pod('b', { created: '2024-05-01T11:00:00Z' });
    const c = pod('c');
    expect([c, b, a].sort(compareForDeletion).map((p) => p.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('always moves the active count to spec.replicas (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (want, have) => {
        const pods = Array.from({ length: have }, (_, i) => pod(`p${i}`));
        const actions = planReplicaSet({ rs: rs(want), pods });
        const created = actions.reduce((n, a) => n + (a.kind === 'create' ? a.count : 0), 0);
        const deleted = actions.reduce((n, a) => n + (a.kind === 'delete' ? a.pods.length : 0), 0);
        return have + created - deleted === want && (created === 0 || deleted === 0);
      }),
    );
  });
});

describe('replicaSetStatus', () => {
  it('counts replicas, fully labeled, ready and available pods', () => {
    const pods = [pod('a'), pod('b', { labels: { app: 'web' } }), pod('c', { ready: false })];
    const { status, requeueAfterMs } = replicaSetStatus(rs(3), pods, NOW);
    expect(status).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 3,
    });
    expect(requeueAfterMs).toBeUndefined();
  });

  it('counts a pod available only after minReadySeconds and asks to be called back then', () => {
    const pods = [
      pod('a', { readySince: '2024-05-01T11:59:50Z' }),
      pod('b', { readySince: '2024-05-01T11:00:00Z' }),
    ];
    const { status, requeueAfterMs } = replicaSetStatus(rs(2, { minReadySeconds: 30 }), pods, NOW);
    expect(status.readyReplicas).toBe(2);
    expect(status.availableReplicas).toBe(1);
    expect(requeueAfterMs).toBe(20_000);
  });

  it('sets ReplicaFailure on a failed create and clears it once creates succeed', () => {
    const failure = { reason: 'FailedCreate' as const, message: 'pods "web-x" is forbidden: exceeded quota' };
    const { status } = replicaSetStatus(rs(2), [], NOW, failure);
    expect(status.conditions).toEqual([
      { type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', ...failure },
    ]);
    const later = new Date('2024-05-01T12:05:00Z');
    const again = replicaSetStatus(rs(2, { status }), [], later, {
      ...failure,
      message: 'pods "web-y" is forbidden',
    }).status;
    expect(again.conditions).toEqual(status.conditions); // a standing failure is not rewritten on each retry
    const cleared = replicaSetStatus(rs(2, { status }), [pod('a'), pod('b')], later).status;
    expect(cleared.conditions).toBeUndefined();
    expect(replicaSetStatusChanged(rs(2, { status }), cleared)).toBe(true);
  });
});
