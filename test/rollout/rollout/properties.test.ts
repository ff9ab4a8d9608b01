// Invariants of the Rollout strategies over random sizes and pod readiness (fast-check):
// blue/green only ever switches the active Service to a fully available ReplicaSet and converges
// (with or without manual promotion); canary keeps within maxSurge / maxUnavailable, holds each
// pause at its step's weight, and converges; converged states plan nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { resolveFenceposts } from '../../../src/rollout/common/int-or-percent.js';
import { canaryTargets, weightAt } from '../../../src/rollout/rollout/canary.js';
import { ROLLOUT_HASH_LABEL } from '../../../src/rollout/rollout/context.js';
import { abortRolloutPatch, promoteRolloutPatch } from '../../../src/rollout/rollout/controls.js';
import { planRollout } from '../../../src/rollout/rollout/plan.js';
import { Simulator } from '../simulator.js';
import { applyControls, convergeRollout, rollout, selectorOf, service, stepRollout } from './fixtures.js';

function newImage(ro: KObject, image: string): void {
  ro.spec.template.spec.containers[0].image = image;
  ro.metadata.generation = (ro.metadata.generation ?? 0) + 1;
}

function rsAvailable(sim: Simulator, hash: string): number {
  return sim.counts(0, (rs) => rs.metadata.labels?.[ROLLOUT_HASH_LABEL] === hash).available;
}

