// List and watch filtering: label + field selectors, paging tokens, and the watch-event
// rewriting Kubernetes does when an object moves into or out of a filtered view.
import { errors } from '../../api/errors.js';
import { parseFieldSelector } from '../../api/fields.js';
import { parseSelector } from '../../api/labels.js';
import type { KObject, WatchEvent } from '../../api/types.js';
import type { StoreEvent } from '../store/types.js';

export interface Filter {
  readonly matches: (obj: KObject) => boolean;
  readonly everything: boolean;
}

export function makeFilter(kind: string, labelSelector?: string, fieldSelector?: string): Filter {
  const labels = labelSelector ? parseSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector, kind) : undefined;
  if (!labels && !fields) {
    return { matches: () => true, everything: true };
  }
  return {
    matches: (o) => (!labels || labels.matches(o.metadata.labels ?? {})) && (!fields || fields.matches(o)),
    everything: false,
  };
}

/** Maps a store event to what a filtered watcher sees (or nothing). */
export function filterEvent(e: StoreEvent, filter: Filter): WatchEvent | undefined {
  if (filter.everything) {
    return { type: e.type, object: e.object };
  }
  switch (e.type) {
    case 'ADDED':
      return filter.matches(e.object) ? { type: 'ADDED', object: e.object } : undefined;
    case 'DELETED':
      return filter.matches(e.prevObject ?? e.object) ? { type: 'DELETED', object: e.object } : undefined;
    case 'MODIFIED': {
      const now = filter.matches(e.object);
      const before = e.prevObject ? filter.matches(e.prevObject) : false;
      if (now && before) {
        return { type: 'MODIFIED', object: e.object };
      }
      if (now) {
        return { type: 'ADDED', object: e.object };
      }
      if (before) {
        return { type: 'DELETED', object: e.object };
      }
      return undefined;
    }
  }
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(s: string): ContinueToken {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (v && v.v === 1 && typeof v.rv === 'number' && typeof v.start === 'string') {
      return { rv: v.rv, start: v.start };
    }
  } catch {
    // fall through
  }
  throw errors.badRequest(`invalid continue token "${s.slice(0, 64)}"`);
}

export function parseLimit(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') {
    return undefined;
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw errors.badRequest(`invalid limit "${v}": must be a non-negative integer`);
  }
  return n === 0 ? undefined : n;
}

/** resourceVersion query values: '' / undefined = latest, otherwise a non-negative integer. */
export function parseResourceVersion(v: string | undefined): number | undefined {
  if (v === undefined || v === '') {
    return undefined;
  }
  if (!/^\d+$/.test(v)) {
    throw errors.badRequest(`invalid resource version "${v}"`);
  }
  return Number(v);
}
