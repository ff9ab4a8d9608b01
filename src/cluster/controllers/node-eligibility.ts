// Which nodes a DaemonSet pod belongs on: nodeSelector, required node affinity, and taints the
// pod tolerates (with the tolerations Kubernetes adds to every DaemonSet pod). Pure.
import type { KObject, PodSpec } from '../../api/types.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** Tolerations every DaemonSet pod gets, so node conditions never evict or block it. */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork === true) {
    add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  }
  const have: Toleration[] = [...(spec.tolerations ?? [])];
  for (const t of add) {
    if (!have.some((h) => h.key === t.key && h.effect === t.effect && (h.operator ?? 'Equal') === 'Exists')) {
      have.push(t);
    }
  }
  return have;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) {
    return false;
  }
  if (t.operator === 'Exists') {
    return !t.key || t.key === taint.key;
  }
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || vals.length !== 1) {
        return false;
      }
      const a = Number(value);
      const b = Number(vals[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: KObject): boolean {
  const labels = node.metadata.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) {
    return false; // an empty term selects nothing
  }
  return (
    exprs.every((r) => requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) &&
    fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined))
  );
}

/** nodeSelector and required node affinity. */
export function nodeMatches(spec: PodSpec, node: KObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[k] !== v) {
      return false;
    }
  }
  const terms: NodeSelectorTerm[] | undefined =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (Array.isArray(terms) && !terms.some((t) => termMatches(t, node))) {
    return false;
  }
  return true;
}

export interface NodeFit {
  /** A new daemon pod may be placed there. */
  readonly shouldRun: boolean;
  /** A daemon pod already there may stay. */
  readonly shouldContinueRunning: boolean;
}

export function daemonNodeFit(spec: PodSpec, node: KObject): NodeFit {
  if (!nodeMatches(spec, node)) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const tolerations = daemonPodTolerations(spec);
  const taints: Taint[] = node.spec?.taints ?? [];
  const untolerated = taints.filter(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)),
  );
  return {
    shouldRun: untolerated.length === 0,
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
  };
}
