// The ReplicaSet controller's pure core (Kubernetes semantics): claim pods (adopt matching
// orphans, release owned pods that stopped matching), create or delete pods toward
// spec.replicas, choose which pods go first when scaling down, and compute status.
import { rfc3339 } from '../../api/clock.js';
import { type Selector, selectorFromLabelSelector } from '../../api/labels.js';
import {
  controllerRef,
  getCondition,
  isPodActive,
  isPodAvailable,
  isPodReady,
} from '../../api/pod-helpers.js';
import type { KObject, Pod, PodCondition } from '../../api/types.js';
import { stableJson } from './pod-template.js';

export type ReplicaSetAction =
  | { readonly kind: 'adopt'; readonly pod: Pod }
  | { readonly kind: 'release'; readonly pod: Pod }
  | { readonly kind: 'create'; readonly count: number }
  | { readonly kind: 'delete'; readonly pods: readonly Pod[] };

export interface ReplicaSetPlanInput {
  readonly rs: KObject;
  /** Pods of the ReplicaSet's namespace (owned, orphans, others: the planner sorts them out). */
  readonly pods: readonly Pod[];
  /** Uids of pods whose deletion this controller issued but the cache does not show yet. */
  readonly deleting?: ReadonlySet<string>;
  /** When false (expectations not met) the planner claims pods but neither creates nor deletes. */
  readonly manageReplicas?: boolean;
  /** Most creates or deletes in one pass. Default 500. */
  readonly burst?: number;
}

export const DEFAULT_BURST = 500;

const selectors = new WeakMap<object, Selector>();

/** The ReplicaSet's selector (compiled once per cached object); an empty or missing one selects nothing. */
export function replicaSetSelector(rs: KObject): Selector {
  let s = selectors.get(rs.spec ?? rs);
  if (!s) {
    try {
      s = selectorFromLabelSelector(rs.spec?.selector);
    } catch {
      s = selectorFromLabelSelector(undefined);
    }
    selectors.set(rs.spec ?? rs, s);
  }
  return s;
}

function isActive(pod: Pod, deleting: ReadonlySet<string> | undefined): boolean {
  return isPodActive(pod) && !deleting?.has(pod.metadata.uid ?? '');
}

