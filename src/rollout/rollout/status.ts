// Rollout status as Argo Rollouts reports it: counts, currentPodHash / stableRS / step index,
// the user controls, blue/green selectors, conditions (Progressing, Available, Paused, Healthy,
// Completed) and the phase with its message (Healthy / Progressing / Paused / Degraded).
import { formatLabels } from '../../api/labels.js';
import {
  type Condition,
  findCondition,
  newCondition,
  replaceCondition,
  setCondition,
  timeOf,
} from '../common/conditions.js';
import type { RSView } from '../common/replica-sets.js';
import { canarySteps, stepsHash } from './canary.js';
import type { RolloutCtx } from './context.js';

export type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

export const REASON = {
  created: 'NewReplicaSetCreated',
  updated: 'ReplicaSetUpdated',
  available: 'NewReplicaSetAvailable',
  paused: 'RolloutPaused',
  resumed: 'RolloutResumed',
  aborted: 'RolloutAborted',
  timedOut: 'ProgressDeadlineExceeded',
} as const;

function deadlineSeconds(c: RolloutCtx): number {
  const v = Number(c.ro.spec?.progressDeadlineSeconds ?? 600);
  return Number.isFinite(v) && v > 0 ? v : 600;
}

/** The Progressing condition from before this pass says the deadline has passed. */
export function progressTimedOut(
  conds: readonly Condition[] | undefined,
  deadline: number,
  now: Date,
): boolean {
  const cond = findCondition(conds, 'Progressing');
  if (!cond) {
    return false;
  }
  if (cond.reason === REASON.timedOut) {
    return true;
  }
  if (cond.reason !== REASON.updated && cond.reason !== REASON.created && cond.reason !== REASON.resumed) {
    return false;
  }
  const from = timeOf(cond.lastUpdateTime);
  return !Number.isNaN(from) && from + deadline * 1000 < now.getTime();
}

export function timedOutBefore(c: RolloutCtx): boolean {
  return progressTimedOut(c.ro.status?.conditions, deadlineSeconds(c), c.now);
}

function sum(views: readonly RSView[], f: (v: RSView) => number): number {
  return views.reduce((n, v) => n + f(v), 0);
}

function revisionOf(c: RolloutCtx): string {
  return c.work.annotation(c.newName, 'rollout.argoproj.io/revision') ?? '';
}

export interface StatusInput {
  readonly created: boolean;
  readonly changed: boolean;
  readonly blueGreen: boolean;
}

