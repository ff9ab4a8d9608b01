// maxSurge / maxUnavailable: an int or a percentage of the replica count, resolved the way the
// Kubernetes Deployment controller does (surge rounds up, unavailable rounds down, and when both
// come out 0 one pod may be unavailable so a rollout can always move).

/** The value of an int-or-percent field against `total`; `fallback` when unset or malformed. */
export function scaledValue(
  v: number | string | undefined | null,
  total: number,
  roundUp: boolean,
  fallback: number | string,
): number {
  const raw = v === undefined || v === null ? fallback : v;
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? Math.max(0, Math.trunc(raw)) : 0;
  }
  const m = /^([0-9]+)%$/.exec(raw.trim());
  if (m) {
    const x = (Number(m[1]) * total) / 100;
    return Math.max(0, roundUp ? Math.ceil(x) : Math.floor(x));
  }
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export interface Fenceposts {
  readonly surge: number;
  readonly unavailable: number;
}

/** Resolved surge and unavailable pod counts for `replicas`. */
export function resolveFenceposts(
  maxSurge: number | string | undefined | null,
  maxUnavailable: number | string | undefined | null,
  replicas: number,
): Fenceposts {
  const surge = scaledValue(maxSurge, replicas, true, '25%');
  let unavailable = scaledValue(maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) {
    unavailable = 1;
  }
  return { surge, unavailable: Math.min(unavailable, replicas) };
}
