// What the Rollout strategies share while planning one pass: the observed ReplicaSets, the
// scratch pad, the user controls (abort, pause, promote) as this pass leaves them, the Services,
// and the earliest time something becomes due.
import type { KObject } from '../../api/types.js';
import type { Fenceposts } from '../common/int-or-percent.js';
import type { RSView } from '../common/replica-sets.js';
import type { ReplicaSetAction, ReplicaSetWork } from '../common/work.js';

export const ROLLOUT_HASH_LABEL = 'rollouts-pod-template-hash';
export const ROLLOUT_REVISION = 'rollout.argoproj.io/revision';
/** When an old ReplicaSet may be scaled down (RFC 3339), as Argo Rollouts annotates it. */
export const SCALE_DOWN_DEADLINE = 'scale-down-deadline';
/** On Services the Rollout controller points at a ReplicaSet. */
export const MANAGED_BY = 'argo-rollouts.argoproj.io/managed-by-rollouts';

export interface PauseCondition {
  reason: 'CanaryPauseStep' | 'BlueGreenPause' | string;
  startTime: string;
}

/** The status fields users (the CLI) write and the controller reacts to. */
export interface Controls {
  abort: boolean;
  abortedAt?: string;
  pauseConditions: PauseCondition[];
  controllerPause: boolean;
  promoteFull: boolean;
  currentStepIndex: number;
}

export type RolloutAction =
  | ReplicaSetAction
  | {
      readonly kind: 'patchServiceSelector';
      readonly service: KObject;
      /** The ReplicaSet hash the Service's selector gets under rollouts-pod-template-hash. */
      readonly hash: string;
    }
  | { readonly kind: 'deletePod'; readonly pod: KObject }
  | { readonly kind: 'setStatus'; readonly status: Record<string, unknown> };

export interface RolloutCtx {
  readonly ro: KObject;
  readonly replicas: number;
  readonly now: Date;
  readonly views: readonly RSView[];
  readonly work: ReplicaSetWork;
  readonly newName: string;
  /** The new ReplicaSet as observed; undefined when created in this pass. */
  readonly newView: RSView | undefined;
  readonly newHash: string;
  readonly fence: Fenceposts;
  readonly services: ReadonlyMap<string, KObject>;
  readonly controls: Controls;
  readonly paused: boolean;
  stableHash: string | undefined;
  activeSelector?: string;
  previewSelector?: string;
  /** Set when the spec cannot be acted on (a Service is missing…): phase Degraded, InvalidSpec. */
  invalid?: string;
  readonly extra: RolloutAction[];
  requeueAfterMs?: number;
}

export function requeueIn(c: RolloutCtx, ms: number): void {
  const v = Math.max(50, Math.ceil(ms));
  c.requeueAfterMs = c.requeueAfterMs === undefined ? v : Math.min(c.requeueAfterMs, v);
}

export function viewOf(c: RolloutCtx, hash: string | undefined): RSView | undefined {
  return hash === undefined ? undefined : c.views.find((v) => v.hash === hash);
}

/** Available pods a ReplicaSet keeps once its controller has acted on its observed spec. */
export function effectiveAvailable(v: RSView | undefined): number {
  return v ? Math.min(v.available, v.specReplicas) : 0;
}

/** Parses a pause duration: seconds as a number, or "30s" / "5m" / "1h". */
export function durationSeconds(d: unknown): number | undefined {
  if (typeof d === 'number' && Number.isFinite(d)) {
    return Math.max(0, d);
  }
  if (typeof d !== 'string') {
    return undefined;
  }
  const m = /^([0-9]+)(s|m|h)?$/.exec(d.trim());
  if (!m) {
    return undefined;
  }
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

/** Old ReplicaSets waiting out a delay: annotate the deadline, then scale to 0 once it passed. */
export function scaleDownAfter(c: RolloutCtx, v: RSView, delaySeconds: number | undefined): void {
  const cur = c.work.replicas(v.name);
  const deadline = c.work.annotation(v.name, SCALE_DOWN_DEADLINE);
  if (cur === 0) {
    if (deadline !== undefined) {
      c.work.annotate(v.name, { [SCALE_DOWN_DEADLINE]: null });
    }
    return;
  }
  if (delaySeconds === undefined) {
    return; // kept running (abortScaleDownDelaySeconds: 0)
  }
  if (delaySeconds <= 0) {
    c.work.scale(v.name, 0);
    if (deadline !== undefined) {
      c.work.annotate(v.name, { [SCALE_DOWN_DEADLINE]: null });
    }
    return;
  }
  const at = deadline ? Date.parse(deadline) : Number.NaN;
  if (Number.isNaN(at)) {
    // whole seconds in the annotation: round up, so the ReplicaSet never goes before its delay
    const due = new Date(Math.ceil((c.now.getTime() + delaySeconds * 1000) / 1000) * 1000);
    c.work.annotate(v.name, { [SCALE_DOWN_DEADLINE]: due.toISOString().replace(/\.\d{3}Z$/, 'Z') });
    requeueIn(c, delaySeconds * 1000);
    return;
  }
  if (at <= c.now.getTime()) {
    c.work.scale(v.name, 0);
    c.work.annotate(v.name, { [SCALE_DOWN_DEADLINE]: null });
  } else {
    requeueIn(c, at - c.now.getTime());
  }
}
