// The scheduler's view of each node: what it offers and what the pods bound (or assumed) to it
// request, kept incrementally from pod and node events so one scheduling decision costs
// O(nodes), never a rescan of every pod. In-memory data only, no I/O.
import { getCondition, isPodTerminal, podRequests } from '../../api/pod-helpers.js';
import { parseInteger, parseMilli } from '../../api/quantity.js';
import type { KObject, Pod } from '../../api/types.js';
import { nodeTaints, type Taint } from './taints.js';

export interface Resources {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly pods: number;
}

/** Requests the scheduler charges for a pod: its real requests, and the non-zero view used for scoring. */
export interface PodCharge {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  /** Requests with Kubernetes' scoring defaults (100m CPU, 200Mi memory) for containers that set none. */
  readonly nonZeroCpuMilli: number;
  readonly nonZeroMemoryBytes: number;
}

const DEFAULT_CPU_MILLI = 100;
const DEFAULT_MEMORY_BYTES = 200 * 1024 * 1024;

/** What a pod asks of a node. Throws QuantityError on an invalid quantity. */
export function podCharge(pod: Pick<Pod, 'spec'>): PodCharge {
  const r = podRequests(pod);
  return {
    cpuMilli: r.cpuMilli,
    memoryBytes: r.memoryBytes,
    nonZeroCpuMilli: r.cpuMilli > 0 ? r.cpuMilli : DEFAULT_CPU_MILLI,
    nonZeroMemoryBytes: r.memoryBytes > 0 ? r.memoryBytes : DEFAULT_MEMORY_BYTES,
  };
}

/** The uid in a pod's controller ownerReference: pods sharing it are spread apart. */
export function ownerKey(pod: Pick<Pod, 'metadata'>): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
}

export interface NodeInfo {
  readonly name: string;
  /** undefined while only bound pods name this node (it was deleted, or is not in the cache yet). */
  readonly node: KObject | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  readonly taints: readonly Taint[];
  readonly allocatable: Resources;
  /** Sums over the pods bound or assumed here. */
  readonly requested: Resources;
  readonly nonZeroRequested: { readonly cpuMilli: number; readonly memoryBytes: number };
  /** Pods per controller owner uid. */
  readonly ownerCounts: ReadonlyMap<string, number>;
}

interface MutableNodeInfo {
  name: string;
  node: KObject | undefined;
  labels: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  taints: Taint[];
  allocatable: Resources;
  requested: { cpuMilli: number; memoryBytes: number; pods: number };
  nonZeroRequested: { cpuMilli: number; memoryBytes: number };
  ownerCounts: Map<string, number>;
}

interface PodEntry {
  readonly node: string;
  readonly charge: PodCharge;
  readonly owner: string | undefined;
  assumed: boolean;
  /** ms epoch after which an assumed pod never confirmed by the cache is dropped. */
  deadline?: number;
}

function quantity(v: unknown, parse: (q: string | number) => number): number {
  if (typeof v !== 'string' && typeof v !== 'number') {
    return 0;
  }
  try {
    return parse(v);
  } catch {
    return 0;
  }
}

function allocatableOf(node: KObject): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    cpuMilli: quantity(a.cpu, parseMilli),
    memoryBytes: quantity(a.memory, parseInteger),
    pods: quantity(a.pods, parseInteger),
  };
}

function emptyInfo(name: string): MutableNodeInfo {
  return {
    name,
    node: undefined,
    labels: {},
    ready: false,
    unschedulable: false,
    taints: [],
    allocatable: { cpuMilli: 0, memoryBytes: 0, pods: 0 },
    requested: { cpuMilli: 0, memoryBytes: 0, pods: 0 },
    nonZeroRequested: { cpuMilli: 0, memoryBytes: 0 },
    ownerCounts: new Map(),
  };
}

function safeCharge(pod: Pod): PodCharge {
  try {
    return podCharge(pod);
  } catch {
    return {
      cpuMilli: 0,
      memoryBytes: 0,
      nonZeroCpuMilli: DEFAULT_CPU_MILLI,
      nonZeroMemoryBytes: DEFAULT_MEMORY_BYTES,
    };
  }
}

export class SchedulerCache {
  private readonly nodes = new Map<string, MutableNodeInfo>();
  private readonly pods = new Map<string, PodEntry>();

