// React hooks of the dashboard: the current route (history API), watched lists, fetched JSON that
// reloads on demand, a ticking clock for ages, and a debounced trigger.
import { useCallback, useEffect, useRef, useState } from 'react';
import { watchList } from './client/watch.js';
import type { KObject } from './lib/list-state.js';
import { parseRoute, type Route } from './lib/route.js';

const NAV_EVENT = 'gantry:navigate';

export function navigate(path: string): void {
  if (path !== `${location.pathname}${location.search}`) {
    history.pushState(null, '', path);
    window.dispatchEvent(new Event(NAV_EVENT));
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname, location.search));
    window.addEventListener('popstate', update);
    window.addEventListener(NAV_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAV_EVENT, update);
    };
  }, []);
  return route;
}

export interface Watched<T> {
  readonly items: readonly T[];
  readonly loaded: boolean;
  readonly error?: string;
}

/** The live items of a collection (list + watch); `path` undefined = nothing to watch. */
export function useWatchedList<T extends KObject>(path: string | undefined): Watched<T> {
  const [state, setState] = useState<Watched<T>>({ items: [], loaded: false });
  useEffect(() => {
    setState({ items: [], loaded: false });
    if (!path) {
      return;
    }
    const ac = new AbortController();
    void watchList<T>(
      path,
      {
        onItems: (items) => setState((s) => ({ ...s, items, loaded: true })),
        onError: (error) =>
          setState((s) => (error === undefined ? { items: s.items, loaded: s.loaded } : { ...s, error })),
      },
      ac.signal,
    );
    return () => ac.abort();
  }, [path]);
  return state;
}

export interface Loaded<T> {
  readonly data?: T;
  readonly error?: string;
  readonly loading: boolean;
  reload(): void;
}

/** JSON loaded by `load`, again whenever `key` changes or reload() is called; keeps the last data meanwhile. */
export function useLoad<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [n, setN] = useState(0);
  const [s, setS] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: n is the reload trigger
  useEffect(() => {
    if (key === undefined) {
      return;
    }
    const ac = new AbortController();
    setS((p) => ({ ...p, loading: true }));
    loadRef.current(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) {
          setS({ data, loading: false });
        }
      },
      (e: unknown) => {
        if (!ac.signal.aborted) {
          setS((p) => ({ ...p, error: e instanceof Error ? e.message : String(e), loading: false }));
        }
      },
    );
    return () => ac.abort();
  }, [key, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...s, reload };
}

/** Date.now(), refreshed every `ms`. */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Calls `fn` once, `ms` after the last change of `signature` (the first value does not fire). */
export function useDebouncedEffect(signature: string, ms: number, fn: () => void): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: signature is the trigger
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = setTimeout(() => fnRef.current(), ms);
    return () => clearTimeout(t);
  }, [signature, ms]);
}
