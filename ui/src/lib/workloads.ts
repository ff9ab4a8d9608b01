// Nodes and pods as table rows: node readiness, addresses, capacity; pod phase, readiness,
// restarts, node; plus Kubernetes quantity formatting. Pure.
import type { KObject } from './list-state.js';

interface NodeLike {
  spec?: { podCIDR?: string; unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    addresses?: { type: string; address: string }[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    nodeInfo?: { kubeletVersion?: string; osImage?: string; containerRuntimeVersion?: string };
  };
}

export interface NodeRow {
  readonly name: string;
  readonly ready: 'Ready' | 'NotReady' | 'Unknown';
  readonly schedulable: boolean;
  readonly addresses: readonly string[];
  readonly podCIDR: string;
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly pods: number;
  readonly version: string;
  readonly created?: string;
}

export function nodeRow(o: KObject, pods: readonly KObject[]): NodeRow {
  const n = o as unknown as NodeLike;
  const cond = n.status?.conditions?.find((c) => c.type === 'Ready');
  const ready = cond?.status === 'True' ? 'Ready' : cond?.status === 'False' ? 'NotReady' : 'Unknown';
  const name = o.metadata.name ?? '';
  return {
    name,
    ready,
    schedulable: n.spec?.unschedulable !== true,
    addresses: (n.status?.addresses ?? []).map((a) => `${a.type} ${a.address}`),
    podCIDR: n.spec?.podCIDR ?? '-',
    capacity: n.status?.capacity ?? {},
    allocatable: n.status?.allocatable ?? {},
    pods: pods.filter((p) => (p as unknown as PodLike).spec?.nodeName === name).length,
    version: n.status?.nodeInfo?.kubeletVersion ?? '',
    ...(o.metadata.creationTimestamp ? { created: o.metadata.creationTimestamp } : {}),
  };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    terminated?: { reason?: string; exitCode?: number };
    running?: unknown;
  };
}

interface PodLike {
  metadata: { deletionTimestamp?: string };
  spec?: {
    nodeName?: string;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string }[];
  };
  status?: { phase?: string; reason?: string; podIP?: string; containerStatuses?: ContainerStatus[] };
}

export interface PodRow {
  readonly namespace: string;
  readonly name: string;
  /** kubectl's STATUS: a waiting/terminated reason, Terminating, or the phase. */
  readonly status: string;
  readonly phase: string;
  readonly ready: string;
  readonly allReady: boolean;
  readonly restarts: number;
  readonly node: string;
  readonly ip: string;
  readonly created?: string;
  readonly containers: readonly string[];
}

export function podRow(o: KObject): PodRow {
  const p = o as unknown as PodLike;
  const cs = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? cs.length;
  const ready = cs.filter((c) => c.ready).length;
  const phase = p.status?.phase ?? 'Unknown';
  let status = p.status?.reason ?? phase;
  for (const c of cs) {
    const r = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (r && !c.ready) {
      status = r;
    }
  }
  if (p.metadata.deletionTimestamp) {
    status = 'Terminating';
  }
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name ?? '',
    status,
    phase,
    ready: `${ready}/${total}`,
    allReady: total > 0 && ready === total,
    restarts: cs.reduce((s, c) => s + (c.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? '',
    ip: p.status?.podIP ?? '',
    ...(o.metadata.creationTimestamp ? { created: o.metadata.creationTimestamp } : {}),
    containers: (p.spec?.containers ?? []).map((c) => c.name),
  };
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A byte quantity (`16323888Ki`, `64Mi`, `1G`) as `15.6 GiB`; other text is returned as it is. */
export function formatBytes(q: string | undefined): string {
  if (!q) {
    return '-';
  }
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kMGT])?$/.exec(q);
  if (!m) {
    return q;
  }
  const unit = m[2] ?? '';
  const bytes = Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Namespaces of the pods, sorted, for the namespace filter. */
export function namespacesOf(pods: readonly PodRow[]): string[] {
  return [...new Set(pods.map((p) => p.namespace))].sort();
}

/** Percentage (0–100, integer) of `part` in `whole`, for replica bars. */
export function percent(part: number, whole: number): number {
  if (!(whole > 0)) {
    return 0;
  }
  return Math.max(0, Math.min(100, Math.round((part / whole) * 100)));
}
