// How a Deployment moves replicas between its ReplicaSets (Kubernetes semantics): rolling update
// (scale the new ReplicaSet up within maxSurge, the old ones down within maxUnavailable, unhealthy
// pods first), Recreate, and proportional scaling when spec.replicas changes mid-rollout or while
// paused. Everything works on the plan's scratch pad; nothing here does I/O.
import type { KObject } from '../../api/types.js';
import type { Fenceposts } from '../common/int-or-percent.js';
import type { RSView } from '../common/replica-sets.js';
import type { ReplicaSetWork } from '../common/work.js';

export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

export interface ScaleContext {
  readonly d: KObject;
  readonly replicas: number;
  readonly fence: Fenceposts;
  readonly rolling: boolean;
  readonly work: ReplicaSetWork;
  /** The new ReplicaSet's name (existing or created in this pass), if there is one. */
  newName: string | undefined;
  /** The new ReplicaSet as observed (undefined when created in this pass). */
  readonly newView: RSView | undefined;
  /** Old ReplicaSets, oldest first. */
  readonly old: readonly RSView[];
}

/** Available pods a ReplicaSet keeps once its controller has acted on its current spec. */
function effectiveAvailable(v: RSView): number {
  return Math.min(v.available, v.specReplicas);
}

/** Sets replicas and the desired/max annotations, as Kubernetes' scaleReplicaSet does. */
export function scaleTo(c: ScaleContext, name: string, n: number): void {
  c.work.scale(name, n);
  c.work.annotate(name, {
    [DESIRED_REPLICAS]: String(c.replicas),
    [MAX_REPLICAS]: String(c.replicas + c.fence.surge),
  });
}

function totalReplicas(c: ScaleContext): number {
  let n = c.newName ? c.work.replicas(c.newName) : 0;
  for (const v of c.old) {
    n += c.work.replicas(v.name);
  }
  return n;
}

/** What the new ReplicaSet should have now (Kubernetes' NewRSNewReplicas). */
export function newReplicasFor(c: ScaleContext, current: number, othersTotal: number): number {
  if (!c.rolling) {
    return c.replicas;
  }
  const maxTotal = c.replicas + c.fence.surge;
  const all = othersTotal + current;
  if (all >= maxTotal) {
    return current;
  }
  return current + Math.max(0, Math.min(maxTotal - all, c.replicas - current));
}

/** Scales the new ReplicaSet toward spec.replicas within the surge; true when it changed. */
export function reconcileNewReplicaSet(c: ScaleContext): boolean {
  if (!c.newName) {
    return false;
  }
  const cur = c.work.replicas(c.newName);
  if (cur === c.replicas) {
    return false;
  }
  if (cur > c.replicas) {
    scaleTo(c, c.newName, c.replicas);
    return true;
  }
  const next = newReplicasFor(c, cur, totalReplicas(c) - cur);
  if (next === cur) {
    return false;
  }
  scaleTo(c, c.newName, next);
  return true;
}

/** Scales old ReplicaSets down without going under replicas − maxUnavailable; true when any changed. */
export function reconcileOldReplicaSets(c: ScaleContext): boolean {
  let oldTotal = 0;
  for (const v of c.old) {
    oldTotal += c.work.replicas(v.name);
  }
  if (oldTotal === 0) {
    return false;
  }
  const minAvailable = c.replicas - c.fence.unavailable;
  const newReplicas = c.newName ? c.work.replicas(c.newName) : 0;
  const newAvailable = c.newView ? effectiveAvailable(c.newView) : 0;
  const maxScaledDown = totalReplicas(c) - minAvailable - (newReplicas - newAvailable);
  if (maxScaledDown <= 0) {
    return false;
  }
  // First the old pods that are not available anyway.
  let cleaned = 0;
  for (const v of c.old) {
    if (cleaned >= maxScaledDown) {
      break;
    }
    const cur = c.work.replicas(v.name);
    const unhealthy = cur - effectiveAvailable(v);
    if (cur === 0 || unhealthy <= 0) {
      continue;
    }
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    scaleTo(c, v.name, cur - down);
    cleaned += down;
  }
  // Then available ones, oldest ReplicaSet first, as long as enough stay available.
  let available = newAvailable;
  for (const v of c.old) {
    available += effectiveAvailable(v);
  }
  let scaled = 0;
  if (available > minAvailable) {
    const budget = available - minAvailable;
    for (const v of c.old) {
      if (scaled >= budget) {
        break;
      }
      const cur = c.work.replicas(v.name);
      if (cur === 0) {
        continue;
      }
      const down = Math.min(cur, budget - scaled);
      scaleTo(c, v.name, cur - down);
      scaled += down;
    }
  }
  return cleaned + scaled > 0;
}

