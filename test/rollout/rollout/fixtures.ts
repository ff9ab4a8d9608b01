// Rollouts and Services for the planner tests, and a driver that runs planRollout against the
// simulator (Service selector switches recorded, user controls applied as merge patches).
import type { KObject } from '../../../src/api/types.js';
import { ROLLOUT_HASH_LABEL } from '../../../src/rollout/rollout/context.js';
import type { RolloutPatches } from '../../../src/rollout/rollout/controls.js';
import { planRollout, type RolloutPlan } from '../../../src/rollout/rollout/plan.js';
import type { Simulator } from '../simulator.js';

export interface RolloutOpts {
  replicas?: number;
  image?: string;
  blueGreen?: Record<string, unknown>;
  canary?: Record<string, unknown>;
  progressDeadlineSeconds?: number;
  progressDeadlineAbort?: boolean;
}

export function rollout(o: RolloutOpts = {}): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default', uid: 'rollout-uid', generation: 1 },
    spec: {
      replicas: o.replicas ?? 4,
      selector: { matchLabels: { app: 'web' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      ...(o.progressDeadlineAbort ? { progressDeadlineAbort: true } : {}),
      strategy: o.blueGreen
        ? { blueGreen: { activeService: 'web-active', ...o.blueGreen } }
        : { canary: o.canary ?? {} },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: o.image ?? 'app:v1' }] },
      },
    },
  };
}

export function service(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `svc-${name}` },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };
}

export function selectorOf(sim: Simulator, name: string): string | undefined {
  return sim.services.get(name)?.spec?.selector?.[ROLLOUT_HASH_LABEL];
}

export function mergePatch(target: any, patch: any): any {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return patch;
  }
  const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
    } else {
      out[k] = mergePatch(out[k], v);
    }
  }
  return out;
}

/** Applies the CLI's patches the way the API server would (status through its subresource). */
export function applyControls(ro: KObject, p: RolloutPatches): void {
  if (p.main) {
    const next = mergePatch(ro, p.main);
    if (JSON.stringify(next.spec) !== JSON.stringify(ro.spec)) {
      next.metadata = { ...next.metadata, generation: (ro.metadata.generation ?? 0) + 1 };
    }
    Object.assign(ro, next);
  }
  if (p.status) {
    ro.status = mergePatch(ro.status ?? {}, (p.status as { status?: unknown }).status ?? {});
  }
}

export interface StepHooks {
  /** Called with each Service switch before it is applied. */
  onSwitch?(service: string, from: string | undefined, to: string): void;
}

export function stepRollout(sim: Simulator, ro: KObject, hooks: StepHooks = {}): RolloutPlan {
  const plan = planRollout(ro, sim.rsList(), sim.podList(), [...sim.services.values()], sim.now);
  for (const a of plan.actions) {
    switch (a.kind) {
      case 'setStatus':
        ro.status = structuredClone(a.status);
        break;
      case 'patchServiceSelector': {
        const svc = sim.services.get(a.service.metadata.name ?? '');
        if (!svc) {
          throw new Error('no service');
        }
        hooks.onSwitch?.(svc.metadata.name ?? '', svc.spec.selector[ROLLOUT_HASH_LABEL], a.hash);
        svc.spec = { ...svc.spec, selector: { ...svc.spec.selector, [ROLLOUT_HASH_LABEL]: a.hash } };
        break;
      }
      case 'deletePod':
        sim.deletePod(a.pod);
        break;
      default:
        sim.applyReplicaSetAction(a);
    }
  }
  sim.runReplicaSets();
  return plan;
}

export function convergeRollout(
  sim: Simulator,
  ro: KObject,
  opts: { max?: number; each?: (plan: RolloutPlan) => void; hooks?: StepHooks } = {},
): number {
  const max = opts.max ?? 300;
  for (let i = 0; i < max; i++) {
    const plan = stepRollout(sim, ro, opts.hooks);
    opts.each?.(plan);
    if (plan.actions.length === 0 && plan.requeueAfterMs === undefined) {
      return i;
    }
    sim.tick();
  }
  throw new Error(`rollout did not converge in ${max} steps: ${JSON.stringify(ro.status)}`);
}
