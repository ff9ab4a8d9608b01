// An Application's sync policy, read the way Argo CD reads it: `automated {prune, selfHeal}`,
// `syncOptions` (`CreateNamespace=true`, `Prune=false`, `ApplyOutOfSyncOnly=true`,
// `PruneLast=true`, per app or per resource via `argocd.argoproj.io/sync-options`) and `retry`
// (limit, backoff duration × factor up to maxDuration). Pure.
import type { KObject } from '../api/types.js';
import { type RetryStrategy, SYNC_OPTIONS_ANNOTATION } from './types.js';

export interface AutomatedPolicy {
  readonly prune: boolean;
  readonly selfHeal: boolean;
}

/** The automated policy, or undefined when syncs are manual (`enabled: false` turns it off). */
export function automatedPolicy(app: KObject): AutomatedPolicy | undefined {
  const a = app.spec?.syncPolicy?.automated;
  if (typeof a !== 'object' || a === null || a.enabled === false) {
    return undefined;
  }
  return { prune: a.prune === true, selfHeal: a.selfHeal === true };
}

/** `['CreateNamespace=true', 'Prune=false']` → { CreateNamespace: 'true', Prune: 'false' } (last wins). */
export function parseSyncOptions(list: readonly unknown[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    if (typeof item !== 'string') {
      continue;
    }
    const i = item.indexOf('=');
    if (i > 0) {
      out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
    }
  }
  return out;
}

/** The options of one resource's `argocd.argoproj.io/sync-options` annotation (comma-separated). */
export function resourceSyncOptions(obj: Pick<KObject, 'metadata'> | undefined): Record<string, string> {
  const v = obj?.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION];
  return typeof v === 'string' ? parseSyncOptions(v.split(',')) : {};
}

export function appSyncOptions(app: KObject, extra?: readonly string[]): Record<string, string> {
  return { ...parseSyncOptions(app.spec?.syncPolicy?.syncOptions), ...parseSyncOptions(extra) };
}

export function isTrue(opts: Record<string, string>, name: string): boolean {
  return opts[name]?.toLowerCase() === 'true';
}

export function isFalse(opts: Record<string, string>, name: string): boolean {
  return opts[name]?.toLowerCase() === 'false';
}

/** Go-style durations: `300ms`, `5s`, `2m`, `1h30m`; a bare number is seconds. NaN when malformed. */
export function parseDuration(s: string | undefined): number {
  if (s === undefined) {
    return Number.NaN;
  }
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    return Number(t) * 1000;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * (unit[m[2]!] ?? 0);
    consumed += m[0].length;
  }
  return consumed === t.length && consumed > 0 ? total : Number.NaN;
}

const DEFAULT_BACKOFF_MS = 5_000;
const DEFAULT_FACTOR = 2;
const DEFAULT_MAX_MS = 180_000;

/** Whether another attempt is allowed after `retryCount` retries (limit < 0: unlimited). */
export function mayRetry(retry: RetryStrategy | undefined, retryCount: number): boolean {
  const limit = retry?.limit;
  if (typeof limit !== 'number' || limit === 0) {
    return false;
  }
  return limit < 0 || retryCount < limit;
}

/** The wait before retry number `attempt` (1-based): duration × factor^(attempt-1), capped. */
export function retryDelayMs(retry: RetryStrategy | undefined, attempt: number): number {
  const b = retry?.backoff ?? {};
  const base = parseDuration(b.duration);
  const max = parseDuration(b.maxDuration);
  const factor = typeof b.factor === 'number' && b.factor >= 1 ? b.factor : DEFAULT_FACTOR;
  const d = (Number.isFinite(base) ? base : DEFAULT_BACKOFF_MS) * factor ** Math.max(0, attempt - 1);
  return Math.min(d, Number.isFinite(max) ? max : DEFAULT_MAX_MS);
}
