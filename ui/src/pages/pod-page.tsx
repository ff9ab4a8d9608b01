// One pod: its status and containers, and its log (container picker, follow over the streaming
// log endpoint; the stream stops when the page is left or following is turned off).
import { useEffect, useRef, useState } from 'react';
import { streamLog } from '../client/logs.js';
import { StatusBadge } from '../components.js';
import { useNow, useWatchedList } from '../hooks.js';
import { formatAge } from '../lib/age.js';
import type { KObject } from '../lib/list-state.js';
import { podRow } from '../lib/workloads.js';

const MAX_LOG_CHARS = 400_000;

export function PodPage({ namespace, name }: { namespace: string; name: string }) {
  const pods = useWatchedList<KObject>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
  );
  const now = useNow();
  const pod = pods.items.find((p) => p.metadata.name === name);
  const row = pod ? podRow(pod) : undefined;
  const [container, setContainer] = useState<string | undefined>();
  const [follow, setFollow] = useState(true);
  const [log, setLog] = useState('');
  const [logState, setLogState] = useState('');
  const pre = useRef<HTMLPreElement>(null);
  const chosen = container ?? row?.containers[0];

  useEffect(() => {
    if (!chosen) {
      return;
    }
    const ac = new AbortController();
    setLog('');
    setLogState(follow ? 'Following the log…' : 'Loading the log…');
    streamLog(
      namespace,
      name,
      { container: chosen, follow, tailLines: 500 },
      (chunk) => setLog((l) => (l + chunk).slice(-MAX_LOG_CHARS)),
      ac.signal,
    ).then(
      () => {
        if (!ac.signal.aborted) {
          setLogState('End of log.');
        }
      },
      (e: unknown) => {
        if (!ac.signal.aborted) {
          setLogState(`Log: ${(e as Error).message}`);
        }
      },
    );
    return () => ac.abort();
  }, [namespace, name, chosen, follow]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the text grows
  useEffect(() => {
    const el = pre.current;
    if (el && follow) {
      el.scrollTop = el.scrollHeight;
    }
  }, [log, follow]);

  return (
    <>
      <h1>
        Pod{' '}
        <span className="title-name">
          {namespace}/{name}
        </span>
      </h1>
      {!row ? (
        <p role="status">{pods.loaded ? 'This pod does not exist (any more).' : 'Loading…'}</p>
      ) : (
        <section className="card" aria-labelledby="pod-status">
          <h2 id="pod-status" className="visually-hidden">
            Status
          </h2>
          <dl className="summary">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={row.status} />
              </dd>
            </div>
            <div>
              <dt>Ready</dt>
              <dd>{row.ready}</dd>
            </div>
            <div>
              <dt>Restarts</dt>
              <dd>{row.restarts}</dd>
            </div>
            <div>
              <dt>Node</dt>
              <dd>{row.node || '-'}</dd>
            </div>
            <div>
              <dt>IP</dt>
              <dd>{row.ip || '-'}</dd>
            </div>
            <div>
              <dt>Age</dt>
              <dd>{formatAge(row.created, now)}</dd>
            </div>
          </dl>
        </section>
      )}
      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        <div className="filters">
          <label>
            Container
            <select value={chosen ?? ''} onChange={(e) => setContainer(e.target.value)}>
              {(row?.containers ?? []).map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
          </label>
        </div>
        <p className="muted" role="status" aria-live="polite">
          {logState}
        </p>
        <pre ref={pre} className="log" data-testid="log">
          {log}
        </pre>
      </section>
    </>
  );
}
