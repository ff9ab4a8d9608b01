// Canary without a traffic router (Argo Rollouts' basic canary): a step's setWeight is reached by
// replica counts (new = ceil(weight% × replicas), stable = the rest) moved within maxSurge and
// maxUnavailable; pause steps wait for the user (or their duration); abort rolls back to stable by
// the same rules; once every step is done the new ReplicaSet becomes the stable one.
import { stableJson, templateHash } from '../../cluster/controllers/pod-template.js';
import type { RSView } from '../common/replica-sets.js';
import { durationSeconds, effectiveAvailable, type RolloutCtx, requeueIn } from './context.js';

export const CANARY_PAUSE_STEP = 'CanaryPauseStep';

export interface CanaryStep {
  setWeight?: number;
  pause?: { duration?: number | string };
}

export function canarySteps(ro: { spec?: any }): CanaryStep[] {
  const steps = ro.spec?.strategy?.canary?.steps;
  return Array.isArray(steps) ? steps : [];
}

/** Argo's currentStepHash: identifies the step list a currentStepIndex refers to. */
export function stepsHash(steps: readonly CanaryStep[]): string {
  return templateHash(JSON.parse(stableJson(steps)));
}

/** The weight in force at step `index`: the last setWeight at or before it; 100 after the last step. */
export function weightAt(steps: readonly CanaryStep[], index: number): number {
  if (index >= steps.length) {
    return 100;
  }
  for (let i = index; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (typeof w === 'number') {
      return Math.max(0, Math.min(100, w));
    }
  }
  return 0;
}

export interface CanaryTargets {
  readonly newReplicas: number;
  readonly stableReplicas: number;
}

export function canaryTargets(replicas: number, weight: number): CanaryTargets {
  const n = Math.min(replicas, Math.ceil((replicas * weight) / 100));
  return { newReplicas: n, stableReplicas: replicas - n };
}

function others(c: RolloutCtx, stable: RSView | undefined): RSView[] {
  return c.views.filter((v) => v.name !== c.newName && v !== stable);
}

/** The observed state already is the weight's: counts as specified and available, others empty. */
function atWeight(c: RolloutCtx, stable: RSView | undefined, t: CanaryTargets): boolean {
  const v = c.newView;
  if (!v || v.specReplicas !== t.newReplicas || v.available < t.newReplicas) {
    return false;
  }
  if (stable && (stable.specReplicas !== t.stableReplicas || stable.available < t.stableReplicas)) {
    return false;
  }
  return others(c, stable).every((o) => o.specReplicas === 0);
}

/** Moves replicas toward the targets: up within the surge, down without going under minAvailable. */
function scaleToward(c: RolloutCtx, stable: RSView | undefined, t: CanaryTargets): void {
  const R = c.replicas;
  const w = c.work;
  const rest = others(c, stable);
  const all: { name: string; view: RSView | undefined; target: number }[] = [
    ...rest.map((v) => ({ name: v.name, view: v as RSView | undefined, target: 0 })),
    ...(stable ? [{ name: stable.name, view: stable as RSView | undefined, target: t.stableReplicas }] : []),
    { name: c.newName, view: c.newView, target: t.newReplicas },
  ];
  let total = all.reduce((n, x) => n + w.replicas(x.name), 0);
  // up: the new ReplicaSet first, then stable (after an abort or a lower weight)
  for (const x of [...all].reverse()) {
    const cur = w.replicas(x.name);
    const headroom = R + c.fence.surge - total;
    if (cur < x.target && headroom > 0) {
      const up = Math.min(x.target - cur, headroom);
      w.scale(x.name, cur + up);
      total += up;
    }
  }
  // down: pods that are not available anyway, then available ones within the budget
  let available = 0;
  for (const x of all) {
    available += effectiveAvailable(x.view);
  }
  let budget = available - (R - c.fence.unavailable);
  for (const x of all) {
    const cur = w.replicas(x.name);
    if (cur <= x.target) {
      continue;
    }
    const eff = Math.min(effectiveAvailable(x.view), cur);
    let next = Math.max(x.target, eff);
    const down = Math.min(next - x.target, Math.max(0, budget));
    next -= down;
    budget -= down;
    w.scale(x.name, next);
  }
}

function pauseDone(c: RolloutCtx, step: CanaryStep): boolean {
  const ctl = c.controls;
  const cond = ctl.pauseConditions.find((p) => p.reason === CANARY_PAUSE_STEP);
  if (!cond) {
    if (ctl.controllerPause) {
      return true; // paused here, and the user lifted it (promote)
    }
    ctl.pauseConditions = [
      ...ctl.pauseConditions,
      { reason: CANARY_PAUSE_STEP, startTime: c.now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    ];
    ctl.controllerPause = true;
    const s = durationSeconds(step.pause?.duration);
    if (s !== undefined) {
      requeueIn(c, s * 1000);
    }
    return false;
  }
  const s = durationSeconds(step.pause?.duration);
  if (s === undefined) {
    return false;
  }
  const due = Date.parse(cond.startTime) + s * 1000;
  if (!Number.isNaN(due) && due <= c.now.getTime()) {
    return true;
  }
  requeueIn(c, Number.isNaN(due) ? 1000 : due - c.now.getTime());
  return false;
}

export function planCanary(c: RolloutCtx): void {
  const steps = canarySteps(c.ro);
  const ctl = c.controls;
  let stable = c.stableHash === undefined ? undefined : c.views.find((v) => v.hash === c.stableHash);
  if (!stable || c.stableHash === c.newHash) {
    // first deploy (or the stable ReplicaSet is gone): the new one is stable; finish scaling to it
    c.stableHash = c.newHash;
    stable = undefined;
    ctl.currentStepIndex = steps.length;
    ctl.pauseConditions = ctl.pauseConditions.filter((p) => p.reason !== CANARY_PAUSE_STEP);
    ctl.controllerPause = false;
    ctl.promoteFull = false;
    scaleToward(c, undefined, canaryTargets(c.replicas, 100));
    return;
  }
  if (ctl.abort) {
    ctl.currentStepIndex = 0;
    scaleToward(c, stable, canaryTargets(c.replicas, 0));
    return;
  }
  if (ctl.promoteFull) {
    ctl.currentStepIndex = steps.length;
  }
  let index = Math.min(ctl.currentStepIndex, steps.length);
  while (index < steps.length && !c.paused) {
    const step = steps[index] ?? {};
    if (step.pause !== undefined) {
      if (!pauseDone(c, step)) {
        break;
      }
      ctl.pauseConditions = ctl.pauseConditions.filter((p) => p.reason !== CANARY_PAUSE_STEP);
      ctl.controllerPause = false;
      index++;
      continue;
    }
    if (
      typeof step.setWeight === 'number' &&
      !atWeight(c, stable, canaryTargets(c.replicas, weightAt(steps, index)))
    ) {
      break;
    }
    index++;
  }
  ctl.currentStepIndex = index;
  const targets = canaryTargets(c.replicas, weightAt(steps, index));
  if (index >= steps.length && atWeight(c, stable, targets)) {
    // every step done and the new ReplicaSet carries everything: it is the stable one now
    c.stableHash = c.newHash;
    ctl.promoteFull = false;
    return;
  }
  scaleToward(c, stable, targets);
}
