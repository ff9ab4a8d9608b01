// The CLI's Rollout controls (merge patches), the canary step arithmetic, and do-nothing plans.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { canaryTargets, weightAt } from '../../../src/rollout/rollout/canary.js';
import {
  durationSeconds,
  ROLLOUT_HASH_LABEL,
  ROLLOUT_REVISION,
} from '../../../src/rollout/rollout/context.js';
import {
  abortRolloutPatch,
  mergeReplacing,
  pauseRolloutPatch,
  promoteRolloutPatch,
  RolloutControlError,
  restartRolloutPatch,
  retryRolloutPatch,
  undoRolloutPatch,
} from '../../../src/rollout/rollout/controls.js';
import { planRollout } from '../../../src/rollout/rollout/plan.js';
import { Simulator } from '../simulator.js';
import { convergeRollout, rollout, service } from './fixtures.js';

const steps = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }];

function withStatus(ro: KObject, status: Record<string, unknown>, paused = false): KObject {
  return { ...ro, spec: { ...ro.spec, ...(paused ? { paused: true } : {}) }, status };
}

describe('rollout controls', () => {
  const canary = rollout({ canary: { steps } });
  const bg = rollout({ blueGreen: { previewService: 'p' } });

  it('promote lifts a pause step, skips a step, or goes full', () => {
    const pausedAt1 = withStatus(canary, {
      currentStepIndex: 1,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: 'x' }],
    });
    expect(promoteRolloutPatch(pausedAt1, false)).toEqual({ status: { status: { pauseConditions: null } } });
    expect(promoteRolloutPatch(withStatus(canary, { currentStepIndex: 2 }), false)).toEqual({
      status: { status: { currentStepIndex: 3 } },
    });
    expect(promoteRolloutPatch(pausedAt1, true)).toEqual({
      status: { status: { promoteFull: true, pauseConditions: null } },
    });
    expect(promoteRolloutPatch(withStatus(bg, {}, true), false)).toEqual({
      main: { spec: { paused: false } },
    });
    expect(() => promoteRolloutPatch(withStatus(bg, {}), false)).toThrow(RolloutControlError);
    expect(() => promoteRolloutPatch(withStatus(canary, { abort: true }), false)).toThrow(/retry it first/);
  });

  it('abort, retry, pause, restart', () => {
    expect(abortRolloutPatch()).toEqual({ status: { status: { abort: true } } });
    expect(retryRolloutPatch()).toEqual({ status: { status: { abort: false } } });
    expect(pauseRolloutPatch()).toEqual({ main: { spec: { paused: true } } });
    expect(restartRolloutPatch(new Date('2024-05-01T10:00:00.123Z'))).toEqual({
      main: { spec: { restartAt: '2024-05-01T10:00:00Z' } },
    });
  });

  it('undo copies the previous revision template, hash label removed, fields it lacks nulled', () => {
    const ro = rollout();
    ro.spec.template.metadata.annotations = { restarted: 'now' };
    const rs = (rev: number, image: string): KObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `web-${rev}`,
        annotations: { [ROLLOUT_REVISION]: String(rev) },
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: 'web',
            uid: 'rollout-uid',
            controller: true,
          },
        ],
      },
      spec: {
        template: {
          metadata: { labels: { app: 'web', [ROLLOUT_HASH_LABEL]: `h${rev}` } },
          spec: { containers: [{ name: 'app', image }] },
        },
      },
    });
    const patch = undoRolloutPatch(ro, [rs(1, 'app:v1'), rs(2, 'app:v2'), rs(3, 'app:v3')]);
    expect(patch).toEqual({
      main: {
        spec: {
          template: {
            metadata: { annotations: null, labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'app:v2' }] },
          },
        },
      },
    });
    expect(
      (undoRolloutPatch(ro, [rs(1, 'app:v1'), rs(2, 'app:v2')], 1).main as any).spec.template.spec
        .containers[0].image,
    ).toBe('app:v1');
    expect(() => undoRolloutPatch(ro, [rs(1, 'app:v1')])).toThrow(/no previous revision/);
    expect(mergeReplacing({ a: 1, b: { c: 1, d: 2 } }, { b: { c: 3 } })).toEqual({
      a: null,
      b: { c: 3, d: null },
    });
  });
});

describe('canary arithmetic', () => {
  it('weights and replica targets', () => {
    expect([0, 1, 2, 3, 4].map((i) => weightAt(steps, i))).toEqual([25, 25, 50, 50, 100]);
    expect(weightAt([{ pause: {} }], 0)).toBe(0);
    expect(canaryTargets(4, 25)).toEqual({ newReplicas: 1, stableReplicas: 3 });
    expect(canaryTargets(5, 25)).toEqual({ newReplicas: 2, stableReplicas: 3 });
    expect(canaryTargets(3, 100)).toEqual({ newReplicas: 3, stableReplicas: 0 });
    expect(canaryTargets(3, 0)).toEqual({ newReplicas: 0, stableReplicas: 3 });
    expect([
      durationSeconds('30s'),
      durationSeconds('5m'),
      durationSeconds('1h'),
      durationSeconds(7),
      durationSeconds('x'),
    ]).toEqual([30, 300, 3600, 7, undefined]);
  });
});

describe('planRollout does nothing when converged', () => {
  it.each([
    ['canary', rollout({ canary: { steps } })],
    ['blueGreen', rollout({ blueGreen: { previewService: 'web-preview' } })],
  ])('%s', (_n, ro) => {
    const sim = new Simulator({ seed: 3, maxReadyDelay: 1 });
    sim.services.set('web-active', service('web-active'));
    sim.services.set('web-preview', service('web-preview'));
    convergeRollout(sim, ro);
    const plan = planRollout(ro, sim.rsList(), sim.podList(), [...sim.services.values()], sim.now);
    expect(plan).toEqual({ actions: [], status: ro.status });
    expect(ro.status).toMatchObject({ phase: 'Healthy', message: '' });
  });

  it('a missing active Service is Degraded with InvalidSpec', () => {
    const ro = rollout({ blueGreen: {} });
    const plan = planRollout(ro, [], [], [], new Date('2024-01-01T00:00:00Z'));
    expect(plan.status).toMatchObject({
      phase: 'Degraded',
      message: 'InvalidSpec: service "web-active" not found',
    });
  });
});
