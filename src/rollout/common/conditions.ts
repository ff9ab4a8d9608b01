// Deployment and Rollout conditions (type, status, reason, message, lastUpdateTime,
// lastTransitionTime), set the way the Kubernetes deployment utilities set them.
import { rfc3339 } from '../../api/clock.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
): Condition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/**
 * Sets `c` in `conds` (a new array): nothing changes when a condition of that type already has the
 * same status and reason; the transition time is kept while the status stays the same.
 */
export function setCondition(conds: readonly Condition[], c: Condition): Condition[] {
  const cur = findCondition(conds, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) {
    return [...conds];
  }
  const next = cur && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  return [...conds.filter((x) => x.type !== c.type), next];
}

/** Replaces the condition even when status and reason are unchanged (fresh lastUpdateTime, message). */
export function replaceCondition(conds: readonly Condition[], c: Condition): Condition[] {
  const cur = findCondition(conds, c.type);
  const next = cur && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  return [...conds.filter((x) => x.type !== c.type), next];
}

export function removeCondition(conds: readonly Condition[], type: string): Condition[] {
  return conds.filter((c) => c.type !== type);
}

/** Milliseconds since the epoch of an RFC 3339 time, NaN when missing or malformed. */
export function timeOf(s: string | undefined): number {
  return s ? Date.parse(s) : Number.NaN;
}
