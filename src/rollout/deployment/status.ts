// Deployment status as `kubectl rollout status` reads it: counts summed over the ReplicaSets'
// pods, the Available condition, and the Progressing condition with its deadline (Kubernetes'
// calculateStatus / syncRolloutStatus semantics).
import type { KObject } from '../../api/types.js';
import {
  type Condition,
  findCondition,
  newCondition,
  removeCondition,
  replaceCondition,
  setCondition,
  timeOf,
} from '../common/conditions.js';
import type { RSView } from '../common/replica-sets.js';

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  conditions: Condition[];
  collisionCount?: number;
}

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

export interface StatusInput {
  readonly d: KObject;
  readonly replicas: number;
  readonly maxUnavailable: number;
  readonly views: readonly RSView[];
  readonly newRS: RSView | undefined;
  /** The new ReplicaSet's name, also when it is created in this pass. */
  readonly newRSName?: string;
  /** The deployment's conditions after this pass's events (paused/resumed, new RS created/found). */
  readonly conditions: readonly Condition[];
  readonly collisionCount?: number;
  readonly now: Date;
}

/** Counts and the Available condition (Kubernetes' calculateStatus). */
export function calculateStatus(i: StatusInput): DeploymentStatus {
  let total = 0;
  let ready = 0;
  let available = 0;
  for (const v of i.views) {
    total += v.active;
    ready += v.ready;
    available += v.available;
  }
  const minAvailable = i.replicas - i.maxUnavailable;
  const availableCond =
    available >= minAvailable
      ? newCondition(AVAILABLE, 'True', REASON.minAvailable, 'Deployment has minimum availability.', i.now)
      : newCondition(
          AVAILABLE,
          'False',
          REASON.minUnavailable,
          'Deployment does not have minimum availability.',
          i.now,
        );
  const status: DeploymentStatus = {
    observedGeneration: i.d.metadata.generation ?? 0,
    replicas: total,
    updatedReplicas: i.newRS?.active ?? 0,
    readyReplicas: ready,
    availableReplicas: available,
    unavailableReplicas: Math.max(0, i.replicas - available),
    conditions: setCondition(i.conditions, availableCond),
  };
  if (i.collisionCount) {
    status.collisionCount = i.collisionCount;
  }
  return status;
}

/** Complete: every replica updated and available, no old ones left, the spec observed. */
export function deploymentComplete(d: KObject, replicas: number, s: DeploymentStatus): boolean {
  return (
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas &&
    s.observedGeneration >= (d.metadata.generation ?? 0)
  );
}

function madeProgress(d: KObject, s: DeploymentStatus): boolean {
  const old: Record<string, number> = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = s.replicas - s.updatedReplicas;
  return (
    s.updatedReplicas > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    s.readyReplicas > (old.readyReplicas ?? 0) ||
    s.availableReplicas > (old.availableReplicas ?? 0)
  );
}

function progressDeadline(d: KObject): number | undefined {
  const v = d.spec?.progressDeadlineSeconds;
  return typeof v === 'number' && v > 0 && v < 2 ** 31 - 1 ? v : undefined;
}

function timedOut(cond: Condition | undefined, deadline: number, now: Date): boolean {
  if (!cond || cond.reason === REASON.newRSAvailable) {
    return false;
  }
  if (cond.reason === REASON.timedOut) {
    return true;
  }
  const from = timeOf(cond.lastUpdateTime);
  return !Number.isNaN(from) && from + deadline * 1000 < now.getTime();
}

export interface RolloutStatusResult {
  readonly status: DeploymentStatus;
  readonly requeueAfterMs?: number;
}

/** calculateStatus plus the Progressing condition and when to look at the deadline again. */
export function rolloutStatus(i: StatusInput): RolloutStatusResult {
  const status = calculateStatus(i);
  const deadline = progressDeadline(i.d);
  if (deadline === undefined) {
    status.conditions = removeCondition(status.conditions, PROGRESSING);
    return { status };
  }
  const current = findCondition(i.conditions, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === REASON.newRSAvailable;
  const rsName = i.newRSName ?? i.newRS?.name;
  if (!complete) {
    if (deploymentComplete(i.d, i.replicas, status)) {
      status.conditions = setCondition(
        status.conditions,
        newCondition(
          PROGRESSING,
          'True',
          REASON.newRSAvailable,
          `ReplicaSet "${rsName}" has successfully progressed.`,
          i.now,
        ),
      );
    } else if (madeProgress(i.d, status)) {
      status.conditions = replaceCondition(
        status.conditions,
        newCondition(PROGRESSING, 'True', REASON.rsUpdated, `ReplicaSet "${rsName}" is progressing.`, i.now),
      );
    } else if (timedOut(current, deadline, i.now)) {
      const what = rsName ? `ReplicaSet "${rsName}"` : `Deployment "${i.d.metadata.name}"`;
      status.conditions = setCondition(
        status.conditions,
        newCondition(PROGRESSING, 'False', REASON.timedOut, `${what} has timed out progressing.`, i.now),
      );
    }
  }
  const cond = findCondition(status.conditions, PROGRESSING);
  if (!cond || cond.reason === REASON.newRSAvailable || cond.reason === REASON.timedOut) {
    return { status };
  }
  if (deploymentComplete(i.d, i.replicas, status)) {
    return { status };
  }
  const from = timeOf(cond.lastUpdateTime);
  if (Number.isNaN(from)) {
    return { status };
  }
  // lastUpdateTime has whole seconds: look again just after the deadline has surely passed
  const after = from + deadline * 1000 - i.now.getTime() + 1000;
  return { status, requeueAfterMs: Math.max(100, after) };
}

/** Paused / resumed marks on the Progressing condition (Kubernetes' checkPausedConditions). */
export function pausedConditions(d: KObject, conditions: readonly Condition[], now: Date): Condition[] {
  if (progressDeadline(d) === undefined) {
    return [...conditions];
  }
  const cond = findCondition(conditions, PROGRESSING);
  if (cond?.reason === REASON.timedOut) {
    return [...conditions];
  }
  const paused = d.spec?.paused === true;
  if (paused && cond?.reason !== REASON.paused) {
    return replaceCondition(
      conditions,
      newCondition(PROGRESSING, 'Unknown', REASON.paused, 'Deployment is paused', now),
    );
  }
  if (!paused && cond?.reason === REASON.paused) {
    return replaceCondition(
      conditions,
      newCondition(PROGRESSING, 'Unknown', REASON.resumed, 'Deployment is resumed', now),
    );
  }
  return [...conditions];
}
