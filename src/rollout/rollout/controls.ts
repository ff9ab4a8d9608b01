// The user's controls over a Rollout, as the JSON merge patches `gantry rollout …` sends (the
// way the Argo Rollouts kubectl plugin does): `main` goes to the object, `status` to its status
// subresource. The controller reacts to the result on its next pass.
import { rfc3339 } from '../../api/clock.js';
import type { KObject, PodTemplateSpec } from '../../api/types.js';
import { revisionOf, templateWithoutHash } from '../common/replica-sets.js';
import { canarySteps } from './canary.js';
import { ROLLOUT_HASH_LABEL, ROLLOUT_REVISION } from './context.js';

export interface RolloutPatches {
  /** Merge patch for the Rollout object (spec). */
  readonly main?: Record<string, unknown>;
  /** Merge patch for the status subresource (`{ status: {…} }`, as the API takes it there). */
  readonly status?: Record<string, unknown>;
}

export class RolloutControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutControlError';
  }
}

/**
 * promote: lifts a manual pause and the current pause step; without a pause a canary skips its
 * current step. `full` skips every remaining step (and blue/green's pause) at once.
 */
export function promoteRolloutPatch(ro: KObject, full: boolean): RolloutPatches {
  const st: Record<string, any> = ro.status ?? {};
  if (st.abort === true) {
    throw new RolloutControlError(`rollout "${ro.metadata.name}" is aborted: retry it first`);
  }
  const main = ro.spec?.paused === true ? { spec: { paused: false } } : undefined;
  const paused = Array.isArray(st.pauseConditions) && st.pauseConditions.length > 0;
  let status: Record<string, unknown> | undefined;
  if (full) {
    status = { promoteFull: true, ...(paused ? { pauseConditions: null } : {}) };
  } else if (paused) {
    status = { pauseConditions: null };
  } else if (!ro.spec?.strategy?.blueGreen) {
    const steps = canarySteps(ro);
    const index = Number(st.currentStepIndex ?? 0);
    if (index < steps.length) {
      status = { currentStepIndex: index + 1 };
    }
  }
  if (!main && !status) {
    throw new RolloutControlError(`rollout "${ro.metadata.name}" has nothing to promote`);
  }
  return { ...(main ? { main } : {}), ...(status ? { status: { status } } : {}) };
}

/** abort: back to the stable ReplicaSet (canary scaled back, blue/green preview scaled down). */
export function abortRolloutPatch(): RolloutPatches {
  return { status: { status: { abort: true } } };
}

/** retry: clears an abort; the update starts again from its first step. */
export function retryRolloutPatch(): RolloutPatches {
  return { status: { status: { abort: false } } };
}

export function pauseRolloutPatch(): RolloutPatches {
  return { main: { spec: { paused: true } } };
}

export function resumeRolloutPatch(): RolloutPatches {
  return { main: { spec: { paused: false } } };
}

/** restart: every pod created before `at` is replaced, a few at a time. */
export function restartRolloutPatch(at: Date): RolloutPatches {
  return { main: { spec: { restartAt: rfc3339(at) } } };
}

/**
 * undo: the template of revision `toRevision` (default: the one before the current) copied into
 * spec.template, hash label removed, as `kubectl argo rollouts undo` does.
 */
export function undoRolloutPatch(
  ro: KObject,
  replicaSets: readonly KObject[],
  toRevision?: number,
): RolloutPatches {
  const owned = replicaSets
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === ro.metadata.uid))
    .map((rs) => ({ rs, revision: revisionOf(rs, ROLLOUT_REVISION) }))
    .filter((x) => x.revision > 0)
    .sort((a, b) => b.revision - a.revision);
  let target: KObject | undefined;
  if (toRevision !== undefined && toRevision > 0) {
    target = owned.find((x) => x.revision === toRevision)?.rs;
    if (!target) {
      throw new RolloutControlError(`rollout "${ro.metadata.name}" has no revision ${toRevision}`);
    }
  } else {
    target = owned[1]?.rs;
    if (!target) {
      throw new RolloutControlError(`rollout "${ro.metadata.name}" has no previous revision`);
    }
  }
  const template = templateWithoutHash(
    target.spec?.template as PodTemplateSpec | undefined,
    ROLLOUT_HASH_LABEL,
  );
  return { main: { spec: { template: mergeReplacing(ro.spec?.template, template) } } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A merge patch that turns `from` into `to` (keys only in `from` become null). */
export function mergeReplacing(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) {
    return to;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(from)) {
    if (!(k in to)) {
      out[k] = null;
    }
  }
  for (const [k, v] of Object.entries(to)) {
    out[k] = k in from ? mergeReplacing(from[k], v) : v;
  }
  return out;
}
