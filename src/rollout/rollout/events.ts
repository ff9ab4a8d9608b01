// What a Rollout's status change tells users (Argo Rollouts' event reasons) and the metrics it
// moves: RolloutUpdated (new pod template), RolloutStepCompleted per canary step, RolloutPaused /
// RolloutResumed, RolloutAborted, RolloutCompleted. Pure: old status + new status → events.
import type { EventType } from '../../cluster/events.js';
import { canarySteps } from './canary.js';

export interface RolloutEvent {
  readonly type: EventType;
  readonly reason:
    | 'RolloutUpdated'
    | 'RolloutStepCompleted'
    | 'RolloutPaused'
    | 'RolloutResumed'
    | 'RolloutAborted'
    | 'RolloutCompleted';
  readonly message: string;
}

export interface RolloutTransition {
  readonly events: RolloutEvent[];
  /** Set when the phase changed. */
  readonly phase?: { readonly from: string; readonly to: string };
  /** Canary steps completed by this change. */
  readonly stepsCompleted: number;
}

type Status = Record<string, any>;

/** `setWeight: 40`, `pause: {duration: 10s}`, `pause: {}` — a step as Argo prints it. */
export function describeStep(step: unknown): string {
  if (step === null || typeof step !== 'object') {
    return String(step);
  }
  const [k, v] = Object.entries(step as Record<string, unknown>)[0] ?? ['step', ''];
  if (v !== null && typeof v === 'object') {
    const inner = Object.entries(v as Record<string, unknown>)
      .map(([a, b]) => `${a}: ${typeof b === 'object' ? JSON.stringify(b) : String(b)}`)
      .join(', ');
    return `${k}: {${inner}}`;
  }
  return `${k}: ${String(v)}`;
}

function completedCondition(s: Status | undefined): boolean {
  return (
    (s?.conditions as { type?: string; status?: string }[] | undefined)?.some(
      (c) => c.type === 'Completed' && c.status === 'True',
    ) === true
  );
}

/** The events and metric changes of one status update of a Rollout. */
export function rolloutTransition(
  ro: { spec?: any },
  before: Status | undefined,
  after: Status,
  /** The revision of the new ReplicaSet (its rollout.argoproj.io/revision annotation). */
  revision?: string,
): RolloutTransition {
  const events: RolloutEvent[] = [];
  const rev = revision ? `revision ${revision}` : `pod template ${String(after.currentPodHash ?? '')}`;
  const hashBefore = before?.currentPodHash;
  if (hashBefore && after.currentPodHash && hashBefore !== after.currentPodHash) {
    events.push({ type: 'Normal', reason: 'RolloutUpdated', message: `Rollout updated to ${rev}` });
  }
  const steps = canarySteps(ro);
  let stepsCompleted = 0;
  const from = Number(before?.currentStepIndex);
  const to = Number(after.currentStepIndex);
  const sameSteps = before?.currentStepHash === undefined || before.currentStepHash === after.currentStepHash;
  if (
    steps.length > 0 &&
    Number.isInteger(from) &&
    Number.isInteger(to) &&
    to > from &&
    sameSteps &&
    hashBefore === after.currentPodHash
  ) {
    for (let i = from; i < to && i < steps.length; i++) {
      stepsCompleted++;
      events.push({
        type: 'Normal',
        reason: 'RolloutStepCompleted',
        message: `Rollout step ${i + 1}/${steps.length} completed (${describeStep(steps[i])})`,
      });
    }
  }
  // the abort request itself lands in status (kubectl argo rollouts abort): report when it took effect
  const aborted = (s: Status | undefined) => s?.abort === true && s.phase === 'Degraded';
  if (aborted(after) && !aborted(before)) {
    events.push({ type: 'Warning', reason: 'RolloutAborted', message: `Rollout aborted update to ${rev}` });
  }
  const wasPaused = before?.phase === 'Paused';
  if (after.phase === 'Paused' && !wasPaused) {
    const why = (after.pauseConditions as { reason?: string }[] | undefined)?.[0]?.reason ?? after.message;
    events.push({
      type: 'Normal',
      reason: 'RolloutPaused',
      message: `Rollout is paused${why ? ` (${String(why)})` : ''}`,
    });
  } else if (wasPaused && after.phase !== 'Paused' && after.abort !== true) {
    events.push({ type: 'Normal', reason: 'RolloutResumed', message: 'Rollout is resumed' });
  }
  if (before && !completedCondition(before) && completedCondition(after)) {
    const how = after.blueGreen
      ? 'Completed blue-green update'
      : steps.length > 0
        ? `Completed all ${steps.length} canary steps`
        : 'Completed rollout update';
    events.push({
      type: 'Normal',
      reason: 'RolloutCompleted',
      message: `Rollout completed update to ${rev}: ${how}`,
    });
  }
  const phaseFrom = String(before?.phase ?? '');
  const phaseTo = String(after.phase ?? '');
  return {
    events,
    stepsCompleted,
    ...(phaseTo !== '' && phaseFrom !== phaseTo ? { phase: { from: phaseFrom, to: phaseTo } } : {}),
  };
}
