// The Deployment controller's pure core (apps/v1, Kubernetes semantics): find or create the
// ReplicaSet of the current template, keep revision annotations, move replicas (rolling update,
// Recreate, proportional scaling while paused or on a scale), clean up old revisions, and compute
// status. planDeployment(d, replicaSets, pods, now) → actions; a converged Deployment plans none.
import { controllerRef } from '../../api/pod-helpers.js';
import type { KObject, Pod, PodTemplateSpec } from '../../api/types.js';
import { stableJson } from '../../cluster/controllers/pod-template.js';
import { type Condition, findCondition, newCondition, replaceCondition } from '../common/conditions.js';
import { resolveFenceposts } from '../common/int-or-percent.js';
import {
  findNewReplicaSet,
  hashOf,
  maxRevision,
  newReplicaSetBody,
  type RSView,
  replicasOf,
  viewReplicaSets,
} from '../common/replica-sets.js';
import { type ReplicaSetAction, ReplicaSetWork } from '../common/work.js';
import {
  isScalingEvent,
  newReplicasFor,
  oldPodsRunning,
  proportionalScale,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  type ScaleContext,
  scaleDownOldForRecreate,
  scaleTo,
} from './scaling.js';
import {
  calculateStatus,
  type DeploymentStatus,
  deploymentComplete,
  PROGRESSING,
  pausedConditions,
  REASON,
  rolloutStatus,
} from './status.js';

export { DESIRED_REPLICAS, MAX_REPLICAS } from './scaling.js';
export type { DeploymentStatus } from './status.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';

/** Deployment annotations not copied onto its ReplicaSets (as Kubernetes skips them). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export type DeploymentAction =
  | ReplicaSetAction
  | { readonly kind: 'setRevision'; readonly revision: string }
  | { readonly kind: 'setStatus'; readonly status: DeploymentStatus };

export interface DeploymentPlan {
  readonly actions: DeploymentAction[];
  readonly status: DeploymentStatus;
  readonly requeueAfterMs?: number;
}

export interface DeploymentPlanOptions {
  /** Pods whose deletion was issued but not observed yet. */
  readonly deleting?: ReadonlySet<string>;
}

interface Ctx extends ScaleContext {
  readonly views: readonly RSView[];
  readonly now: Date;
  conditions: Condition[];
  collisionCount: number;
  revision?: string;
}

function copiedAnnotations(d: KObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (!NOT_COPIED.has(k)) {
      out[k] = v;
    }
  }
  return out;
}

function minReadySeconds(d: KObject): number {
  return Math.max(0, Number(d.spec?.minReadySeconds ?? 0) || 0);
}

/** Revision annotations on an existing new ReplicaSet (an old template coming back gets max + 1). */
function syncNewRevision(c: Ctx, v: RSView): void {
  const next = maxRevision(c.views, v) + 1;
  const ann: Record<string, string> = copiedAnnotations(c.d);
  if (v.revision < next) {
    ann[REVISION] = String(next);
    if (v.revision > 0) {
      const history = v.rs.metadata.annotations?.[REVISION_HISTORY];
      ann[REVISION_HISTORY] = history ? `${history},${v.revision}` : String(v.revision);
    }
  }
  c.work.annotate(v.name, ann);
  c.work.setMinReadySeconds(v.name, minReadySeconds(c.d));
  c.revision = c.work.annotation(v.name, REVISION);
  if (!findCondition(c.conditions, PROGRESSING) && hasDeadline(c.d)) {
    c.conditions = replaceCondition(
      c.conditions,
      newCondition(PROGRESSING, 'True', REASON.foundNewRS, `Found new replica set "${v.name}"`, c.now),
    );
  }
}

function hasDeadline(d: KObject): boolean {
  const v = d.spec?.progressDeadlineSeconds;
  return typeof v === 'number' && v > 0 && v < 2 ** 31 - 1;
}

/** Creates the new ReplicaSet in the scratch pad; returns its name, or undefined on a name collision. */
function createNewReplicaSet(c: Ctx): string | undefined {
  const template = c.d.spec?.template as PodTemplateSpec | undefined;
  const hash = hashOf(template, POD_TEMPLATE_HASH, c.collisionCount);
  const name = `${c.d.metadata.name}-${hash}`;
  if (c.views.some((v) => v.name === name)) {
    // a ReplicaSet of ours has the name but another template: hash again with a bumped count
    c.collisionCount++;
    return undefined;
  }
  const revision = String(maxRevision(c.views) + 1);
  let others = 0;
  for (const v of c.old) {
    others += c.work.replicas(v.name);
  }
  const replicas = newReplicasFor(c, 0, others);
  const body = newReplicaSetBody({
    owner: c.d,
    template,
    selector: c.d.spec?.selector,
    hashLabel: POD_TEMPLATE_HASH,
    hash,
    replicas,
    minReadySeconds: minReadySeconds(c.d),
    annotations: {
      ...copiedAnnotations(c.d),
      [REVISION]: revision,
      'deployment.kubernetes.io/desired-replicas': String(c.replicas),
      'deployment.kubernetes.io/max-replicas': String(c.replicas + c.fence.surge),
    },
  });
  c.work.create(body);
  c.revision = revision;
  if (hasDeadline(c.d)) {
    c.conditions = replaceCondition(
      c.conditions,
      newCondition(PROGRESSING, 'True', REASON.newRSCreated, `Created new replica set "${name}"`, c.now),
    );
  }
  return name;
}

