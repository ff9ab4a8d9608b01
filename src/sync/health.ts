// Health assessment of live objects with Argo CD's built-in rules (health-rules.ts), and the
// aggregation of resource health into an Application's. Kinds without a rule have no health of
// their own and count as Healthy; an absent object is Missing. Pure: no I/O, no clock.
import { splitApiVersion } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { healthy, podHealth, RULES, st } from './health-rules.js';

export type HealthStatusCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface HealthStatus {
  readonly status: HealthStatusCode;
  readonly message?: string;
}

/** Whether Gantry has a health rule for this kind (kinds without one are Healthy by default). */
export function hasHealthCheck(group: string, kind: string): boolean {
  return Object.hasOwn(RULES, `${group}/${kind}`);
}

/**
 * Health of one live object; `undefined` (absent from the cluster) is Missing. `children` (pods
 * of a workload, for instance) never change the status, but when the object is still
 * Progressing a Degraded child's reason is appended so users see why a rollout does not finish.
 */
export function assessHealth(
  obj: KObject | undefined | null,
  children: readonly KObject[] = [],
): HealthStatus {
  if (!obj) {
    return st('Missing');
  }
  if (obj.metadata?.deletionTimestamp) {
    return st('Progressing', 'Pending deletion');
  }
  const rule = RULES[`${splitApiVersion(obj.apiVersion ?? '').group}/${obj.kind}`];
  if (!rule) {
    return healthy;
  }
  let result: HealthStatus;
  try {
    result = rule(obj, children);
  } catch (err) {
    return st('Unknown', `health check failed: ${(err as Error).message}`);
  }
  if (result.status !== 'Progressing') {
    return result;
  }
  const why = children
    .map((c) => ({ c, h: c.kind === 'Pod' ? podHealth(c) : undefined }))
    .find((x) => x.h?.status === 'Degraded');
  if (!why) {
    return result;
  }
  const detail = `pod ${why.c.metadata.name}: ${why.h?.message || 'Degraded'}`;
  return st('Progressing', result.message ? `${result.message} (${detail})` : detail);
}

/** Least to most severe, as Argo CD orders them: Unknown is the worst (health could not be assessed). */
export const HEALTH_ORDER: readonly HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

/** True when `next` is a worse condition than `current`. */
export function isWorse(current: HealthStatusCode, next: HealthStatusCode): boolean {
  return HEALTH_ORDER.indexOf(next) > HEALTH_ORDER.indexOf(current);
}

/** The worst of several statuses; Healthy when there are none. */
export function aggregateHealth(statuses: Iterable<HealthStatusCode | HealthStatus>): HealthStatusCode {
  let out: HealthStatusCode = 'Healthy';
  for (const s of statuses) {
    const code = typeof s === 'string' ? s : s.status;
    if (isWorse(out, code)) {
      out = code;
    }
  }
  return out;
}

/** One resource an Application manages, with its health. */
export interface ResourceHealth {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly health: HealthStatus;
}

/**
 * An Application's health from its resources, with Argo CD's exceptions: a missing resource of a
 * kind without a health check (a ConfigMap not yet created) and a child Application that is
 * Missing or Unknown do not affect the parent.
 */
export function applicationHealthOf(resources: readonly ResourceHealth[]): HealthStatus {
  const counted = resources.filter((r) => {
    const code = r.health.status;
    if (code === 'Missing' && !hasHealthCheck(r.group, r.kind)) {
      return false;
    }
    if (r.group === 'argoproj.io' && r.kind === 'Application' && (code === 'Missing' || code === 'Unknown')) {
      return false;
    }
    return true;
  });
  const status = aggregateHealth(counted.map((r) => r.health));
  if (status === 'Healthy') {
    return { status };
  }
  const worst = counted.filter((r) => r.health.status === status);
  const first = worst[0];
  const label = first ? `${first.kind} ${first.namespace ? `${first.namespace}/` : ''}${first.name}` : '';
  const more = worst.length > 1 ? ` and ${worst.length - 1} more` : '';
  const why = first?.health.message ? `: ${first.health.message}` : '';
  return st(status, `${label}${more} ${status.toLowerCase()}${why}`);
}