describe('blue/green invariants', () => {
  it('switches the active Service only to a fully available ReplicaSet, in one update, and converges', () => {
    fc.assert(
      fc.property(
        fc.record({
          replicas: fc.integer({ min: 1, max: 8 }),
          seed: fc.integer(),
          maxReadyDelay: fc.integer({ min: 0, max: 4 }),
          autoPromotionEnabled: fc.boolean(),
          previewReplicaCount: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
          scaleDownDelaySeconds: fc.integer({ min: 0, max: 5 }),
        }),
        (p) => {
          const sim = new Simulator({ seed: p.seed, maxReadyDelay: p.maxReadyDelay });
          sim.services.set('web-active', service('web-active'));
          sim.services.set('web-preview', service('web-preview'));
          const ro = rollout({
            replicas: p.replicas,
            blueGreen: {
              previewService: 'web-preview',
              autoPromotionEnabled: p.autoPromotionEnabled,
              scaleDownDelaySeconds: p.scaleDownDelaySeconds,
              ...(p.previewReplicaCount ? { previewReplicaCount: p.previewReplicaCount } : {}),
            },
          });
          convergeRollout(sim, ro);
          const v1 = selectorOf(sim, 'web-active');
          expect(v1).toBe(ro.status.currentPodHash);
          newImage(ro, 'app:v2');
          let switches = 0;
          convergeRollout(sim, ro, {
            hooks: {
              onSwitch(svc, from, to) {
                if (svc === 'web-active') {
                  switches++;
                  expect(from).toBe(v1);
                  expect(rsAvailable(sim, to)).toBeGreaterThanOrEqual(p.replicas);
                }
              },
            },
            each: () => {
              // the active Service always selects pods that are all there
              const active = selectorOf(sim, 'web-active') ?? '';
              expect(rsAvailable(sim, active)).toBeGreaterThanOrEqual(p.replicas);
              if (ro.status.pauseConditions) {
                expect(ro.status.phase).toBe('Paused');
                expect(selectorOf(sim, 'web-preview')).toBe(ro.status.currentPodHash);
                applyControls(ro, promoteRolloutPatch(ro, false));
              }
            },
          });
          expect(switches).toBe(1);
          expect(selectorOf(sim, 'web-active')).toBe(ro.status.currentPodHash);
          expect(ro.status).toMatchObject({ phase: 'Healthy', stableRS: ro.status.currentPodHash });
          const live = sim.rsList().filter((rs) => rs.spec.replicas > 0);
          expect(live.map((rs) => rs.spec.template.spec.containers[0].image)).toEqual(['app:v2']);
          expect(
            planRollout(ro, sim.rsList(), sim.podList(), [...sim.services.values()], sim.now).actions,
          ).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '25%', '50%'));

describe('canary invariants', () => {
  it('stays within surge/unavailable, holds pauses at their weight, converges', () => {
    fc.assert(
      fc.property(
        fc.record({
          replicas: fc.integer({ min: 1, max: 10 }),
          maxSurge: intOrPercent,
          maxUnavailable: intOrPercent,
          seed: fc.integer(),
          maxReadyDelay: fc.integer({ min: 0, max: 3 }),
          weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 0, maxLength: 4 }),
        }),
        (p) => {
          const sim = new Simulator({ seed: p.seed, maxReadyDelay: p.maxReadyDelay });
          const steps = p.weights.flatMap((w, i) => [
            { setWeight: w },
            { pause: i % 2 === 0 ? {} : { duration: 2 } },
          ]);
          const ro = rollout({
            replicas: p.replicas,
            canary: { maxSurge: p.maxSurge, maxUnavailable: p.maxUnavailable, steps },
          });
          convergeRollout(sim, ro);
          expect(ro.status).toMatchObject({ phase: 'Healthy' });
          expect(ro.status.currentStepIndex).toBe(steps.length > 0 ? steps.length : undefined);
          const fence = resolveFenceposts(p.maxSurge, p.maxUnavailable, p.replicas);
          newImage(ro, 'app:v2');
          const pausedAt: number[] = [];
          convergeRollout(sim, ro, {
            max: 500,
            each: () => {
              const { pods, available } = sim.counts();
              expect(pods).toBeLessThanOrEqual(p.replicas + fence.surge);
              expect(available).toBeGreaterThanOrEqual(p.replicas - fence.unavailable);
              if (ro.status.pauseConditions) {
                const index = ro.status.currentStepIndex;
                const want = canaryTargets(p.replicas, weightAt(steps, index)).newReplicas;
                expect(rsAvailable(sim, ro.status.currentPodHash)).toBe(want);
                if (steps[index]?.pause && !('duration' in (steps[index]?.pause ?? {}))) {
                  pausedAt.push(index);
                  applyControls(ro, promoteRolloutPatch(ro, false));
                }
              }
            },
          });
          expect(new Set(pausedAt).size).toBe(
            steps.filter((s) => s.pause && !('duration' in s.pause)).length,
          );
          expect(ro.status).toMatchObject({ phase: 'Healthy', stableRS: ro.status.currentPodHash });
          expect(planRollout(ro, sim.rsList(), sim.podList(), [], sim.now).actions).toEqual([]);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('abort rolls back to stable within the same bounds', () => {
    fc.assert(
      fc.property(
        fc.record({
          replicas: fc.integer({ min: 1, max: 10 }),
          maxSurge: intOrPercent,
          maxUnavailable: intOrPercent,
          seed: fc.integer(),
          weight: fc.integer({ min: 1, max: 100 }),
          // at least one pass: an abort applies to an update the controller has started
          abortAfter: fc.integer({ min: 1, max: 10 }),
        }),
        (p) => {
          const sim = new Simulator({ seed: p.seed, maxReadyDelay: 2 });
          const ro = rollout({
            replicas: p.replicas,
            canary: {
              maxSurge: p.maxSurge,
              maxUnavailable: p.maxUnavailable,
              steps: [{ setWeight: p.weight }, { pause: {} }],
            },
          });
          convergeRollout(sim, ro);
          const stable = ro.status.stableRS;
          const fence = resolveFenceposts(p.maxSurge, p.maxUnavailable, p.replicas);
          newImage(ro, 'app:v2');
          const bounds = () => {
            const { pods, available } = sim.counts();
            expect(pods).toBeLessThanOrEqual(p.replicas + fence.surge);
            expect(available).toBeGreaterThanOrEqual(p.replicas - fence.unavailable);
          };
          for (let i = 0; i < p.abortAfter; i++) {
            stepRollout(sim, ro);
            bounds();
            sim.tick();
          }
          applyControls(ro, abortRolloutPatch());
          convergeRollout(sim, ro, { each: bounds });
          expect(ro.status).toMatchObject({
            phase: 'Degraded',
            abort: true,
            stableRS: stable,
            currentStepIndex: 0,
          });
          expect(ro.status.message).toMatch(/^RolloutAborted: Rollout aborted update to revision 2$/);
          const live = sim.rsList().filter((rs) => rs.spec.replicas > 0);
          expect(live.map((rs) => rs.spec.template.spec.containers[0].image)).toEqual(['app:v1']);
        },
      ),
      { numRuns: 80 },
    );
  });
});
