// The scheduler's pure core: filter the nodes a pod fits on, score them (least allocated +
// spreading pods of one owner), pick the best, and account the choice before the next pod.
// planScheduling(pods, nodes) → actions; nothing here does I/O or mutates its inputs.
import type { Pod } from '../../api/types.js';
import { type NodeInfo, ownerKey, type PodCharge, podCharge } from './cache.js';
import {
  firstUntoleratedTaint,
  podMatchesNodeSelector,
  podTolerations,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  type Taint,
  type Toleration,
} from './taints.js';

export type SchedulingAction =
  | { readonly kind: 'bind'; readonly pod: Pod; readonly node: string; readonly score: number }
  | {
      readonly kind: 'unschedulable';
      readonly pod: Pod;
      /** kube-scheduler style: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) ….` */
      readonly message: string;
      readonly reasons: Readonly<Record<string, number>>;
    };

export interface ScoringWeights {
  readonly leastAllocated: number;
  readonly spread: number;
}

export const DEFAULT_WEIGHTS: ScoringWeights = { leastAllocated: 1, spread: 2 };

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_SELECTOR = "node(s) didn't match Pod's node affinity/selector";
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_CPU = 'Insufficient cpu';
export const REASON_MEMORY = 'Insufficient memory';

/** What planning has charged to a node on top of its NodeInfo (the plan never mutates the cache). */
interface Overlay {
  cpuMilli: number;
  memoryBytes: number;
  pods: number;
  nonZeroCpuMilli: number;
  nonZeroMemoryBytes: number;
  owners: Map<string, number>;
}

function emptyOverlay(): Overlay {
  return {
    cpuMilli: 0,
    memoryBytes: 0,
    pods: 0,
    nonZeroCpuMilli: 0,
    nonZeroMemoryBytes: 0,
    owners: new Map(),
  };
}

function untoleratedReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

/** The synthetic taint an un-Ready node carries (Kubernetes taints it; we derive it from the condition). */
function readinessTaint(node: NodeInfo): Taint | undefined {
  if (node.ready) {
    return undefined;
  }
  const unknown = node.taints.some((t) => t.key === TAINT_UNREACHABLE);
  return { key: unknown ? TAINT_UNREACHABLE : TAINT_NOT_READY, effect: 'NoSchedule' };
}

/**
 * Why `pod` cannot go on `node` (empty when it fits). Checks run in kube-scheduler's plugin order:
 * unschedulable, taints (and readiness), node selector/affinity, then every short resource.
 */
export function filterNode(
  pod: Pod,
  charge: PodCharge,
  tolerations: readonly Toleration[],
  node: NodeInfo,
  extra?: Pick<Overlay, 'cpuMilli' | 'memoryBytes' | 'pods'>,
): string[] {
  if (
    node.unschedulable &&
    !tolerations.some(
      (t) =>
        (t.key === TAINT_UNSCHEDULABLE || (!t.key && t.operator === 'Exists')) &&
        (!t.effect || t.effect === 'NoSchedule'),
    )
  ) {
    return [REASON_UNSCHEDULABLE];
  }
  const ready = readinessTaint(node);
  const taints = ready ? [ready, ...node.taints] : node.taints;
  const bad = firstUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
  if (bad) {
    return [untoleratedReason(bad)];
  }
  if (!podMatchesNodeSelector(pod, node.labels, node.name)) {
    return [REASON_SELECTOR];
  }
  const out: string[] = [];
  const a = node.allocatable;
  const r = node.requested;
  if (r.pods + (extra?.pods ?? 0) + 1 > a.pods) {
    out.push(REASON_TOO_MANY_PODS);
  }
  if (charge.cpuMilli > 0 && r.cpuMilli + (extra?.cpuMilli ?? 0) + charge.cpuMilli > a.cpuMilli) {
    out.push(REASON_CPU);
  }
  if (
    charge.memoryBytes > 0 &&
    r.memoryBytes + (extra?.memoryBytes ?? 0) + charge.memoryBytes > a.memoryBytes
  ) {
    out.push(REASON_MEMORY);
  }
  return out;
}

function leastAllocated(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) {
    return 0;
  }
  return Math.floor(((capacity - requested) * 100) / capacity);
}

