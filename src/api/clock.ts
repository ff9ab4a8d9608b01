// Time as a dependency (CONVENTIONS.md #9), so planners and tests can fix "now".
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Kubernetes timestamps are RFC 3339 with whole seconds. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 with microseconds, as Kubernetes' MicroTime (Lease renewTime, Event eventTime). */
export function rfc3339Micro(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}
