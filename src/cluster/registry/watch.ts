// Watch with Kubernetes semantics over a Store: an initial state when asked for one
// (resourceVersion unset/"0" or sendInitialEvents), resume from an exact resourceVersion,
// 410 Gone when that is too old, selector-aware event rewriting, and bookmarks.
import { errors } from '../../api/errors.js';
import { fieldValue, parseFieldSelector } from '../../api/fields.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KObject, WatchEvent } from '../../api/types.js';
import { type Store, StoreError, type Watch } from '../store/types.js';
import type { WatchRoute } from '../store/watch-hub.js';
import { prefixFor, typeMeta } from './info.js';
import type { ListOptions } from './registry.js';
import { filterEvent, makeFilter, parseResourceVersion } from './selection.js';

export interface WatchOptions extends Pick<ListOptions, 'namespace' | 'labelSelector' | 'fieldSelector'> {
  readonly resourceVersion?: string;
  readonly allowBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
  readonly bookmarkIntervalMs?: number;
}

export interface WatchHandle {
  stop(): void;
}

export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** One extract function per kind and field: the store files routed watchers by it. */
const extractors = new Map<string, (o: KObject) => string>();

/**
 * The store-side routing of a watch whose field selector pins a field with `=` (a node agent's
 * `spec.nodeName=NAME`): only events about objects with that value are offered to it, instead
 * of every event of the resource to every such watcher. The selector still filters.
 */
export function watchRoute(kind: string, fieldSelector: string | undefined): WatchRoute | undefined {
  if (!fieldSelector) {
    return undefined;
  }
  const req = parseFieldSelector(fieldSelector, kind).requirements.find((r) => r.operator === '=');
  if (req === undefined) {
    return undefined;
  }
  const index = `${kind}:${req.field}`;
  let extract = extractors.get(index);
  if (extract === undefined) {
    const field = req.field;
    extract = (o) => fieldValue(o, field) ?? '';
    extractors.set(index, extract);
  }
  return { index, value: req.value, extract };
}

export async function watchResource(
  store: Store,
  info: ResourceInfo,
  opts: WatchOptions,
  sink: (e: WatchEvent) => void,
): Promise<WatchHandle> {
  const filter = makeFilter(info.kind, opts.labelSelector, opts.fieldSelector);
  const prefix = prefixFor(info, opts.namespace);
  const rv = parseResourceVersion(opts.resourceVersion);
  const initial = opts.sendInitialEvents === true || rv === undefined || rv === 0;
  let from: number;
  let lastRv = 0;
  const queued: WatchEvent[] = [];
  if (initial) {
    const { items, revision } = await store.list(prefix);
    from = revision;
    for (const o of items) {
      if (filter.matches(o)) {
        queued.push({ type: 'ADDED', object: o });
      }
    }
    lastRv = revision;
  } else {
    from = rv!;
    lastRv = rv!;
  }
  let w: Watch;
  const bookmark = (extra?: Record<string, string>) => {
    // a routed watch is not offered other objects' events: the store says how far it got
    lastRv = Math.max(lastRv, w.progress?.() ?? 0);
    sink({
      type: 'BOOKMARK',
      object: {
        ...typeMeta(info),
        metadata: { resourceVersion: String(lastRv), ...(extra ? { annotations: extra } : {}) },
      },
    });
  };
  let ready = false;
  const early: WatchEvent[] = [];
  try {
    w = store.watch(
      prefix,
      from,
      (e) => {
        lastRv = e.revision;
        const out = filterEvent(e, filter);
        if (out) {
          if (ready) {
            sink(out);
          } else {
            early.push(out);
          }
        }
      },
      // the store ended the watch later (its history was compacted away): a 410, as Kubernetes
      (err) => {
        const status = errors.gone(err.message).toStatus();
        sink({ type: 'ERROR', object: status as unknown as KObject });
      },
      watchRoute(info.kind, opts.fieldSelector),
    );
  } catch (e) {
    if (e instanceof StoreError && e.kind === 'Gone') {
      throw errors.gone(`too old resource version: ${rv} (${store.revision()})`);
    }
    throw e;
  }
  // Initial events go out before anything the live watch delivered meanwhile (a replay may
  // arrive synchronously during registration).
  for (const e of queued) {
    sink(e);
  }
  for (const e of early) {
    sink(e);
  }
  ready = true;
  if (opts.sendInitialEvents && opts.allowBookmarks) {
    bookmark({ [INITIAL_EVENTS_END]: 'true' });
  }
  let timer: NodeJS.Timeout | undefined;
  if (opts.allowBookmarks) {
    timer = setInterval(() => bookmark(), opts.bookmarkIntervalMs ?? 15_000);
    timer.unref();
  }
  return {
    stop() {
      if (timer) {
        clearInterval(timer);
      }
      w.stop();
    },
  };
}