/** Deletes old ReplicaSets beyond revisionHistoryLimit (lowest revision first, empty ones only). */
function cleanup(c: Ctx): void {
  const limit = Number(c.d.spec?.revisionHistoryLimit ?? 10);
  if (!Number.isInteger(limit) || limit < 0) {
    return;
  }
  const alive = c.old.filter((v) => !v.rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) {
    return;
  }
  const sorted = [...alive].sort((a, b) => a.revision - b.revision || (a.created < b.created ? -1 : 1));
  for (const v of sorted.slice(0, diff)) {
    if (v.specReplicas === 0 && c.work.replicas(v.name) === 0 && v.pods.length === 0) {
      c.work.delete(v.name);
    }
  }
}

function statusChanged(d: KObject, next: DeploymentStatus): boolean {
  const old: Record<string, unknown> = d.status ?? {};
  const pick = (s: Record<string, unknown>) => ({
    observedGeneration: s.observedGeneration ?? 0,
    replicas: s.replicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    conditions: s.conditions ?? [],
    collisionCount: s.collisionCount ?? 0,
  });
  return stableJson(pick(old)) !== stableJson(pick(next as unknown as Record<string, unknown>));
}

function minOf(...xs: (number | undefined)[]): number | undefined {
  const ys = xs.filter((x): x is number => x !== undefined);
  return ys.length === 0 ? undefined : Math.min(...ys);
}

/** What to do now to move the Deployment toward its spec. */
export function planDeployment(
  d: KObject,
  replicaSets: readonly KObject[],
  pods: readonly Pod[],
  now: Date,
  opts: DeploymentPlanOptions = {},
): DeploymentPlan {
  const owned = replicaSets.filter(
    (rs) => controllerRef(rs)?.uid === d.metadata.uid && rs.metadata.namespace === d.metadata.namespace,
  );
  const replicas = replicasOf(d);
  const rolling = (d.spec?.strategy?.type ?? 'RollingUpdate') !== 'Recreate';
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const fence = rolling
    ? resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas)
    : { surge: 0, unavailable: 0 };
  const { views, availableAfterMs } = viewReplicaSets(owned, pods, {
    hashLabel: POD_TEMPLATE_HASH,
    revisionAnnotation: REVISION,
    minReadySeconds: minReadySeconds(d),
    now,
    deleting: opts.deleting,
  });
  const existingNew = findNewReplicaSet(views, d.spec?.template, POD_TEMPLATE_HASH);
  const c: Ctx = {
    d,
    replicas,
    fence,
    rolling,
    work: new ReplicaSetWork(views),
    newName: existingNew?.name,
    newView: existingNew,
    old: views.filter((v) => v !== existingNew),
    views,
    now,
    conditions: [...((d.status?.conditions as Condition[] | undefined) ?? [])],
    collisionCount: Number(d.status?.collisionCount ?? 0) || 0,
  };
  let requeueAfterMs: number | undefined;
  const status = (progress: boolean): DeploymentStatus => {
    const input = {
      d,
      replicas,
      maxUnavailable: fence.unavailable,
      views,
      newRS: existingNew,
      newRSName: c.newName,
      conditions: c.conditions,
      collisionCount: c.collisionCount,
      now,
    };
    if (!progress) {
      return calculateStatus(input);
    }
    const r = rolloutStatus(input);
    requeueAfterMs = minOf(requeueAfterMs, r.requeueAfterMs);
    return r.status;
  };

  let result: DeploymentStatus;
  if (d.metadata.deletionTimestamp) {
    result = status(false);
  } else {
    c.conditions = pausedConditions(d, c.conditions, now);
    if (existingNew) {
      syncNewRevision(c, existingNew);
    }
    const paused = d.spec?.paused === true;
    if (paused || isScalingEvent(c, views)) {
      proportionalScale(c, views);
      if (paused) {
        cleanup(c);
      }
      result = status(false);
    } else if (!rolling) {
      result = recreate(c, status);
    } else {
      result = rollingUpdate(c, status);
    }
  }
  const actions: DeploymentAction[] = c.work.actions();
  if (c.revision !== undefined && d.metadata.annotations?.[REVISION] !== c.revision) {
    actions.push({ kind: 'setRevision', revision: c.revision });
  }
  if (statusChanged(d, result)) {
    actions.push({ kind: 'setStatus', status: result });
  }
  requeueAfterMs = minOf(requeueAfterMs, availableAfterMs);
  if (c.collisionCount !== (Number(d.status?.collisionCount ?? 0) || 0)) {
    requeueAfterMs = minOf(requeueAfterMs, 50);
  }
  return requeueAfterMs === undefined
    ? { actions, status: result }
    : { actions, status: result, requeueAfterMs };
}

type StatusFn = (progress: boolean) => DeploymentStatus;

function rollingUpdate(c: Ctx, status: StatusFn): DeploymentStatus {
  if (!c.newName) {
    c.newName = createNewReplicaSet(c);
    if (!c.newName) {
      return status(true);
    }
  }
  if (reconcileNewReplicaSet(c)) {
    return status(true);
  }
  if (reconcileOldReplicaSets(c)) {
    return status(true);
  }
  const s = status(true);
  if (deploymentComplete(c.d, c.replicas, s)) {
    cleanup(c);
  }
  return s;
}

function recreate(c: Ctx, status: StatusFn): DeploymentStatus {
  if (scaleDownOldForRecreate(c)) {
    return status(true);
  }
  if (oldPodsRunning(c)) {
    return status(true);
  }
  if (!c.newName) {
    c.newName = createNewReplicaSet(c);
    if (!c.newName) {
      return status(true);
    }
  }
  if (c.work.replicas(c.newName) !== c.replicas) {
    scaleTo(c, c.newName, c.replicas);
  }
  const s = status(true);
  if (deploymentComplete(c.d, c.replicas, s)) {
    cleanup(c);
  }
  return s;
}
