// The Rollout controller's pure core (argoproj.io/v1alpha1, Argo Rollouts semantics without a
// traffic router): find or create the ReplicaSet of the current template, run the blue/green or
// canary strategy, restart pods on spec.restartAt, clean up old revisions and compute status.
// planRollout(rollout, replicaSets, pods, services, now) → actions; a converged Rollout plans none.
import { rfc3339 } from '../../api/clock.js';
import { controllerRef } from '../../api/pod-helpers.js';
import type { KObject, Pod, PodTemplateSpec } from '../../api/types.js';
import { stableJson } from '../../cluster/controllers/pod-template.js';
import { resolveFenceposts } from '../common/int-or-percent.js';
import {
  findNewReplicaSet,
  hashOf,
  maxRevision,
  newReplicaSetBody,
  replicasOf,
  viewReplicaSets,
} from '../common/replica-sets.js';
import { ReplicaSetWork } from '../common/work.js';
import { blueGreenInitialReplicas, planBlueGreen } from './blue-green.js';
import { planCanary } from './canary.js';
import {
  type Controls,
  effectiveAvailable,
  ROLLOUT_HASH_LABEL,
  ROLLOUT_REVISION,
  type RolloutAction,
  type RolloutCtx,
  requeueIn,
  viewOf,
} from './context.js';
import { rolloutStatus, timedOutBefore } from './status.js';

export type { RolloutAction } from './context.js';

export interface RolloutPlan {
  readonly actions: RolloutAction[];
  readonly status: Record<string, unknown>;
  readonly requeueAfterMs?: number;
}

export interface RolloutPlanOptions {
  /** Pods whose deletion was issued but not observed yet. */
  readonly deleting?: ReadonlySet<string>;
}

function controlsFrom(prev: Record<string, any>, fresh: boolean): Controls {
  if (fresh) {
    return {
      abort: false,
      pauseConditions: [],
      controllerPause: false,
      promoteFull: false,
      currentStepIndex: 0,
    };
  }
  return {
    abort: prev.abort === true,
    ...(prev.abortedAt ? { abortedAt: String(prev.abortedAt) } : {}),
    pauseConditions: Array.isArray(prev.pauseConditions) ? structuredClone(prev.pauseConditions) : [],
    controllerPause: prev.controllerPause === true,
    promoteFull: prev.promoteFull === true,
    currentStepIndex: Math.max(0, Number(prev.currentStepIndex ?? 0) || 0),
  };
}

function fenceOf(ro: KObject, replicas: number) {
  const s = ro.spec?.strategy ?? {};
  if (s.blueGreen) {
    return { surge: 0, unavailable: 0 };
  }
  return resolveFenceposts(s.canary?.maxSurge, s.canary?.maxUnavailable, replicas);
}

/** Pods restarted for spec.restartAt (one budget at a time, only while the Rollout is steady). */
function restart(c: RolloutCtx, status: Record<string, unknown>): void {
  const at = c.ro.spec?.restartAt as string | undefined;
  const t = at ? Date.parse(at) : Number.NaN;
  if (!at || Number.isNaN(t) || c.ro.status?.restartedAt === at) {
    return;
  }
  if (t > c.now.getTime()) {
    requeueIn(c, t - c.now.getTime());
    return;
  }
  const v = c.newView;
  if (!v || c.stableHash !== c.newHash || c.controls.abort || v.specReplicas !== c.replicas) {
    return;
  }
  const old = v.pods
    .filter((p) => !p.metadata.deletionTimestamp && Date.parse(p.metadata.creationTimestamp ?? '') < t)
    .sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
  if (old.length === 0) {
    status.restartedAt = at;
    return;
  }
  const budget = effectiveAvailable(v) - (c.replicas - Math.max(1, c.fence.unavailable));
  for (const pod of old.slice(0, Math.max(0, budget))) {
    c.extra.push({ kind: 'deletePod', pod });
  }
  requeueIn(c, 1000);
}

/** Old ReplicaSets with no replicas and no pods beyond revisionHistoryLimit, lowest revision first. */
function cleanup(c: RolloutCtx): void {
  const limit = Number(c.ro.spec?.revisionHistoryLimit ?? 10);
  const keep = new Set([c.newName, viewOf(c, c.stableHash)?.name, viewOf(c, c.activeSelector)?.name]);
  const old = c.views.filter((v) => !keep.has(v.name) && !v.rs.metadata.deletionTimestamp);
  const diff = old.length - limit;
  if (!Number.isInteger(limit) || diff <= 0) {
    return;
  }
  const sorted = [...old].sort((a, b) => a.revision - b.revision || (a.created < b.created ? -1 : 1));
  for (const v of sorted.slice(0, diff)) {
    if (v.specReplicas === 0 && c.work.replicas(v.name) === 0 && v.pods.length === 0) {
      c.work.delete(v.name);
    }
  }
}

function statusChanged(prev: Record<string, unknown> | undefined, next: Record<string, unknown>): boolean {
  return stableJson(prev ?? {}) !== stableJson(next);
}