/** The pods a ReplicaSet controls after claiming: owned and matching, plus orphans it adopts. */
export function claimPods(rs: KObject, pods: readonly Pod[]): { owned: Pod[]; adopt: Pod[]; release: Pod[] } {
  const sel = replicaSetSelector(rs);
  const deleting = !!rs.metadata.deletionTimestamp;
  const owned: Pod[] = [];
  const adopt: Pod[] = [];
  const release: Pod[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== rs.metadata.namespace) {
      continue;
    }
    const ref = controllerRef(pod);
    const matches = sel.matches(pod.metadata.labels ?? {});
    if (ref) {
      if (ref.uid !== rs.metadata.uid) {
        continue;
      }
      if (matches) {
        owned.push(pod);
      } else if (!deleting) {
        release.push(pod);
      }
    } else if (matches && !deleting && !pod.metadata.deletionTimestamp) {
      adopt.push(pod);
      owned.push(pod);
    }
  }
  return { owned, adopt, release };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(pod: Pod): number {
  const t = getCondition<PodCondition>(pod.status, 'Ready')?.lastTransitionTime;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function restarts(pod: Pod): number {
  let n = 0;
  for (const c of pod.status?.containerStatuses ?? []) {
    n = Math.max(n, Number(c?.restartCount ?? 0));
  }
  return n;
}

/**
 * Order in which pods are deleted on scale-down (first = deleted first), Kubernetes' ranking
 * simplified: unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, ready for less time first, more restarts first, newer first, then by name.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) {
    return sa - sb;
  }
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) {
    return pa - pb;
  }
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) {
    return ra - rb;
  }
  if (ra === 1) {
    const ta = readySince(a);
    const tb = readySince(b);
    if (ta !== tb) {
      return tb - ta; // became ready more recently → goes first
    }
  }
  const xa = restarts(a);
  const xb = restarts(b);
  if (xa !== xb) {
    return xb - xa;
  }
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) {
    return ca < cb ? 1 : -1; // newer first
  }
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** What to do now to move the ReplicaSet toward spec.replicas. Empty when converged. */
export function planReplicaSet(input: ReplicaSetPlanInput): ReplicaSetAction[] {
  const { rs } = input;
  const { owned, adopt, release } = claimPods(rs, input.pods);
  const actions: ReplicaSetAction[] = [
    ...adopt.map((pod) => ({ kind: 'adopt' as const, pod })),
    ...release.map((pod) => ({ kind: 'release' as const, pod })),
  ];
  if (rs.metadata.deletionTimestamp || input.manageReplicas === false) {
    return actions;
  }
  const active = owned.filter((p) => isActive(p, input.deleting));
  const want = Math.max(0, Number(rs.spec?.replicas ?? 1));
  const burst = input.burst ?? DEFAULT_BURST;
  const diff = active.length - want;
  if (diff < 0) {
    actions.push({ kind: 'create', count: Math.min(-diff, burst) });
  } else if (diff > 0) {
    const victims = [...active].sort(compareForDeletion).slice(0, Math.min(diff, burst));
    actions.push({ kind: 'delete', pods: victims });
  }
  return actions;
}

export interface ReplicaFailure {
  readonly reason: 'FailedCreate' | 'FailedDelete';
  readonly message: string;
}

export interface ReplicaSetStatusResult {
  readonly status: Record<string, unknown>;
  /** Set when a ready pod becomes available (minReadySeconds) later: re-check then. */
  readonly requeueAfterMs?: number;
}

function labelsCover(pod: Pod, want: Readonly<Record<string, string>>): boolean {
  const have = pod.metadata.labels ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** status from the claimed pods (after adoption/release), and the failure of this pass if any. */
export function replicaSetStatus(
  rs: KObject,
  owned: readonly Pod[],
  now: Date,
  failure?: ReplicaFailure,
  deleting?: ReadonlySet<string>,
): ReplicaSetStatusResult {
  const active = owned.filter((p) => isActive(p, deleting));
  const templateLabels: Record<string, string> = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = Math.max(0, Number(rs.spec?.minReadySeconds ?? 0));
  let ready = 0;
  let available = 0;
  let fullyLabeled = 0;
  let requeueAfterMs: number | undefined;
  for (const p of active) {
    if (labelsCover(p, templateLabels)) {
      fullyLabeled++;
    }
    if (!isPodReady(p)) {
      continue;
    }
    ready++;
    if (isPodAvailable(p, minReady, now)) {
      available++;
    } else {
      const wait = Math.max(1, readySince(p) + minReady * 1000 - now.getTime());
      requeueAfterMs = Math.min(requeueAfterMs ?? wait, wait);
    }
  }
  const old: Record<string, any> = rs.status ?? {};
  const others: PodCondition[] = (old.conditions ?? []).filter(
    (c: PodCondition) => c.type !== 'ReplicaFailure',
  );
  const prevFailure = getCondition<PodCondition>(old, 'ReplicaFailure');
  let conditions = others;
  if (failure) {
    // A standing failure condition is kept as it is (as Kubernetes does): error messages name the
    // generated pod, and rewriting status on every retry would wake the controller again at once.
    conditions = [
      ...others,
      prevFailure?.status === 'True'
        ? prevFailure
        : {
            type: 'ReplicaFailure',
            status: 'True',
            lastTransitionTime: rfc3339(now),
            reason: failure.reason,
            message: failure.message,
          },
    ];
  }
  const status: Record<string, unknown> = {
    replicas: active.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (conditions.length > 0) {
    status.conditions = conditions;
  }
  return requeueAfterMs === undefined ? { status } : { status, requeueAfterMs };
}

/** True when `next` differs from the stored status in a field this controller owns. */
export function replicaSetStatusChanged(rs: KObject, next: Record<string, unknown>): boolean {
  const old: Record<string, unknown> = rs.status ?? {};
  const pick = (s: Record<string, unknown>) => ({
    replicas: s.replicas ?? 0,
    fullyLabeledReplicas: s.fullyLabeledReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    conditions: s.conditions ?? [],
  });
  return stableJson(pick(old)) !== stableJson(pick(next));
}
