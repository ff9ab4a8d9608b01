// The Applications list: live over a watch of Applications, with commit metadata per revision and
// filters (text, sync status, health).
import { useEffect, useMemo, useState } from 'react';
import { getJson } from '../client/api.js';
import { Link, StatusBadge } from '../components.js';
import { useNow, useWatchedList } from '../hooks.js';
import { formatAge, formatTimestamp } from '../lib/age.js';
import {
  type AppFilter,
  appRow,
  EMPTY_FILTER,
  filterApps,
  optionsOf,
  shortRepo,
  shortSha,
  subject,
} from '../lib/apps.js';
import type { KObject } from '../lib/list-state.js';
import type { CommitInfo } from '../lib/types.js';

export const APPS_PATH = '/apis/argoproj.io/v1alpha1/namespaces/gantry/applications';

const commitCache = new Map<string, Promise<CommitInfo | undefined>>();

/** Commit metadata of `sha` in the repository of Application `app` (cached per app and sha). */
export function commitInfo(app: string, sha: string): Promise<CommitInfo | undefined> {
  const key = `${app}@${sha}`;
  let p = commitCache.get(key);
  if (!p) {
    p = getJson<CommitInfo>(
      `/ui/api/applications/${encodeURIComponent(app)}/revisions/${encodeURIComponent(sha)}`,
    ).catch(() => {
      commitCache.delete(key);
      return undefined;
    });
    commitCache.set(key, p);
  }
  return p;
}

export function useCommit(app: string, sha: string | undefined): CommitInfo | undefined {
  const [info, setInfo] = useState<CommitInfo | undefined>();
  useEffect(() => {
    setInfo(undefined);
    if (!sha) {
      return;
    }
    let live = true;
    void commitInfo(app, sha).then((c) => {
      if (live) {
        setInfo(c);
      }
    });
    return () => {
      live = false;
    };
  }, [app, sha]);
  return info;
}

export function Revision({ app, sha }: { app: string; sha: string | undefined }) {
  const c = useCommit(app, sha);
  return (
    <span className="revision">
      <code title={sha}>{shortSha(sha)}</code>
      {c ? (
        <>
          {' '}
          <span className="commit-message">{subject(c.message)}</span>{' '}
          <span className="commit-author">by {c.author}</span>
        </>
      ) : null}
    </span>
  );
}

export function AppsPage() {
  const apps = useWatchedList<KObject>(APPS_PATH);
  const now = useNow();
  const [filter, setFilter] = useState<AppFilter>(EMPTY_FILTER);
  const rows = useMemo(() => apps.items.map(appRow), [apps.items]);
  const shown = filterApps(rows, filter);
  const syncOptions = optionsOf(rows, 'sync');
  const healthOptions = optionsOf(rows, 'health');
  return (
    <>
      <h1>Applications</h1>
      <search className="filters" aria-label="Filter applications">
        <label>
          Search
          <input
            type="search"
            value={filter.text}
            placeholder="name, namespace, repository…"
            onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          />
        </label>
        <label>
          Sync status
          <select value={filter.sync} onChange={(e) => setFilter({ ...filter, sync: e.target.value })}>
            <option value="">Any</option>
            {syncOptions.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          Health
          <select value={filter.health} onChange={(e) => setFilter({ ...filter, health: e.target.value })}>
            <option value="">Any</option>
            {healthOptions.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
      </search>
      <p className="muted" role="status" aria-live="polite">
        {apps.loaded ? `${shown.length} of ${rows.length} applications` : 'Loading applications…'}
        {apps.error ? <span className="error"> — {apps.error}</span> : null}
      </p>
      <div className="table-wrap">
        <table aria-label="Applications">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Sync</th>
              <th scope="col">Health</th>
              <th scope="col">Revision</th>
              <th scope="col">Last sync</th>
              <th scope="col">Namespace</th>
              <th scope="col">Repository / path</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.name} data-app={r.name}>
                <th scope="row">
                  <Link to={`/ui/applications/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                </th>
                <td>
                  <StatusBadge status={r.sync} label="Sync" />
                  {r.operationPhase === 'Running' ? <span className="muted"> (syncing)</span> : null}
                </td>
                <td>
                  <StatusBadge status={r.health} label="Health" />
                </td>
                <td>
                  <Revision app={r.name} sha={r.revision} />
                </td>
                <td>
                  <time dateTime={r.lastSync} title={formatTimestamp(r.lastSync)}>
                    {r.lastSync ? `${formatAge(r.lastSync, now)} ago` : '-'}
                  </time>
                </td>
                <td>{r.namespace}</td>
                <td>
                  <span title={r.repoURL}>{shortRepo(r.repoURL)}</span>
                  <br />
                  <code>{r.path}</code> @ {r.targetRevision}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
