// Invariants of the rolling update over random sizes, fence posts and pod readiness (fast-check):
// never more than replicas + surge pods, never fewer available than replicas − maxUnavailable once
// fully available, every run converges, a converged state plans nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveFenceposts } from '../../../src/rollout/common/int-or-percent.js';
import { planDeployment } from '../../../src/rollout/deployment/plan.js';
import { Simulator } from '../simulator.js';
import { changeSpec, converge, deployment, step } from './fixtures.js';

const intOrPercent = fc.oneof(
  fc.integer({ min: 0, max: 4 }),
  fc.constantFrom('0%', '10%', '25%', '50%', '100%'),
);

const params = fc.record({
  replicas: fc.integer({ min: 0, max: 12 }),
  maxSurge: intOrPercent,
  maxUnavailable: intOrPercent,
  seed: fc.integer(),
  maxReadyDelay: fc.integer({ min: 0, max: 4 }),
  minReadySeconds: fc.integer({ min: 0, max: 2 }),
});

describe('rolling update invariants', () => {
  it('bounds pods and availability, converges, and plans nothing once converged', () => {
    fc.assert(
      fc.property(params, (p) => {
        const sim = new Simulator({ seed: p.seed, maxReadyDelay: p.maxReadyDelay });
        const d = deployment(p);
        converge(sim, d);
        const fence = resolveFenceposts(p.maxSurge, p.maxUnavailable, p.replicas);
        changeSpec(d, (s) => {
          s.template.spec.containers[0].image = 'app:v2';
        });
        const check = () => {
          const { pods, available } = sim.counts(p.minReadySeconds);
          expect(pods).toBeLessThanOrEqual(p.replicas + fence.surge);
          expect(available).toBeGreaterThanOrEqual(p.replicas - fence.unavailable);
        };
        converge(sim, d, 400, check);
        const live = sim.rsList().filter((rs) => rs.spec.replicas > 0);
        if (p.replicas > 0) {
          expect(live.map((rs) => rs.spec.template.spec.containers[0].image)).toEqual(['app:v2']);
        }
        expect(d.status).toMatchObject({
          replicas: p.replicas,
          updatedReplicas: p.replicas,
          availableReplicas: p.replicas,
          observedGeneration: 2,
        });
        expect(planDeployment(d, sim.rsList(), sim.podList(), sim.now).actions).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('a never-ready version stops at the surge limit with the old one still serving', () => {
    fc.assert(
      fc.property(params, (p) => {
        const sim = new Simulator({ seed: p.seed, maxReadyDelay: p.maxReadyDelay, brokenImages: ['app:v2'] });
        const d = deployment({ ...p, progressDeadlineSeconds: 20 });
        converge(sim, d);
        const fence = resolveFenceposts(p.maxSurge, p.maxUnavailable, p.replicas);
        changeSpec(d, (s) => {
          s.template.spec.containers[0].image = 'app:v2';
        });
        for (let i = 0; i < 60; i++) {
          step(sim, d);
          const { pods, available } = sim.counts(p.minReadySeconds);
          expect(pods).toBeLessThanOrEqual(p.replicas + fence.surge);
          expect(available).toBeGreaterThanOrEqual(p.replicas - fence.unavailable);
          sim.tick();
        }
        const progressing = d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
        if (p.replicas > 0) {
          expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('Recreate never runs old and new pods together and converges', () => {
    fc.assert(
      fc.property(params, (p) => {
        const sim = new Simulator({ seed: p.seed, maxReadyDelay: p.maxReadyDelay });
        const d = deployment({ ...p, recreate: true });
        converge(sim, d);
        changeSpec(d, (s) => {
          s.template.spec.containers[0].image = 'app:v2';
        });
        converge(sim, d, 300, () => {
          const images = new Set(sim.podList().map((pod) => pod.spec.containers[0]?.image));
          expect(images.size).toBeLessThanOrEqual(1);
        });
        expect(d.status).toMatchObject({ replicas: p.replicas, updatedReplicas: p.replicas });
      }),
      { numRuns: 60 },
    );
  });
});