/** Recreate, step one: every old ReplicaSet to 0; true when any changed. */
export function scaleDownOldForRecreate(c: ScaleContext): boolean {
  let changed = false;
  for (const v of c.old) {
    if (c.work.replicas(v.name) > 0) {
      scaleTo(c, v.name, 0);
      changed = true;
    }
  }
  return changed;
}

/** Recreate waits until no old pod runs (terminating ones count until they are gone). */
export function oldPodsRunning(c: ScaleContext): boolean {
  for (const v of c.old) {
    for (const p of v.pods) {
      const phase = p.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        return true;
      }
    }
  }
  return false;
}

/** spec.replicas differs from what an active ReplicaSet was last scaled for. */
export function isScalingEvent(c: ScaleContext, views: readonly RSView[]): boolean {
  for (const v of views) {
    if (v.specReplicas === 0) {
      continue;
    }
    const desired = v.rs.metadata.annotations?.[DESIRED_REPLICAS];
    if (desired !== undefined && Number(desired) !== c.replicas) {
      return true;
    }
  }
  return false;
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function maxReplicasAnnotation(v: RSView): number | undefined {
  const n = Number(v.rs.metadata.annotations?.[MAX_REPLICAS] ?? '');
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Kubernetes' scale(): one active ReplicaSet takes all replicas; a saturated new one makes the old
 * go to 0; otherwise a rolling Deployment spreads the change over its ReplicaSets in proportion to
 * their size (what each was sized for is in its max-replicas annotation).
 */
export function proportionalScale(c: ScaleContext, views: readonly RSView[]): void {
  const all = views.filter((v) => c.work.replicas(v.name) > 0);
  const newView = c.newView;
  if (all.length === 0 || all.length === 1) {
    const target =
      all[0] ?? newView ?? [...c.old].sort((a, b) => (a.created < b.created ? 1 : -1))[0] ?? undefined;
    if (target && c.work.replicas(target.name) !== c.replicas) {
      scaleTo(c, target.name, c.replicas);
    }
    return;
  }
  if (
    newView &&
    newView.rs.metadata.annotations?.[DESIRED_REPLICAS] === String(c.replicas) &&
    c.work.replicas(newView.name) === c.replicas &&
    newView.available === c.replicas
  ) {
    for (const v of c.old) {
      if (c.work.replicas(v.name) > 0) {
        scaleTo(c, v.name, 0);
      }
    }
    return;
  }
  if (!c.rolling) {
    return;
  }
  const current = all.reduce((n, v) => n + c.work.replicas(v.name), 0);
  const allowed = c.replicas > 0 ? c.replicas + c.fence.surge : 0;
  const toAdd = allowed - current;
  // adding: larger first, newer first on ties; removing: larger first, older first on ties
  const ordered = [...all].sort((a, b) => {
    const d = c.work.replicas(b.name) - c.work.replicas(a.name);
    if (d !== 0) {
      return d;
    }
    const newer = a.created > b.created ? -1 : a.created < b.created ? 1 : 0;
    return toAdd > 0 ? newer : -newer;
  });
  const sizes = new Map<string, number>();
  let added = 0;
  for (const v of ordered) {
    const cur = c.work.replicas(v.name);
    let proportion = 0;
    if (toAdd !== 0 && cur > 0 && toAdd !== added) {
      let fraction: number;
      if (c.replicas === 0) {
        fraction = -cur;
      } else {
        const annotated = maxReplicasAnnotation(v) ?? Number(c.d.status?.replicas ?? 0);
        const size = annotated > 0 ? (cur * allowed) / annotated : cur;
        fraction = roundHalfAway(size) - cur;
      }
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(v.name, cur + proportion);
    added += proportion;
  }
  const first = ordered[0];
  if (toAdd !== 0 && first) {
    sizes.set(first.name, Math.max(0, (sizes.get(first.name) ?? 0) + toAdd - added));
  }
  for (const v of ordered) {
    scaleTo(c, v.name, Math.max(0, sizes.get(v.name) ?? 0));
  }
}