  setNode(node: KObject): void {
    const name = node.metadata.name ?? '';
    let info = this.nodes.get(name);
    if (!info) {
      info = emptyInfo(name);
      this.nodes.set(name, info);
    }
    info.node = node;
    info.labels = { ...(node.metadata.labels ?? {}) };
    info.ready = getCondition<{ type: string; status: string }>(node.status, 'Ready')?.status === 'True';
    info.unschedulable = node.spec?.unschedulable === true;
    info.taints = nodeTaints(node);
    info.allocatable = allocatableOf(node);
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) {
      return;
    }
    if (info.requested.pods === 0) {
      this.nodes.delete(name);
    } else {
      // keep the accounting of pods still bound there; the node itself is gone
      Object.assign(info, {
        ...emptyInfo(name),
        requested: info.requested,
        nonZeroRequested: info.nonZeroRequested,
        ownerCounts: info.ownerCounts,
      });
    }
  }

  /** Accounts a pod as the informer reports it: bound and not terminal counts, anything else does not. */
  updatePod(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const prev = this.pods.get(uid);
    const node = pod.spec?.nodeName;
    if (!node || isPodTerminal(pod)) {
      if (prev?.assumed && !node && !isPodTerminal(pod)) {
        return; // our binding is not visible yet: keep the assumption
      }
      this.drop(uid);
      return;
    }
    if (prev && prev.node === node && !prev.assumed) {
      return; // requests are immutable; nothing to re-account
    }
    this.drop(uid);
    this.charge(uid, { node, charge: safeCharge(pod), owner: ownerKey(pod), assumed: false });
  }

  removePod(pod: Pick<Pod, 'metadata'>): void {
    this.drop(pod.metadata.uid ?? '');
  }

  /** Charges a pod to a node before its binding is visible, so the next decisions see it. */
  assume(pod: Pod, node: string, charge: PodCharge = safeCharge(pod)): void {
    const uid = pod.metadata.uid ?? '';
    this.drop(uid);
    this.charge(uid, { node, charge, owner: ownerKey(pod), assumed: true });
  }

  /** The binding succeeded: keep the assumption until the informer shows it, at most until `deadline`. */
  finishBinding(uid: string, deadline: number): void {
    const e = this.pods.get(uid);
    if (e?.assumed) {
      e.deadline = deadline;
    }
  }

  /** The binding failed: undo the assumption. */
  forget(uid: string): void {
    if (this.pods.get(uid)?.assumed) {
      this.drop(uid);
    }
  }

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed === true;
  }

  /** Drops assumptions whose binding finished before `now` - ttl and never showed up. */
  expireAssumed(now: number): number {
    let n = 0;
    for (const [uid, e] of this.pods) {
      if (e.assumed && e.deadline !== undefined && e.deadline < now) {
        this.drop(uid);
        n++;
      }
    }
    return n;
  }

  nodeInfos(): NodeInfo[] {
    return [...this.nodes.values()];
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  private charge(uid: string, e: PodEntry): void {
    this.pods.set(uid, e);
    let info = this.nodes.get(e.node);
    if (!info) {
      info = emptyInfo(e.node);
      this.nodes.set(e.node, info);
    }
    info.requested.cpuMilli += e.charge.cpuMilli;
    info.requested.memoryBytes += e.charge.memoryBytes;
    info.requested.pods += 1;
    info.nonZeroRequested.cpuMilli += e.charge.nonZeroCpuMilli;
    info.nonZeroRequested.memoryBytes += e.charge.nonZeroMemoryBytes;
    if (e.owner) {
      info.ownerCounts.set(e.owner, (info.ownerCounts.get(e.owner) ?? 0) + 1);
    }
  }

  private drop(uid: string): void {
    const e = this.pods.get(uid);
    if (!e) {
      return;
    }
    this.pods.delete(uid);
    const info = this.nodes.get(e.node);
    if (!info) {
      return;
    }
    info.requested.cpuMilli -= e.charge.cpuMilli;
    info.requested.memoryBytes -= e.charge.memoryBytes;
    info.requested.pods -= 1;
    info.nonZeroRequested.cpuMilli -= e.charge.nonZeroCpuMilli;
    info.nonZeroRequested.memoryBytes -= e.charge.nonZeroMemoryBytes;
    if (e.owner) {
      const c = (info.ownerCounts.get(e.owner) ?? 0) - 1;
      if (c > 0) {
        info.ownerCounts.set(e.owner, c);
      } else {
        info.ownerCounts.delete(e.owner);
      }
    }
    if (!info.node && info.requested.pods === 0) {
      this.nodes.delete(e.node);
    }
  }
}