export function rolloutStatus(c: RolloutCtx, i: StatusInput): Record<string, unknown> {
  const prev: Record<string, any> = c.ro.status ?? {};
  const ctl = c.controls;
  const newView = c.newView;
  const R = c.replicas;
  const activeView = c.views.find((v) => v.hash === c.activeSelector);
  const updated = newView?.active ?? 0;
  const newAvailable = newView?.available ?? 0;
  const counts = {
    replicas: sum(c.views, (v) => v.active),
    updatedReplicas: updated,
    readyReplicas: sum(c.views, (v) => v.ready),
    availableReplicas: i.blueGreen ? (activeView?.available ?? 0) : sum(c.views, (v) => v.available),
  };
  const complete = c.stableHash === c.newHash && updated === R && newAvailable >= R;
  const paused = c.paused || ctl.pauseConditions.length > 0;
  const name = c.newName;
  let conds: Condition[] = [...((prev.conditions as Condition[] | undefined) ?? [])];
  const progressing = findCondition(conds, 'Progressing');
  const progress =
    i.created ||
    i.changed ||
    counts.updatedReplicas > Number(prev.updatedReplicas ?? 0) ||
    counts.availableReplicas > Number(prev.availableReplicas ?? 0) ||
    counts.readyReplicas > Number(prev.readyReplicas ?? 0);
  const P = (status: Condition['status'], reason: string, message: string) =>
    newCondition('Progressing', status, reason, message, c.now);
  if (ctl.abort) {
    conds = setCondition(
      conds,
      P('False', REASON.aborted, `Rollout aborted update to revision ${revisionOf(c)}`),
    );
  } else if (complete) {
    conds = setCondition(
      conds,
      P('True', REASON.available, `ReplicaSet "${name}" has successfully progressed.`),
    );
  } else if (paused) {
    conds = setCondition(conds, P('Unknown', REASON.paused, 'Rollout is paused'));
  } else if (progressing?.reason === REASON.paused) {
    conds = replaceCondition(conds, P('Unknown', REASON.resumed, 'Rollout is resumed'));
  } else if (i.created) {
    conds = replaceCondition(conds, P('True', REASON.created, `Created new replica set "${name}"`));
  } else if (
    progress ||
    !progressing ||
    progressing.reason === REASON.available ||
    progressing.reason === REASON.aborted
  ) {
    conds = replaceCondition(conds, P('True', REASON.updated, `ReplicaSet "${name}" is progressing.`));
  } else if (progressTimedOut(conds, deadlineSeconds(c), c.now)) {
    conds = setCondition(
      conds,
      P('False', REASON.timedOut, `ReplicaSet "${name}" has timed out progressing.`),
    );
  }
  const minAvailable = i.blueGreen ? R : R - c.fence.unavailable;
  conds = setCondition(
    conds,
    counts.availableReplicas >= minAvailable
      ? newCondition('Available', 'True', 'AvailableReason', 'Rollout has minimum availability', c.now)
      : newCondition(
          'Available',
          'False',
          'AvailableReason',
          'Rollout does not have minimum availability',
          c.now,
        ),
  );
  if (paused) {
    conds = setCondition(conds, newCondition('Paused', 'True', REASON.paused, 'Rollout is paused', c.now));
  } else if (findCondition(conds, 'Paused')?.status === 'True') {
    conds = setCondition(conds, newCondition('Paused', 'False', REASON.resumed, 'Rollout is resumed', c.now));
  }
  conds = setCondition(
    conds,
    c.stableHash === c.newHash
      ? newCondition('Completed', 'True', 'RolloutCompleted', 'Rollout is completed', c.now)
      : newCondition('Completed', 'False', 'RolloutCompleted', 'Rollout not completed', c.now),
  );
  const { phase, message } = phaseOf(c, i, conds, counts, complete);
  conds = setCondition(
    conds,
    phase === 'Healthy'
      ? newCondition('Healthy', 'True', 'RolloutHealthy', 'Rollout is healthy', c.now)
      : newCondition('Healthy', 'False', 'RolloutHealthy', 'Rollout is not healthy', c.now),
  );
  const steps = canarySteps(c.ro);
  const status: Record<string, unknown> = {
    ...(prev.restartedAt ? { restartedAt: prev.restartedAt } : {}),
    observedGeneration: String(c.ro.metadata.generation ?? 0),
    phase,
    message,
    ...counts,
    selector: formatLabels(c.ro.spec?.selector?.matchLabels),
    currentPodHash: c.newHash,
    ...(c.stableHash ? { stableRS: c.stableHash } : {}),
    conditions: conds,
  };
  if (!i.blueGreen && steps.length > 0) {
    status.currentStepIndex = ctl.currentStepIndex;
    status.currentStepHash = stepsHash(steps);
  }
  if (ctl.pauseConditions.length > 0) {
    status.pauseConditions = ctl.pauseConditions;
  }
  if (ctl.controllerPause) {
    status.controllerPause = true;
  }
  if (ctl.abort) {
    status.abort = true;
    status.abortedAt = ctl.abortedAt ?? c.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (ctl.promoteFull) {
    status.promoteFull = true;
  }
  if (prev.collisionCount) {
    status.collisionCount = prev.collisionCount;
  }
  status[i.blueGreen ? 'blueGreen' : 'canary'] = i.blueGreen
    ? {
        ...(c.activeSelector ? { activeSelector: c.activeSelector } : {}),
        ...(c.previewSelector ? { previewSelector: c.previewSelector } : {}),
      }
    : {};
  return status;
}

function phaseOf(
  c: RolloutCtx,
  i: StatusInput,
  conds: readonly Condition[],
  counts: { replicas: number; updatedReplicas: number },
  complete: boolean,
): { phase: RolloutPhase; message: string } {
  if (c.invalid) {
    return { phase: 'Degraded', message: `InvalidSpec: ${c.invalid}` };
  }
  const progressing = findCondition(conds, 'Progressing');
  if (c.controls.abort) {
    return { phase: 'Degraded', message: `RolloutAborted: ${progressing?.message ?? 'Rollout aborted'}` };
  }
  if (progressing?.reason === REASON.timedOut) {
    return { phase: 'Degraded', message: `${REASON.timedOut}: ${progressing.message ?? ''}` };
  }
  if (c.paused) {
    return { phase: 'Paused', message: 'manually paused' };
  }
  const pause = c.controls.pauseConditions[0];
  if (pause) {
    return { phase: 'Paused', message: pause.reason };
  }
  const v = c.newView;
  if (counts.updatedReplicas < c.replicas && (!i.blueGreen || c.activeSelector === c.newHash)) {
    return { phase: 'Progressing', message: 'more replicas need to be updated' };
  }
  if ((v?.available ?? 0) < counts.updatedReplicas) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  if (i.blueGreen && c.activeSelector !== c.newHash) {
    return { phase: 'Progressing', message: 'active service cutover pending' };
  }
  if (!i.blueGreen && !complete) {
    return { phase: 'Progressing', message: 'waiting for all steps to complete' };
  }
  if (!i.blueGreen && counts.replicas > counts.updatedReplicas) {
    return { phase: 'Progressing', message: 'old replicas are pending termination' };
  }
  return { phase: 'Healthy', message: '' };
}
