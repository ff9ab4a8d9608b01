// Applications as rows of the list page, and the list's filters (text, sync status, health). Pure.
import type { KObject } from './list-state.js';

export interface AppRow {
  readonly name: string;
  readonly sync: string;
  readonly health: string;
  /** The revision the app is synced to (or compared with), full SHA; '' when unknown. */
  readonly revision: string;
  /** When the last sync finished (operationState.finishedAt, else the newest history entry). */
  readonly lastSync?: string;
  readonly operationPhase?: string;
  readonly operationMessage?: string;
  readonly namespace: string;
  readonly repoURL: string;
  readonly path: string;
  readonly targetRevision: string;
  readonly automated: boolean;
  readonly images: readonly string[];
}

interface AppLike {
  spec?: {
    source?: { repoURL?: string; path?: string; targetRevision?: string };
    destination?: { namespace?: string };
    syncPolicy?: { automated?: unknown };
  };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    operationState?: { phase?: string; message?: string; finishedAt?: string };
    history?: { deployedAt?: string; revision?: string }[];
    summary?: { images?: string[] };
  };
}

export function appRow(o: KObject): AppRow {
  const a = o as unknown as AppLike;
  const st = a.status ?? {};
  const history = st.history ?? [];
  const newest = history.reduce<string | undefined>(
    (m, h) => (h.deployedAt && (!m || h.deployedAt > m) ? h.deployedAt : m),
    undefined,
  );
  const finished = st.operationState?.finishedAt;
  const lastSync = finished && (!newest || finished > newest) ? finished : newest;
  return {
    name: o.metadata.name ?? '',
    sync: st.sync?.status ?? 'Unknown',
    health: st.health?.status ?? 'Unknown',
    revision: st.sync?.revision ?? '',
    ...(lastSync ? { lastSync } : {}),
    ...(st.operationState?.phase ? { operationPhase: st.operationState.phase } : {}),
    ...(st.operationState?.message ? { operationMessage: st.operationState.message } : {}),
    namespace: a.spec?.destination?.namespace ?? '',
    repoURL: a.spec?.source?.repoURL ?? '',
    path: a.spec?.source?.path ?? '',
    targetRevision: a.spec?.source?.targetRevision ?? 'HEAD',
    automated: Boolean(a.spec?.syncPolicy?.automated),
    images: st.summary?.images ?? [],
  };
}

export interface AppFilter {
  readonly text: string;
  /** '' = any. */
  readonly sync: string;
  /** '' = any. */
  readonly health: string;
}

export const EMPTY_FILTER: AppFilter = { text: '', sync: '', health: '' };

/** Rows matching every set criterion; text matches name, namespace, repo, path or revision (any case). */
export function filterApps(rows: readonly AppRow[], f: AppFilter): AppRow[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (f.sync && r.sync !== f.sync) {
      return false;
    }
    if (f.health && r.health !== f.health) {
      return false;
    }
    const hay = `${r.name} ${r.namespace} ${r.repoURL} ${r.path} ${r.revision}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The distinct values of a field among the rows, sorted, for a filter's options. */
export function optionsOf(rows: readonly AppRow[], field: 'sync' | 'health'): string[] {
  return [...new Set(rows.map((r) => r[field]))].sort();
}

export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '-';
}

/** The first line of a commit message. */
export function subject(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

/** A repository URL shortened for a table cell: the last two path segments. */
export function shortRepo(url: string): string {
  const parts = url
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  return parts.slice(-2).join('/') || url;
}
