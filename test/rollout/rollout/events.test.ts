// What a Rollout status change reports (pure): Argo Rollouts' reasons and wording.
import { describe, expect, it } from 'vitest';
import { describeStep, rolloutTransition } from '../../../src/rollout/rollout/events.js';

const canary = {
  spec: {
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: { duration: '10s' } }],
      },
    },
  },
};
const completed = (v: 'True' | 'False') => [{ type: 'Completed', status: v }];

describe('rolloutTransition', () => {
  it('reports nothing for a converged status (do nothing)', () => {
    const s = { phase: 'Healthy', currentPodHash: 'a', currentStepIndex: 4, conditions: completed('True') };
    expect(rolloutTransition(canary, s, { ...s })).toEqual({ events: [], stepsCompleted: 0 });
  });

  it('reports a new pod template, and the phase change', () => {
    const t = rolloutTransition(
      canary,
      { phase: 'Healthy', currentPodHash: 'a', currentStepIndex: 4, conditions: completed('True') },
      { phase: 'Progressing', currentPodHash: 'b', currentStepIndex: 0, conditions: completed('False') },
      '2',
    );
    expect(t.events).toEqual([
      { type: 'Normal', reason: 'RolloutUpdated', message: 'Rollout updated to revision 2' },
    ]);
    expect(t.phase).toEqual({ from: 'Healthy', to: 'Progressing' });
    expect(t.stepsCompleted).toBe(0);
  });

  it('reports each completed step with its definition, then the pause', () => {
    const t = rolloutTransition(
      canary,
      { phase: 'Progressing', currentPodHash: 'b', currentStepIndex: 0, currentStepHash: 'h' },
      {
        phase: 'Paused',
        currentPodHash: 'b',
        currentStepIndex: 1,
        currentStepHash: 'h',
        pauseConditions: [{ reason: 'CanaryPauseStep' }],
      },
    );
    expect(t.events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'RolloutStepCompleted: Rollout step 1/4 completed (setWeight: 20)',
      'RolloutPaused: Rollout is paused (CanaryPauseStep)',
    ]);
    expect(t.stepsCompleted).toBe(1);
    const resumed = rolloutTransition(
      canary,
      { phase: 'Paused', currentPodHash: 'b', currentStepIndex: 1, currentStepHash: 'h' },
      { phase: 'Progressing', currentPodHash: 'b', currentStepIndex: 3, currentStepHash: 'h' },
    );
    expect(resumed.events.map((e) => e.message)).toEqual([
      'Rollout step 2/4 completed (pause: {})',
      'Rollout step 3/4 completed (setWeight: 40)',
      'Rollout is resumed',
    ]);
    expect(resumed.stepsCompleted).toBe(2);
  });

  it('counts no steps when the index moves because the template or the step list changed', () => {
    expect(
      rolloutTransition(
        canary,
        { currentPodHash: 'a', currentStepIndex: 0 },
        { currentPodHash: 'b', currentStepIndex: 2 },
      ).stepsCompleted,
    ).toBe(0);
    expect(
      rolloutTransition(
        canary,
        { currentPodHash: 'a', currentStepIndex: 0, currentStepHash: 'x' },
        { currentPodHash: 'a', currentStepIndex: 2, currentStepHash: 'y' },
      ).stepsCompleted,
    ).toBe(0);
  });

  it('reports an abort once it took effect (Warning), and completion', () => {
    const aborted = rolloutTransition(
      canary,
      { phase: 'Paused', currentPodHash: 'b', abort: true },
      { phase: 'Degraded', currentPodHash: 'b', abort: true },
      '3',
    );
    expect(aborted.events).toEqual([
      { type: 'Warning', reason: 'RolloutAborted', message: 'Rollout aborted update to revision 3' },
    ]);
    const again = rolloutTransition(
      canary,
      { phase: 'Degraded', abort: true },
      { phase: 'Degraded', abort: true },
    );
    expect(again.events).toEqual([]);
    const done = rolloutTransition(
      { spec: { strategy: { blueGreen: {} } } },
      { phase: 'Progressing', currentPodHash: 'b', conditions: completed('False') },
      {
        phase: 'Healthy',
        currentPodHash: 'b',
        conditions: completed('True'),
        blueGreen: { activeSelector: 'b' },
      },
      '2',
    );
    expect(done.events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'RolloutCompleted: Rollout completed update to revision 2: Completed blue-green update',
    ]);
  });

  it('describes steps as Argo prints them', () => {
    expect(describeStep({ setWeight: 40 })).toBe('setWeight: 40');
    expect(describeStep({ pause: {} })).toBe('pause: {}');
    expect(describeStep({ pause: { duration: '10s' } })).toBe('pause: {duration: 10s}');
  });
});
