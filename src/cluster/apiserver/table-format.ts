// Cell formatting shared by the table printers: ages, label maps, selectors, container lists.
// Everything here is pure and mirrors what kubectl users see in `kubectl get` output.
import type { Container, KObject, LabelSelector } from '../../api/types.js';

/** One `meta.k8s.io/v1` TableColumnDefinition. */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

/** Columns of one resource and how to compute a row's cells (one cell per column, wide ones included). */
export interface Printer {
  readonly columns: readonly ColumnDefinition[];
  cells(obj: KObject, now: Date): unknown[];
  /** Row conditions (`meta.k8s.io/v1` TableRowCondition), when the resource has any. */
  conditions?(obj: KObject): RowCondition[] | undefined;
}

/** A TableRowCondition; the API server marks finished pods with `Completed`. */
export interface RowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Builds a column; `priority` 1 (or more) means shown only with `-o wide`. */
export function col(
  name: string,
  type: ColumnDefinition['type'],
  description: string,
  priority = 0,
  format = '',
): ColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME_COLUMN: ColumnDefinition = col('Name', 'string', 'Name of the object.', 0, 'name');
export const AGE_COLUMN: ColumnDefinition = col('Age', 'string', 'Time since the object was created.');

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A duration as kubectl's AGE column shows it: about two significant figures, coarser as it grows
 * (`45s`, `5m12s`, `42m`, `3h4m`, `20h`, `2d3h`, `45d`, `3y12d`, `9y`). Up to 1s in the future is
 * tolerated as clock skew ("0s"); further is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) {
    return '<invalid>';
  }
  if (seconds < 0) {
    return '0s';
  }
  if (seconds < 120) {
    return `${seconds}s`;
  }
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) {
    return `${minutes}m`;
  }
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) {
    return `${hours}h`;
  }
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) {
    return `${days}d`;
  }
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Age of an RFC 3339 timestamp at `now`; `<unknown>` when absent or unparseable. */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') {
    return '<unknown>';
  }
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) {
    return '<unknown>';
  }
  return humanDuration(now.getTime() - t);
}

/** `k1=v1,k2=v2` sorted by key; `<none>` for an empty map. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    return '<none>';
  }
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/**
 * A label selector in the string syntax (`app=web,tier in (a,b),!legacy`), requirements sorted by
 * key and values sorted, as kubectl's SELECTOR column shows it. Empty selector → ''.
 */
export function selectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) {
    return '';
  }
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key, text: `${key}=${value}` });
  }
  for (const e of selector.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort();
    let text: string;
    switch (e.operator) {
      case 'In':
        text = `${e.key} in (${values.join(',')})`;
        break;
      case 'NotIn':
        text = `${e.key} notin (${values.join(',')})`;
        break;
      case 'Exists':
        text = e.key;
        break;
      case 'DoesNotExist':
        text = `!${e.key}`;
        break;
      default:
        return '<invalid>';
    }
    reqs.push({ key: e.key, text });
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** Like selectorString, but `<none>` for an empty selector (ReplicaSet, DaemonSet, Job columns). */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const s = selectorString(selector);
  return s === '' ? '<none>' : s;
}

/** CONTAINERS and IMAGES cells: names and images joined by commas, in spec order. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** An integer field that may be absent (omitted zero values in JSON). */
export function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/** A string field that may be absent. */
export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** `host:port`, bracketing IPv6 addresses. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
