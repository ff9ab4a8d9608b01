// The Rollout view model: roles per revision, step, weights, pods, ordering (pure).
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { describeStep, rolloutView } from '../../src/rollout/view.js';

const uid = 'ro-uid';

function rs(name: string, hash: string, rev: number, desired: number, ready: number, image: string): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { 'rollouts-pod-template-hash': hash },
      annotations: { 'rollout.argoproj.io/revision': String(rev) },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'shop', uid }],
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: { replicas: desired, template: { spec: { containers: [{ name: 'c', image }] } } },
    status: { readyReplicas: ready, availableReplicas: ready },
  };
}

function pod(name: string, owner: string, ready: boolean, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}` }],
    },
    spec: { nodeName: 'n1' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'c', restartCount: 2, ...extra }],
    },
  };
}

const canary: KObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'shop', namespace: 'default', uid, generation: 3 },
  spec: {
    replicas: 5,
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: { duration: '30s' } }],
      },
    },
  },
  status: {
    phase: 'Paused',
    message: 'CanaryPauseStep',
    stableRS: 'aaa',
    currentPodHash: 'bbb',
    currentStepIndex: 1,
    pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }],
    observedGeneration: '3',
    replicas: 5,
    updatedReplicas: 1,
    readyReplicas: 5,
    availableReplicas: 5,
  },
};

describe('rolloutView', () => {
  it('shows a paused canary: step, weights, roles, revisions newest first with their pods', () => {
    const v = rolloutView(
      canary,
      [rs('shop-aaa', 'aaa', 1, 4, 4, 'shop:v1'), rs('shop-bbb', 'bbb', 2, 1, 1, 'shop:v2')],
      [
        pod('shop-bbb-x', 'shop-bbb', true),
        pod('shop-aaa-y', 'shop-aaa', false, { state: { waiting: { reason: 'CrashLoopBackOff' } } }),
      ],
    );
    expect(v).toMatchObject({
      name: 'shop',
      namespace: 'default',
      strategy: 'canary',
      status: 'Paused',
      message: 'CanaryPauseStep',
      paused: true,
      aborted: false,
      observed: true,
      step: { index: 1, total: 4, description: 'pause' },
      setWeight: 20,
      actualWeight: 20,
      desired: 5,
      updated: 1,
    });
    expect(v.revisions.map((r) => [r.revision, r.replicaSet, r.roles, r.desired, r.ready, r.images])).toEqual(
      [
        [2, 'shop-bbb', ['canary'], 1, 1, ['shop:v2']],
        [1, 'shop-aaa', ['stable'], 4, 4, ['shop:v1']],
      ],
    );
    expect(v.revisions[0]?.pods).toEqual([
      { name: 'shop-bbb-x', phase: 'Running', ready: true, restarts: 2, node: 'n1' },
    ]);
    expect(v.revisions[1]?.pods[0]).toMatchObject({ phase: 'CrashLoopBackOff', ready: false });
  });

  it('shows blue/green services and active/preview roles; ignores ReplicaSets it does not own', () => {
    const bg: KObject = {
      ...canary,
      spec: { replicas: 2, strategy: { blueGreen: { activeService: 'a', previewService: 'p' } } },
      status: {
        phase: 'Healthy',
        stableRS: 'aaa',
        blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
        observedGeneration: '2',
      },
    };
    const stranger = {
      ...rs('other', 'ccc', 9, 1, 1, 'x'),
      metadata: { ...rs('other', 'ccc', 9, 1, 1, 'x').metadata, ownerReferences: [] },
    };
    const v = rolloutView(
      bg,
      [rs('shop-aaa', 'aaa', 1, 2, 2, 'shop:v1'), rs('shop-bbb', 'bbb', 2, 2, 0, 'shop:v2'), stranger],
      [],
    );
    expect(v.strategy).toBe('blueGreen');
    expect(v.step).toBeUndefined();
    expect(v.observed).toBe(false);
    expect([v.activeService, v.previewService]).toEqual(['a', 'p']);
    expect(v.revisions.map((r) => [r.replicaSet, r.roles, r.status])).toEqual([
      ['shop-bbb', ['preview'], 'Progressing'],
      ['shop-aaa', ['stable', 'active'], 'Healthy'],
    ]);
  });

  it('describes steps', () => {
    expect(describeStep({ setWeight: 40 })).toBe('setWeight 40');
    expect(describeStep({ pause: { duration: 30 } })).toBe('pause 30s');
    expect(describeStep({ pause: { duration: '1m' } })).toBe('pause 1m');
    expect(describeStep(undefined)).toBe('done');
  });
});
