// Taints, tolerations and node selection terms: the pure matching rules the scheduler's
// filters and the node lifecycle controller's evictions share.
import type { KObject, Pod } from '../../api/types.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
  readonly timeAdded?: string;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: TaintEffect;
  readonly tolerationSeconds?: number;
}

/** Taint the node lifecycle controller puts on a node whose lease expired. */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Taint key for a node whose agent reports Ready=False. */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
/** Taint key for a cordoned node (spec.unschedulable). */
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function nodeTaints(node: Pick<KObject, 'spec'>): Taint[] {
  const t: unknown = node.spec?.taints;
  return Array.isArray(t) ? (t as Taint[]) : [];
}

export function podTolerations(pod: Pick<Pod, 'spec'>): Toleration[] {
  const t: unknown = pod.spec?.tolerations;
  return Array.isArray(t) ? (t as Toleration[]) : [];
}

/** Kubernetes' rule: an empty key with Exists tolerates every taint; an empty effect matches every effect. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) {
    return false;
  }
  if (tol.key && tol.key !== taint.key) {
    return false;
  }
  if (tol.operator === 'Exists') {
    return true;
  }
  if (!tol.key) {
    // Equal (the default) needs a key; a keyless Equal toleration matches nothing.
    return false;
  }
  return (tol.value ?? '') === (taint.value ?? '');
}

/** The first taint with one of `effects` that no toleration covers, if any. */
export function firstUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly TaintEffect[],
): Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !tolerations.some((tol) => toleratesTaint(tol, t)));
}

interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

function requirementMatches(r: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(values, r.key);
  const v = has ? values[r.key] : undefined;
  const want = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && want.includes(v);
    case 'NotIn':
      return v === undefined || !want.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || !/^-?\d+$/.test(v) || want.length !== 1 || !/^-?\d+$/.test(want[0] ?? '')) {
        return false;
      }
      const have = Number.parseInt(v, 10);
      const limit = Number.parseInt(want[0] ?? '', 10);
      return r.operator === 'Gt' ? have > limit : have < limit;
    }
    default:
      return false;
  }
}

function termMatches(
  term: NodeSelectorTerm,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) {
    return false; // an empty term matches no node
  }
  return (
    exprs.every((r) => requirementMatches(r, labels)) &&
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, { 'metadata.name': nodeName }))
  );
}

/** spec.nodeSelector AND the required node affinity terms (ORed), as the NodeAffinity filter checks. */
export function podMatchesNodeSelector(
  pod: Pick<Pod, 'spec'>,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  const sel: Record<string, string> | undefined = pod.spec?.nodeSelector;
  if (sel) {
    for (const [k, v] of Object.entries(sel)) {
      if (labels[k] !== v) {
        return false;
      }
    }
  }
  const terms: NodeSelectorTerm[] | undefined =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (Array.isArray(terms)) {
    return terms.some((t) => termMatches(t, labels, nodeName));
  }
  return true;
}
