// A list of Kubernetes objects kept current by watch events (the client half of list+watch): apply
// ADDED/MODIFIED/DELETED by namespace/name, follow BOOKMARK resourceVersions, and tell a 410 Gone
// (the watch must re-list) from other errors. Pure.
import type { WatchEvent } from './ndjson.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListState<T extends KObject> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export type ApplyResult<T extends KObject> =
  | { readonly kind: 'updated'; readonly state: ListState<T> }
  | { readonly kind: 'gone'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

export function objectKey(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function byKey(a: KObject, b: KObject): number {
  const ka = objectKey(a);
  const kb = objectKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A list answer as the initial state (items sorted by namespace/name). */
export function listState<T extends KObject>(items: readonly T[], resourceVersion: string): ListState<T> {
  return { items: [...items].sort(byKey), resourceVersion };
}

/** The state after one watch event; never changes `state`. */
export function applyWatchEvent<T extends KObject>(state: ListState<T>, e: WatchEvent<T>): ApplyResult<T> {
  if (e.type === 'ERROR') {
    const st = e.object as unknown as { code?: number; message?: string; reason?: string };
    const message = st.message ?? st.reason ?? 'watch error';
    return st.code === 410 || st.reason === 'Expired' || st.reason === 'Gone'
      ? { kind: 'gone', message }
      : { kind: 'error', message };
  }
  const rv = e.object.metadata?.resourceVersion ?? state.resourceVersion;
  if (e.type === 'BOOKMARK') {
    return { kind: 'updated', state: { items: state.items, resourceVersion: rv } };
  }
  const key = objectKey(e.object);
  const rest = state.items.filter((o) => objectKey(o) !== key);
  const items = e.type === 'DELETED' ? rest : [...rest, e.object].sort(byKey);
  return { kind: 'updated', state: { items, resourceVersion: rv } };
}

/** Milliseconds to wait before reconnect attempt `attempt` (0-based): doubling, capped. */
export function backoffMs(attempt: number, baseMs = 500, maxMs = 15_000): number {
  if (!Number.isFinite(attempt) || attempt < 0) {
    return baseMs;
  }
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
