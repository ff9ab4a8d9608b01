// What a user sees of a Rollout — phase, step, services, and each revision's ReplicaSet with its
// pods — as one plain view model shared by `gantry rollout get` and the dashboard. Pure: a
// function of the Rollout, its ReplicaSets and their pods (src/rollout/view-load.ts reads them).
import { isPodReady } from '../api/pod-helpers.js';
import type { KObject } from '../api/types.js';
import { type CanaryStep, canarySteps, weightAt } from './rollout/canary.js';
import { ROLLOUT_HASH_LABEL, ROLLOUT_REVISION } from './rollout/context.js';

export type RolloutRole = 'stable' | 'active' | 'preview' | 'canary';

export interface RolloutPodView {
  readonly name: string;
  /** status.phase, or a waiting container's reason (CrashLoopBackOff…), or Terminating. */
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly node?: string;
  readonly createdAt?: string;
}

export interface RolloutRevisionView {
  readonly revision: number;
  readonly replicaSet: string;
  readonly hash: string;
  readonly images: string[];
  readonly roles: RolloutRole[];
  readonly desired: number;
  readonly ready: number;
  readonly available: number;
  /** ScaledDown (0 desired), Healthy (all available) or Progressing. */
  readonly status: 'ScaledDown' | 'Healthy' | 'Progressing';
  readonly createdAt?: string;
  readonly pods: RolloutPodView[];
}

export interface RolloutStepView {
  /** status.currentStepIndex: the steps already done, as `kubectl argo rollouts get` prints "Step: 1/4". */
  readonly index: number;
  readonly total: number;
  /** The step in progress (`setWeight 40`, `pause`, `pause 30s`), or `done` after the last one. */
  readonly description: string;
}

export interface RolloutView {
  readonly name: string;
  readonly namespace: string;
  readonly strategy: 'blueGreen' | 'canary';
  /** status.phase: Healthy, Progressing, Paused or Degraded. */
  readonly status: string;
  readonly message?: string;
  readonly paused: boolean;
  readonly aborted: boolean;
  readonly step?: RolloutStepView;
  /** Canary only: the share (percent) of desired replicas the canary ReplicaSet has available. */
  readonly actualWeight?: number;
  /** Canary only: the weight the current step asks for. */
  readonly setWeight?: number;
  readonly activeService?: string;
  readonly previewService?: string;
  readonly desired: number;
  readonly current: number;
  readonly ready: number;
  readonly available: number;
  readonly updated: number;
  readonly createdAt?: string;
  /** The controller has seen the current spec (status.observedGeneration = metadata.generation). */
  readonly observed: boolean;
  /** Newest revision first. */
  readonly revisions: RolloutRevisionView[];
}

function podPhase(p: KObject): string {
  if (p.metadata.deletionTimestamp) {
    return 'Terminating';
  }
  const statuses: { state?: { waiting?: { reason?: string } } }[] = p.status?.containerStatuses ?? [];
  const waiting = statuses.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  return waiting ?? p.status?.phase ?? 'Pending';
}

function restarts(p: KObject): number {
  const statuses: { restartCount?: number }[] = p.status?.containerStatuses ?? [];
  return statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** A canary step in words: `setWeight 40`, `pause`, `pause 30s`, or the step's first key. */
export function describeStep(step: CanaryStep | undefined): string {
  if (!step) {
    return 'done';
  }
  if (typeof step.setWeight === 'number') {
    return `setWeight ${step.setWeight}`;
  }
  if (step.pause !== undefined) {
    const d = step.pause?.duration;
    return d === undefined ? 'pause' : `pause ${typeof d === 'number' ? `${d}s` : String(d)}`;
  }
  return Object.keys(step)[0] ?? 'step';
}

function podView(p: KObject): RolloutPodView {
  return {
    name: p.metadata.name ?? '',
    phase: podPhase(p),
    ready: isPodReady(p),
    restarts: restarts(p),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName as string } : {}),
    ...(p.metadata.creationTimestamp ? { createdAt: p.metadata.creationTimestamp } : {}),
  };
}

