// Watch with Kubernetes semantics over a Store: an initial state when asked for one
// (resourceVersion unset/"0" or sendInitialEvents), resume from an exact resourceVersion,
// 410 Gone when that is too old, selector-aware event rewriting, and bookmarks.
import { errors } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KObject, WatchEvent } from '../../api/types.js';
import { type Store, StoreError } from '../store/types.js';
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
  const bookmark = (extra?: Record<string, string>) =>
    sink({
      type: 'BOOKMARK',
      object: {
        ...typeMeta(info),
        metadata: { resourceVersion: String(lastRv), ...(extra ? { annotations: extra } : {}) },
      },
    });
  let w: { stop(): void };
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