export function planRollout(
  ro: KObject,
  replicaSets: readonly KObject[],
  pods: readonly Pod[],
  services: readonly KObject[],
  now: Date,
  opts: RolloutPlanOptions = {},
): RolloutPlan {
  const owned = replicaSets.filter(
    (rs) => controllerRef(rs)?.uid === ro.metadata.uid && rs.metadata.namespace === ro.metadata.namespace,
  );
  const replicas = replicasOf(ro);
  const fence = fenceOf(ro, replicas);
  const blueGreen = !!ro.spec?.strategy?.blueGreen;
  const { views, availableAfterMs } = viewReplicaSets(owned, pods, {
    hashLabel: ROLLOUT_HASH_LABEL,
    revisionAnnotation: ROLLOUT_REVISION,
    minReadySeconds: Math.max(0, Number(ro.spec?.minReadySeconds ?? 0) || 0),
    now,
    deleting: opts.deleting,
  });
  const prev: Record<string, any> = ro.status ?? {};
  const template = ro.spec?.template as PodTemplateSpec | undefined;
  const existing = findNewReplicaSet(views, template, ROLLOUT_HASH_LABEL);
  const newHash =
    existing?.hash ?? hashOf(template, ROLLOUT_HASH_LABEL, Number(prev.collisionCount ?? 0) || 0);
  const work = new ReplicaSetWork(views);
  const newName = existing?.name ?? `${ro.metadata.name}-${newHash}`;
  const svcMap = new Map<string, KObject>();
  for (const s of services) {
    if (s.metadata.namespace === ro.metadata.namespace) {
      svcMap.set(s.metadata.name ?? '', s);
    }
  }
  const c: RolloutCtx = {
    ro,
    replicas,
    now,
    views,
    work,
    newName,
    newView: existing,
    newHash,
    fence,
    services: svcMap,
    controls: controlsFrom(prev, prev.currentPodHash !== newHash),
    paused: ro.spec?.paused === true,
    stableHash: typeof prev.stableRS === 'string' && prev.stableRS !== '' ? prev.stableRS : undefined,
    extra: [],
  };
  if (c.stableHash && !viewOf(c, c.stableHash)) {
    c.stableHash = undefined;
  }
  const nextRevision = String(maxRevision(views, existing) + 1);
  let created = false;
  if (!ro.metadata.deletionTimestamp) {
    if (!existing) {
      if (views.some((v) => v.name === newName)) {
        return collision(prev);
      }
      const stableExists = blueGreen
        ? viewOf(
            c,
            services.find((s) => s.metadata.name === ro.spec?.strategy?.blueGreen?.activeService)?.spec
              ?.selector?.[ROLLOUT_HASH_LABEL],
          ) !== undefined
        : c.stableHash !== undefined;
      const initial = blueGreen
        ? blueGreenInitialReplicas(ro, replicas, stableExists)
        : stableExists
          ? 0
          : replicas;
      work.create(
        newReplicaSetBody({
          owner: ro,
          template,
          selector: ro.spec?.selector,
          hashLabel: ROLLOUT_HASH_LABEL,
          hash: newHash,
          replicas: c.controls.abort ? 0 : initial,
          minReadySeconds: Number(ro.spec?.minReadySeconds ?? 0) || 0,
          annotations: { [ROLLOUT_REVISION]: nextRevision },
        }),
      );
      created = true;
    } else if (existing.revision < Number(nextRevision)) {
      work.annotate(existing.name, { [ROLLOUT_REVISION]: nextRevision });
    }
    if (c.controls.abort && !c.controls.abortedAt) {
      c.controls.abortedAt = rfc3339(now);
    }
    if (
      !c.controls.abort &&
      !c.paused &&
      c.controls.pauseConditions.length === 0 &&
      ro.spec?.progressDeadlineAbort === true &&
      c.stableHash !== newHash &&
      timedOutBefore(c)
    ) {
      c.controls.abort = true;
      c.controls.abortedAt = rfc3339(now);
    }
    if (blueGreen) {
      planBlueGreen(c);
    } else {
      planCanary(c);
    }
    cleanup(c);
  }
  const rsActions = work.actions();
  const changed =
    rsActions.some((a) => a.kind !== 'annotateRS') || c.extra.some((a) => a.kind === 'patchServiceSelector');
  const status = rolloutStatus(c, { created, changed, blueGreen });
  if (!ro.metadata.deletionTimestamp && !c.invalid) {
    restart(c, status);
  }
  const actions: RolloutAction[] = [...rsActions, ...c.extra];
  if (statusChanged(prev, status)) {
    actions.push({ kind: 'setStatus', status });
  }
  let requeueAfterMs = c.requeueAfterMs;
  if (availableAfterMs !== undefined) {
    requeueAfterMs = Math.min(requeueAfterMs ?? availableAfterMs, availableAfterMs);
  }
  const deadlineCheck = progressRequeue(ro, status, now);
  if (deadlineCheck !== undefined) {
    requeueAfterMs = Math.min(requeueAfterMs ?? deadlineCheck, deadlineCheck);
  }
  return requeueAfterMs === undefined ? { actions, status } : { actions, status, requeueAfterMs };
}

/** A rollout still progressing is looked at again just after its progress deadline. */
function progressRequeue(ro: KObject, status: Record<string, unknown>, now: Date): number | undefined {
  const conds = (status.conditions as { type: string; reason?: string; lastUpdateTime?: string }[]) ?? [];
  const p = conds.find((x) => x.type === 'Progressing');
  if (
    !p ||
    (p.reason !== 'ReplicaSetUpdated' && p.reason !== 'NewReplicaSetCreated' && p.reason !== 'RolloutResumed')
  ) {
    return undefined;
  }
  const from = Date.parse(p.lastUpdateTime ?? '');
  const deadline = Number(ro.spec?.progressDeadlineSeconds ?? 600) || 600;
  return Number.isNaN(from) ? undefined : Math.max(100, from + deadline * 1000 - now.getTime() + 1000);
}

/** Our own ReplicaSet holds the name with another template: hash again with a bumped count. */
function collision(prev: Record<string, any>): RolloutPlan {
  const status = { ...prev, collisionCount: (Number(prev.collisionCount ?? 0) || 0) + 1 };
  return { actions: [{ kind: 'setStatus', status }], status, requeueAfterMs: 50 };
}
