// List + watch of one Kubernetes collection over fetch: list, then `?watch=1&resourceVersion=RV`,
// read the streamed body as NDJSON, apply each event; re-list on 410 Gone; reconnect with backoff
// after any other failure. Stops when the AbortSignal fires.
import {
  type ApplyResult,
  applyWatchEvent,
  backoffMs,
  type KObject,
  type ListState,
  listState,
} from '../lib/list-state.js';
import { LineSplitter, parseWatchLine } from '../lib/ndjson.js';
import { ApiError, apiFetch, getJson } from './api.js';

export interface WatchCallbacks<T extends KObject> {
  /** The current items, after the list and after every event. */
  onItems(items: readonly T[]): void;
  /** A connection problem (undefined once the watch works again). */
  onError?(message: string | undefined): void;
}

function withQuery(path: string, q: Record<string, string>): string {
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}${new URLSearchParams(q).toString()}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** Runs until `signal` aborts. `path` is the collection (with optional selectors in its query). */
export async function watchList<T extends KObject>(
  path: string,
  cb: WatchCallbacks<T>,
  signal: AbortSignal,
): Promise<void> {
  let state: ListState<T> | undefined;
  let attempt = 0;
  while (!signal.aborted) {
    try {
      if (!state) {
        const list = await getJson<{ items?: T[]; metadata?: { resourceVersion?: string } }>(path, signal);
        state = listState(list.items ?? [], list.metadata?.resourceVersion ?? '0');
        cb.onItems(state.items);
      }
      let current: ListState<T> = state;
      const res = await apiFetch(
        withQuery(path, { watch: '1', resourceVersion: state.resourceVersion, allowWatchBookmarks: 'true' }),
        { signal },
      );
      cb.onError?.(undefined);
      attempt = 0;
      const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
      if (!reader) {
        throw new Error('watch: no response body');
      }
      const split = new LineSplitter();
      let gone = false;
      for (;;) {
        const { value, done } = await reader.read();
        const lines = done ? split.flush() : split.push(value);
        for (const line of lines) {
          const r: ApplyResult<T> = applyWatchEvent(current, parseWatchLine<T>(line));
          if (r.kind === 'gone') {
            gone = true;
            break;
          }
          if (r.kind === 'error') {
            throw new Error(r.message);
          }
          const changed = r.state.items !== current.items;
          current = r.state;
          state = current;
          if (changed) {
            cb.onItems(current.items);
          }
        }
        if (done || gone) {
          break;
        }
      }
      if (gone) {
        await reader.cancel().catch(() => undefined);
        state = undefined; // re-list
      }
    } catch (e) {
      if (signal.aborted) {
        return;
      }
      if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
        cb.onError?.(e.message);
        return;
      }
      if (e instanceof ApiError && e.status === 410) {
        state = undefined;
      }
      cb.onError?.(e instanceof Error ? e.message : String(e));
      await sleep(backoffMs(attempt++), signal);
    }
  }
}