/** 0–100: how much room the node keeps after placing the pod (CPU and memory averaged). */
export function leastAllocatedScore(node: NodeInfo, charge: PodCharge, extra?: Overlay): number {
  const cpu = node.nonZeroRequested.cpuMilli + (extra?.nonZeroCpuMilli ?? 0) + charge.nonZeroCpuMilli;
  const mem =
    node.nonZeroRequested.memoryBytes + (extra?.nonZeroMemoryBytes ?? 0) + charge.nonZeroMemoryBytes;
  return Math.floor(
    (leastAllocated(cpu, node.allocatable.cpuMilli) + leastAllocated(mem, node.allocatable.memoryBytes)) / 2,
  );
}

/** 0–100: fewer pods of the same owner than the most crowded feasible node is better. */
export function spreadScore(count: number, maxCount: number): number {
  return maxCount <= 0 ? 100 : Math.floor(((maxCount - count) * 100) / maxCount);
}

/** `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match ….` (reasons sorted as strings). */
export function unschedulableMessage(total: number, reasons: Readonly<Record<string, number>>): string {
  if (total === 0) {
    return '0/0 nodes are available: no nodes available to schedule pods.';
  }
  const parts = Object.entries(reasons)
    .map(([r, n]) => `${n} ${r}`)
    .sort();
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}

/** Scheduling order: higher priority first, then older pods, then by namespace/name. */
export function compareForScheduling(a: Pod, b: Pod): number {
  const pa = Number(a.spec?.priority ?? 0);
  const pb = Number(b.spec?.priority ?? 0);
  if (pa !== pb) {
    return pb - pa;
  }
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) {
    return ta < tb ? -1 : 1;
  }
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Places each pod (in scheduling order) on the best feasible node, charging each choice before
 * the next pod is considered. Cost: O(pods × nodes) filter/score steps, no pod rescans.
 */
export function planScheduling(
  pods: readonly Pod[],
  nodes: readonly NodeInfo[],
  weights: ScoringWeights = DEFAULT_WEIGHTS,
): SchedulingAction[] {
  const real = nodes
    .filter((n) => n.node !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const overlays = new Map<string, Overlay>();
  const actions: SchedulingAction[] = [];
  const feasible: NodeInfo[] = [];
  for (const pod of [...pods].sort(compareForScheduling)) {
    let charge: PodCharge;
    try {
      charge = podCharge(pod);
    } catch (e) {
      actions.push({
        kind: 'unschedulable',
        pod,
        message: `invalid resource request: ${(e as Error).message}`,
        reasons: {},
      });
      continue;
    }
    const tolerations = podTolerations(pod);
    const reasons: Record<string, number> = {};
    feasible.length = 0;
    for (const n of real) {
      const why = filterNode(pod, charge, tolerations, n, overlays.get(n.name));
      if (why.length === 0) {
        feasible.push(n);
      } else {
        for (const w of why) {
          reasons[w] = (reasons[w] ?? 0) + 1;
        }
      }
    }
    if (feasible.length === 0) {
      actions.push({
        kind: 'unschedulable',
        pod,
        message: unschedulableMessage(real.length, reasons),
        reasons,
      });
      continue;
    }
    const owner = ownerKey(pod);
    const countOn = (n: NodeInfo) =>
      owner === undefined
        ? 0
        : (n.ownerCounts.get(owner) ?? 0) + (overlays.get(n.name)?.owners.get(owner) ?? 0);
    let maxCount = 0;
    if (owner !== undefined) {
      for (const n of feasible) {
        maxCount = Math.max(maxCount, countOn(n));
      }
    }
    let best: NodeInfo | undefined;
    let bestScore = -1;
    for (const n of feasible) {
      const score =
        weights.leastAllocated * leastAllocatedScore(n, charge, overlays.get(n.name)) +
        weights.spread * spreadScore(countOn(n), maxCount);
      if (score > bestScore) {
        best = n;
        bestScore = score;
      }
    }
    const chosen = best!;
    let o = overlays.get(chosen.name);
    if (!o) {
      o = emptyOverlay();
      overlays.set(chosen.name, o);
    }
    o.cpuMilli += charge.cpuMilli;
    o.memoryBytes += charge.memoryBytes;
    o.pods += 1;
    o.nonZeroCpuMilli += charge.nonZeroCpuMilli;
    o.nonZeroMemoryBytes += charge.nonZeroMemoryBytes;
    if (owner !== undefined) {
      o.owners.set(owner, (o.owners.get(owner) ?? 0) + 1);
    }
    actions.push({ kind: 'bind', pod, node: chosen.name, score: bestScore });
  }
  return actions;
}
