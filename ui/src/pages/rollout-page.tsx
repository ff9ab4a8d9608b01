// A Rollout's progress (blue/green or canary): which ReplicaSet is active/preview/stable/canary,
// replica bars, the current step, paused/aborted; Promote, Promote full, Abort, Retry, Pause/Resume.
// Live: re-fetched (debounced) on watch events of rollouts, ReplicaSets and pods of the namespace.
import { useMemo, useState } from 'react';
import { getJson, postJson } from '../client/api.js';
import { Link, LiveStatus, ReplicaBar, StatusBadge } from '../components.js';
import { useDebouncedEffect, useLoad, useWatchedList } from '../hooks.js';
import type { KObject } from '../lib/list-state.js';
import type { RolloutView } from '../lib/types.js';

type Action = 'promote' | 'promote-full' | 'abort' | 'retry' | 'pause' | 'resume';

function signature(items: readonly KObject[]): string {
  return items.map((o) => `${o.metadata.uid}:${o.metadata.resourceVersion}`).join(',');
}

export function RolloutPage({ namespace, name }: { namespace: string; name: string }) {
  const url = `/ui/api/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const view = useLoad(url, (signal) => getJson<RolloutView>(url, signal));
  const nsq = encodeURIComponent(namespace);
  const rollouts = useWatchedList<KObject>(`/apis/argoproj.io/v1alpha1/namespaces/${nsq}/rollouts`);
  const rss = useWatchedList<KObject>(`/apis/apps/v1/namespaces/${nsq}/replicasets`);
  const pods = useWatchedList<KObject>(`/api/v1/namespaces/${nsq}/pods`);
  const sig = useMemo(
    () => [signature(rollouts.items), signature(rss.items), signature(pods.items)].join('|'),
    [rollouts.items, rss.items, pods.items],
  );
  useDebouncedEffect(sig, 300, view.reload);
  const [result, setResult] = useState<{ text: string; error?: boolean } | undefined>();
  const [busy, setBusy] = useState(false);

  const act = async (a: Action) => {
    const verb = a === 'promote-full' ? 'promote' : a;
    setBusy(true);
    setResult({ text: `${verb}…` });
    try {
      await postJson<RolloutView>(`${url}/${verb}`, a === 'promote-full' ? { full: true } : {});
      setResult({
        text: `${a === 'promote-full' ? 'Promote full' : verb[0]!.toUpperCase() + verb.slice(1)}: done`,
      });
      view.reload();
    } catch (e) {
      setResult({ text: `${verb} failed: ${(e as Error).message}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  const v = view.data;
  return (
    <>
      <h1>
        Rollout{' '}
        <span className="title-name">
          {namespace}/{name}
        </span>
      </h1>
      {view.error ? (
        <p className="error" role="alert">
          {view.error}
        </p>
      ) : null}
      {!v ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <section aria-labelledby="rollout-status" className="card">
            <h2 id="rollout-status" className="visually-hidden">
              Status
            </h2>
            <dl className="summary">
              <div>
                <dt>Strategy</dt>
                <dd>{v.strategy === 'blueGreen' ? 'blue/green' : 'canary'}</dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd data-testid="rollout-status">
                  <StatusBadge status={v.status} />
                  {v.paused ? <StatusBadge status="Paused" /> : null}
                  {v.aborted ? <StatusBadge status="Aborted" /> : null}
                </dd>
              </div>
              {v.step ? (
                <div>
                  <dt>Step</dt>
                  <dd>
                    {v.step.index}/{v.step.total} {v.step.description}
                  </dd>
                </div>
              ) : null}
              {v.activeService ? (
                <div>
                  <dt>Active service</dt>
                  <dd>{v.activeService}</dd>
                </div>
              ) : null}
              {v.previewService ? (
                <div>
                  <dt>Preview service</dt>
                  <dd>{v.previewService}</dd>
                </div>
              ) : null}
              <div>
                <dt>Replicas</dt>
                <dd>
                  desired {v.desired} · updated {v.updated} · ready {v.ready} · available {v.available}
                </dd>
              </div>
            </dl>
            {v.message ? <p className="muted">{v.message}</p> : null}
            <fieldset className="actions">
              <legend className="visually-hidden">Rollout actions</legend>
              <button type="button" className="primary" disabled={busy} onClick={() => void act('promote')}>
                Promote
              </button>
              <button type="button" disabled={busy} onClick={() => void act('promote-full')}>
                Promote full
              </button>
              <button type="button" className="danger" disabled={busy} onClick={() => void act('abort')}>
                Abort
              </button>
              <button type="button" disabled={busy} onClick={() => void act('retry')}>
                Retry
              </button>
              {v.paused ? (
                <button type="button" disabled={busy} onClick={() => void act('resume')}>
                  Resume
                </button>
              ) : (
                <button type="button" disabled={busy} onClick={() => void act('pause')}>
                  Pause
                </button>
              )}
            </fieldset>
            {result ? <LiveStatus error={result.error}>{result.text}</LiveStatus> : null}
          </section>
          <section aria-labelledby="revisions-title">
            <h2 id="revisions-title">ReplicaSets</h2>
            <ul className="revisions">
              {v.revisions.map((r) => (
                <li
                  key={r.replicaSet}
                  className="card revision-card"
                  data-replicaset={r.replicaSet}
                  data-roles={r.roles.join(' ')}
                >
                  <h3>
                    Revision {r.revision} <span className="muted">{r.replicaSet}</span>{' '}
                    {r.roles.map((role) => (
                      <span key={role} className={`role role-${role}`}>
                        {role}
                      </span>
                    ))}
                  </h3>
                  <p>
                    {r.images.map((i) => (
                      <code key={i} className="image">
                        {i}
                      </code>
                    ))}
                  </p>
                  <ReplicaBar
                    label={`Ready (revision ${r.revision})`}
                    value={r.ready}
                    max={Math.max(r.desired, r.ready)}
                  />
                  <ReplicaBar
                    label={`Available (revision ${r.revision})`}
                    value={r.available}
                    max={Math.max(r.desired, r.available)}
                  />
                  {r.pods.length > 0 ? (
                    <table aria-label={`Pods of revision ${r.revision}`}>
                      <thead>
                        <tr>
                          <th scope="col">Pod</th>
                          <th scope="col">Phase</th>
                          <th scope="col">Ready</th>
                          <th scope="col">Restarts</th>
                          <th scope="col">Node</th>
                        </tr>
                      </thead>
                      <tbody>
                        {r.pods.map((p) => (
                          <tr key={p.name}>
                            <th scope="row">
                              <Link
                                to={`/ui/pods/${encodeURIComponent(v.namespace)}/${encodeURIComponent(p.name)}`}
                              >
                                {p.name}
                              </Link>
                            </th>
                            <td>
                              <StatusBadge status={p.phase} />
                            </td>
                            <td>
                              <StatusBadge status={p.ready ? 'Ready' : 'NotReady'} />
                            </td>
                            <td>{p.restarts}</td>
                            <td>{p.node ?? '-'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  ) : (
                    <p className="muted">No pods.</p>
                  )}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </>
  );
}
