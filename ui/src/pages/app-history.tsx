// The Application's sync history (newest first) with a Rollback button per earlier revision: the
// button shows the dry-run revert in a confirm dialog, then POSTs the rollback (a revert commit).
import { useState } from 'react';
import { postJson } from '../client/api.js';
import { ConfirmDialog, LiveStatus } from '../components.js';
import { formatAge, formatTimestamp } from '../lib/age.js';
import { shortSha } from '../lib/apps.js';
import type { RollbackAnswer } from '../lib/types.js';
import { Revision } from './apps-page.js';
import { DiffView } from './diff-view.js';

export interface HistoryItem {
  id: number;
  revision: string;
  deployedAt: string;
  initiatedBy?: { username?: string; automated?: boolean };
}

type Dialog =
  | { readonly state: 'closed' }
  | { readonly state: 'loading' | 'ready' | 'running'; readonly to: string; readonly plan?: RollbackAnswer }
  | { readonly state: 'failed'; readonly to: string; readonly error: string };

export function AppHistory(props: {
  app: string;
  history: readonly HistoryItem[];
  current: string | undefined;
  now: number;
}) {
  const [dialog, setDialog] = useState<Dialog>({ state: 'closed' });
  const [result, setResult] = useState<{ text: string; error?: boolean } | undefined>();
  const url = `/ui/api/applications/${encodeURIComponent(props.app)}/rollback`;
  const rows = [...props.history].sort((a, b) => b.id - a.id);
  const newest = rows[0]?.revision;

  const open = async (to: string) => {
    setDialog({ state: 'loading', to });
    try {
      const plan = await postJson<RollbackAnswer>(url, { to, dryRun: true });
      setDialog({ state: 'ready', to, plan });
    } catch (e) {
      setDialog({ state: 'failed', to, error: (e as Error).message });
    }
  };
  const confirm = async () => {
    if (dialog.state !== 'ready') {
      return;
    }
    setDialog({ ...dialog, state: 'running' });
    try {
      const r = await postJson<RollbackAnswer>(url, { to: dialog.to });
      setResult({
        text: `Rollback to ${shortSha(r.toRevision)}: pushed ${shortSha(r.commit)} to ${r.branch}, reverting ${r.reverted
          .map((c) => `${shortSha(c.sha)} "${c.subject}"`)
          .join(', ')}. The next sync rolls the application back.`,
      });
    } catch (e) {
      setResult({ text: `Rollback failed: ${(e as Error).message}`, error: true });
    }
    setDialog({ state: 'closed' });
  };

  return (
    <>
      {rows.length === 0 ? (
        <p className="muted">No sync yet.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Sync history">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Revision</th>
                <th scope="col">Deployed at</th>
                <th scope="col">Result</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((h) => (
                <tr key={h.id} data-revision={h.revision}>
                  <td>{h.id}</td>
                  <td>
                    <Revision app={props.app} sha={h.revision} />
                  </td>
                  <td>
                    <time dateTime={h.deployedAt} title={formatTimestamp(h.deployedAt)}>
                      {formatTimestamp(h.deployedAt)} ({formatAge(h.deployedAt, props.now)} ago)
                    </time>
                  </td>
                  <td>
                    Deployed
                    {h.initiatedBy?.automated
                      ? ' (auto)'
                      : h.initiatedBy?.username
                        ? ` by ${h.initiatedBy.username}`
                        : ''}
                    {h.revision === props.current ? <strong> · current</strong> : null}
                  </td>
                  <td>
                    {h.revision !== newest && h.revision !== props.current ? (
                      <button
                        type="button"
                        onClick={() => void open(h.revision)}
                        aria-label={`Rollback to ${shortSha(h.revision)}`}
                      >
                        Rollback
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result ? <LiveStatus error={result.error}>{result.text}</LiveStatus> : null}
      <ConfirmDialog
        title={dialog.state === 'closed' ? 'Rollback' : `Roll back ${props.app} to ${shortSha(dialog.to)}?`}
        open={dialog.state !== 'closed'}
        confirmLabel="Roll back"
        busy={dialog.state !== 'ready'}
        onConfirm={() => void confirm()}
        onCancel={() => setDialog({ state: 'closed' })}
      >
        {dialog.state === 'loading' ? <p role="status">Computing the revert…</p> : null}
        {dialog.state === 'failed' ? (
          <p className="error" role="alert">
            {dialog.error}
          </p>
        ) : null}
        {(dialog.state === 'ready' || dialog.state === 'running') && dialog.plan ? (
          <>
            <p>
              One commit reverting {dialog.plan.reverted.length} commit(s) is pushed to {dialog.plan.branch}:
            </p>
            <ul>
              {dialog.plan.reverted.map((c) => (
                <li key={c.sha}>
                  <code>{shortSha(c.sha)}</code> {c.subject}
                </li>
              ))}
            </ul>
            <DiffView text={dialog.plan.diff ?? ''} label="Revert diff" />
          </>
        ) : null}
        {dialog.state === 'running' ? <p role="status">Pushing the revert…</p> : null}
      </ConfirmDialog>
    </>
  );
}