/** The view of a Rollout given its ReplicaSets and their pods (others are ignored). Pure. */
export function rolloutView(
  rollout: KObject,
  replicaSets: readonly KObject[],
  pods: readonly KObject[],
): RolloutView {
  const spec = rollout.spec ?? {};
  const st: Record<string, any> = rollout.status ?? {};
  const bg = spec.strategy?.blueGreen;
  const stableHash: string | undefined = st.stableRS;
  const currentHash: string | undefined = st.currentPodHash;
  const activeHash: string | undefined = st.blueGreen?.activeSelector;
  const previewHash: string | undefined = st.blueGreen?.previewSelector;
  const roles = (hash: string | undefined): RolloutRole[] => {
    const m: RolloutRole[] = [];
    if (!hash) {
      return m;
    }
    if (hash === stableHash) {
      m.push('stable');
    }
    if (bg) {
      if (hash === activeHash) {
        m.push('active');
      }
      if (hash === previewHash && hash !== activeHash) {
        m.push('preview');
      }
    } else if (hash === currentHash && hash !== stableHash) {
      m.push('canary');
    }
    return m;
  };
  const owned = replicaSets.filter(
    (rs) =>
      !rollout.metadata.uid ||
      (rs.metadata.ownerReferences?.some((r) => r.uid === rollout.metadata.uid) ?? false),
  );
  const revisions: RolloutRevisionView[] = owned
    .map((rs) => {
      const desired = Number(rs.spec?.replicas ?? 0);
      const available = Number(rs.status?.availableReplicas ?? 0);
      const hash: string = rs.metadata.labels?.[ROLLOUT_HASH_LABEL] ?? '';
      const containers: { image?: string }[] = rs.spec?.template?.spec?.containers ?? [];
      return {
        revision: Number(rs.metadata.annotations?.[ROLLOUT_REVISION] ?? 0),
        replicaSet: rs.metadata.name ?? '',
        hash,
        images: containers.map((c) => c.image ?? ''),
        roles: roles(hash),
        desired,
        ready: Number(rs.status?.readyReplicas ?? 0),
        available,
        status: desired === 0 ? 'ScaledDown' : available >= desired ? 'Healthy' : 'Progressing',
        ...(rs.metadata.creationTimestamp ? { createdAt: rs.metadata.creationTimestamp } : {}),
        pods: pods
          .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid))
          .map(podView)
          .sort((a, b) => a.name.localeCompare(b.name)),
      } satisfies RolloutRevisionView;
    })
    .sort((a, b) => b.revision - a.revision || a.replicaSet.localeCompare(b.replicaSet));
  const desired = Number(spec.replicas ?? 1);
  const base = {
    name: rollout.metadata.name ?? '',
    namespace: rollout.metadata.namespace ?? '',
    strategy: bg ? ('blueGreen' as const) : ('canary' as const),
    status: String(st.phase ?? 'Progressing'),
    ...(st.message ? { message: String(st.message) } : {}),
    paused: spec.paused === true || (Array.isArray(st.pauseConditions) && st.pauseConditions.length > 0),
    aborted: st.abort === true,
    desired,
    current: Number(st.replicas ?? 0),
    ready: Number(st.readyReplicas ?? 0),
    available: Number(st.availableReplicas ?? 0),
    updated: Number(st.updatedReplicas ?? 0),
    ...(rollout.metadata.creationTimestamp ? { createdAt: rollout.metadata.creationTimestamp } : {}),
    observed:
      st.observedGeneration !== undefined &&
      String(st.observedGeneration) === String(rollout.metadata.generation ?? st.observedGeneration),
    revisions,
  };
  if (bg) {
    return {
      ...base,
      ...(bg.activeService ? { activeService: String(bg.activeService) } : {}),
      ...(bg.previewService ? { previewService: String(bg.previewService) } : {}),
    };
  }
  const steps = canarySteps(rollout);
  const index = Math.min(Number(st.currentStepIndex ?? 0), steps.length);
  const canaryAvailable = revisions
    .filter((r) => r.roles.includes('canary'))
    .reduce((n, r) => n + r.available, 0);
  return {
    ...base,
    step: { index, total: steps.length, description: describeStep(steps[index]) },
    // once the new ReplicaSet is the stable one it carries everything
    actualWeight:
      currentHash !== undefined && currentHash === stableHash
        ? 100
        : desired > 0
          ? Math.round((100 * canaryAvailable) / desired)
          : 0,
    setWeight: weightAt(steps, index),
  };
}
