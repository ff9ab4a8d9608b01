// One Application: status and actions (Sync, Refresh) with the operation's phase live, the resource
// tree (re-fetched, debounced, when the Application or a watched object of its namespace changes),
// the diff of OutOfSync resources, the sync history with Rollback, and the Application's Events.
import { useMemo, useState } from 'react';
import { getJson, postJson } from '../client/api.js';
import { LiveStatus, StatusBadge } from '../components.js';
import { useDebouncedEffect, useLoad, useNow, useWatchedList } from '../hooks.js';
import { formatAge, formatTimestamp } from '../lib/age.js';
import { appRow, shortRepo } from '../lib/apps.js';
import type { KObject } from '../lib/list-state.js';
import type { AppDiffAnswer, TreeNode } from '../lib/types.js';
import { AppHistory, type HistoryItem } from './app-history.js';
import { APPS_PATH, Revision } from './apps-page.js';
import { DiffView } from './diff-view.js';
import { EventsTable, type KEvent } from './events-table.js';
import { ResourceTree } from './resource-tree.js';

const DEBOUNCE_MS = 300;

function signature(items: readonly KObject[]): string {
  return items.map((o) => `${o.metadata.uid}:${o.metadata.resourceVersion}`).join(',');
}

export function AppPage({ name }: { name: string }) {
  const now = useNow();
  const base = `/ui/api/applications/${encodeURIComponent(name)}`;
  const apps = useWatchedList<KObject>(APPS_PATH);
  const app = apps.items.find((a) => a.metadata.name === name);
  const row = app ? appRow(app) : undefined;
  const ns = row?.namespace;
  const nsPath = (res: string) => (ns ? `${res.replace('{ns}', encodeURIComponent(ns))}` : undefined);
  const pods = useWatchedList<KObject>(nsPath('/api/v1/namespaces/{ns}/pods'));
  const rss = useWatchedList<KObject>(nsPath('/apis/apps/v1/namespaces/{ns}/replicasets'));
  const rollouts = useWatchedList<KObject>(nsPath('/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts'));

  const tree = useLoad(app ? name : undefined, (signal) =>
    getJson<{ nodes: TreeNode[] }>(`${base}/tree`, signal),
  );
  const outOfSync = row?.sync === 'OutOfSync';
  const diff = useLoad(outOfSync ? `${name}@${row?.revision}` : undefined, (signal) =>
    getJson<AppDiffAnswer>(`${base}/diff`, signal),
  );
  const events = useLoad(app ? name : undefined, (signal) =>
    getJson<{ items: KEvent[] }>(
      `/api/v1/namespaces/gantry/events?fieldSelector=${encodeURIComponent(
        `involvedObject.name=${name},involvedObject.kind=Application`,
      )}`,
      signal,
    ),
  );
  const appSig = app ? `${app.metadata.resourceVersion}` : '';
  const liveSig = useMemo(
    () => [appSig, signature(pods.items), signature(rss.items), signature(rollouts.items)].join('|'),
    [appSig, pods.items, rss.items, rollouts.items],
  );
  useDebouncedEffect(liveSig, DEBOUNCE_MS, () => {
    tree.reload();
    events.reload();
    if (outOfSync) {
      diff.reload();
    }
  });

  const [action, setAction] = useState<{ text: string; error?: boolean } | undefined>();
  const [prune, setPrune] = useState(false);
  const act = async (what: 'sync' | 'refresh') => {
    setAction({ text: what === 'sync' ? 'Requesting a sync…' : 'Requesting a refresh…' });
    try {
      const r = await postJson<{ message?: string }>(`${base}/${what}`, what === 'sync' ? { prune } : {});
      setAction({ text: r.message ?? `${what} requested` });
    } catch (e) {
      setAction({
        text: `${what === 'sync' ? 'Sync' : 'Refresh'} failed: ${(e as Error).message}`,
        error: true,
      });
    }
  };

  if (!app || !row) {
    return (
      <>
        <h1>Application {name}</h1>
        <p role="status">{apps.loaded ? `No application named ${name}.` : 'Loading…'}</p>
      </>
    );
  }
  const op = (
    app as { status?: { operationState?: { phase?: string; message?: string; startedAt?: string } } }
  ).status?.operationState;
  const history = ((app as { status?: { history?: HistoryItem[] } }).status?.history ?? []) as HistoryItem[];
  return (
    <>
      <h1>
        Application <span className="title-name">{name}</span>
      </h1>
      <section aria-labelledby="summary-title" className="card">
        <h2 id="summary-title" className="visually-hidden">
          Summary
        </h2>
        <dl className="summary">
          <div>
            <dt>Sync</dt>
            <dd data-testid="app-sync">
              <StatusBadge status={row.sync} />
            </dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd data-testid="app-health">
              <StatusBadge status={row.health} />
            </dd>
          </div>
          <div>
            <dt>Revision</dt>
            <dd>
              <Revision app={name} sha={row.revision} />
            </dd>
          </div>
          <div>
            <dt>Last sync</dt>
            <dd>
              {row.lastSync ? `${formatTimestamp(row.lastSync)} (${formatAge(row.lastSync, now)} ago)` : '-'}
            </dd>
          </div>
          <div>
            <dt>Destination</dt>
            <dd>namespace {row.namespace}</dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd>
              <span title={row.repoURL}>{shortRepo(row.repoURL)}</span> <code>{row.path}</code> @{' '}
              {row.targetRevision}
            </dd>
          </div>
          <div>
            <dt>Sync policy</dt>
            <dd>{row.automated ? 'automated' : 'manual'}</dd>
          </div>
          <div>
            <dt>Images</dt>
            <dd data-testid="app-images">
              {row.images.length > 0
                ? row.images.map((i) => (
                    <code key={i} className="image">
                      {i}
                    </code>
                  ))
                : '-'}
            </dd>
          </div>
        </dl>
        <div className="actions">
          <button type="button" className="primary" onClick={() => void act('sync')}>
            Sync
          </button>
          <label className="inline">
            <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Prune
          </label>
          <button type="button" onClick={() => void act('refresh')}>
            Refresh
          </button>
        </div>
        <LiveStatus>
          {op ? (
            <span data-testid="operation">
              Operation: <StatusBadge status={op.phase} /> {op.message}
            </span>
          ) : (
            'No operation yet.'
          )}
        </LiveStatus>
        {action ? <LiveStatus error={action.error}>{action.text}</LiveStatus> : null}
      </section>

      <section aria-labelledby="tree-title">
        <h2 id="tree-title">Resources</h2>
        {tree.error ? <p className="error">{tree.error}</p> : null}
        {tree.data ? (
          <ResourceTree nodes={tree.data.nodes} now={now} />
        ) : (
          <p role="status">Loading the tree…</p>
        )}
      </section>

      {outOfSync ? (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">Diff (live → desired)</h2>
          {diff.error ? <p className="error">{diff.error}</p> : null}
          {diff.data ? (
            diff.data.resources.length > 0 ? (
              diff.data.resources
                .filter((r) => r.diff !== '')
                .map((r) => (
                  <DiffView
                    key={`${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name}`}
                    text={r.diff}
                    label={`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} (${r.status})`}
                  />
                ))
            ) : (
              <DiffView text={diff.data.text} label="Diff" />
            )
          ) : (
            <p role="status">Computing the diff…</p>
          )}
        </section>
      ) : null}

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <AppHistory app={name} history={history} current={row.revision} now={now} />
      </section>

      <section aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        {events.error ? <p className="error">{events.error}</p> : null}
        <EventsTable events={events.data?.items ?? []} now={now} label="Application events" />
      </section>
    </>
  );
}
