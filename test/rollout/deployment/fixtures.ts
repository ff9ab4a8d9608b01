// Deployments for the planner tests, and a driver that runs planDeployment against the simulator.
import type { KObject } from '../../../src/api/types.js';
import { type DeploymentPlan, planDeployment, REVISION } from '../../../src/rollout/deployment/plan.js';
import type { Simulator } from '../simulator.js';

export interface DeploymentOpts {
  replicas?: number;
  image?: string;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  recreate?: boolean;
  minReadySeconds?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
}

export function deployment(o: DeploymentOpts = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'deploy-uid', generation: 1 },
    spec: {
      replicas: o.replicas ?? 4,
      selector: { matchLabels: { app: 'web' } },
      strategy: o.recreate
        ? { type: 'Recreate' }
        : {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' },
          },
      minReadySeconds: o.minReadySeconds ?? 0,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      ...(o.paused ? { paused: true } : {}),
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: o.image ?? 'app:v1' }] },
      },
    },
    status: {},
  };
}

/** A spec change as the API server records it: generation bumped. */
export function changeSpec(d: KObject, f: (spec: any) => void): void {
  f(d.spec);
  d.metadata.generation = (d.metadata.generation ?? 0) + 1;
}

/** One controller pass applied to the simulator, then the ReplicaSet controller's turn. */
export function step(sim: Simulator, d: KObject): DeploymentPlan {
  const plan = planDeployment(d, sim.rsList(), sim.podList(), sim.now);
  for (const a of plan.actions) {
    if (a.kind === 'setStatus') {
      d.status = structuredClone(a.status);
    } else if (a.kind === 'setRevision') {
      d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: a.revision };
    } else {
      sim.applyReplicaSetAction(a);
    }
  }
  sim.runReplicaSets();
  return plan;
}

/** Steps (one simulated second each) until a pass plans nothing; returns the steps taken. */
export function converge(sim: Simulator, d: KObject, max = 300, check?: () => void): number {
  for (let i = 0; i < max; i++) {
    const plan = step(sim, d);
    check?.();
    if (plan.actions.length === 0 && plan.requeueAfterMs === undefined) {
      return i;
    }
    sim.tick();
  }
  throw new Error(`did not converge in ${max} steps: ${JSON.stringify(d.status)}`);
}
