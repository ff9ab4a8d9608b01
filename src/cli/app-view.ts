// How `gantry app` shows Applications, laid out as `argocd app` does: the list table, the `get`
// summary with its resources table, the operation and conditions, and the history. Pure: takes
// Application objects (and a clock for sync windows), returns text.
import type { KObject } from '../api/types.js';
import type { HistoryEntry, OperationState, ResourceResult, ResourceStatus } from '../sync/types.js';
import { evaluateSyncWindows, type SyncWindow } from '../sync/windows.js';
import { humanDuration, orNone, shortSha, summary, table } from './output.js';

export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** History entry keys (on the entry or its source) naming the promotion PR and the reverted revision. */
export const HISTORY_PR_KEYS = ['gantry.dev/pull-request', 'pullRequest', 'pr'] as const;
export const HISTORY_REVERT_KEYS = ['gantry.dev/revert-of', 'revertOf'] as const;

function source(app: KObject): Record<string, any> {
  return app.spec?.source ?? app.spec?.sources?.[0] ?? {};
}

function cluster(app: KObject): string {
  const d = app.spec?.destination ?? {};
  return d.server || d.name || IN_CLUSTER;
}

export function syncPolicyText(app: KObject): string {
  const auto = app.spec?.syncPolicy?.automated;
  if (!auto || auto.enabled === false) {
    return '<none>';
  }
  return auto.prune ? 'Auto-Prune' : 'Auto';
}

function status(app: KObject): Record<string, any> {
  return app.status ?? {};
}

function conditionsText(app: KObject): string {
  const conds: { type?: string }[] = Array.isArray(status(app).conditions) ? status(app).conditions : [];
  return orNone(
    conds
      .map((c) => c.type ?? '')
      .filter((t) => t !== '')
      .join(','),
  );
}

export const LIST_HEADERS = [
  'NAME',
  'CLUSTER',
  'NAMESPACE',
  'PROJECT',
  'STATUS',
  'HEALTH',
  'SYNCPOLICY',
  'CONDITIONS',
  'REPO',
  'PATH',
  'TARGET',
];

export function listRow(app: KObject): string[] {
  const s = status(app);
  const src = source(app);
  return [
    app.metadata.name ?? '',
    cluster(app),
    app.spec?.destination?.namespace ?? '',
    app.spec?.project ?? 'default',
    s.sync?.status ?? 'Unknown',
    s.health?.status ?? 'Unknown',
    syncPolicyText(app),
    conditionsText(app),
    src.repoURL ?? '',
    src.path ?? '',
    src.targetRevision || 'HEAD',
  ];
}

export function renderList(apps: readonly KObject[]): string {
  return table(LIST_HEADERS, apps.map(listRow));
}

export function syncWindowText(app: KObject, now: Date): string {
  const windows: SyncWindow[] = Array.isArray(app.spec?.syncWindows) ? app.spec.syncWindows : [];
  if (windows.length === 0) {
    return 'Sync Allowed';
  }
  const auto = evaluateSyncWindows(windows, app, now, false);
  if (auto.allowed) {
    return 'Sync Allowed';
  }
  if (evaluateSyncWindows(windows, app, now, true).allowed) {
    return `Manual Allowed (${auto.blockedBy})`;
  }
  return `Sync Denied (${auto.blockedBy})`;
}

function syncStatusText(app: KObject): string {
  const s = status(app);
  const code: string = s.sync?.status ?? 'Unknown';
  const target = source(app).targetRevision || 'HEAD';
  const rev = shortSha(s.sync?.revision);
  const word = code === 'Synced' ? 'to' : 'from';
  return rev ? `${code} ${word} ${target} (${rev})` : `${code} ${word} ${target}`;
}

function policyText(app: KObject): string {
  const auto = app.spec?.syncPolicy?.automated;
  if (!auto || auto.enabled === false) {
    return 'Manual';
  }
  const extras = [auto.prune ? 'Prune' : '', auto.selfHeal ? 'Self Heal' : ''].filter((x) => x !== '');
  return extras.length > 0 ? `Automated (${extras.join(', ')})` : 'Automated';
}

function sameResource(a: ResourceStatus | ResourceResult, b: ResourceStatus | ResourceResult): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

export const RESOURCE_HEADERS = ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'HOOK', 'MESSAGE'];

/** One row per managed resource, then the hooks of the last operation. */
export function resourceRows(app: KObject): string[][] {
  const s = status(app);
  const resources: ResourceStatus[] = Array.isArray(s.resources) ? s.resources : [];
  const op: OperationState | undefined = s.operationState;
  const results: ResourceResult[] = Array.isArray(op?.syncResult?.resources)
    ? (op?.syncResult.resources ?? [])
    : [];
  const rows = resources.map((r) => {
    const result = results.find((x) => !x.hookPhase && sameResource(x, r));
    const st = r.status === 'OutOfSync' && r.reason ? `OutOfSync (${r.reason})` : r.status;
    return [
      r.group ?? '',
      r.kind,
      r.namespace ?? '',
      r.name,
      r.requiresPruning ? `${st} (requires pruning)` : st,
      r.health?.status ?? '',
      '',
      result?.message ?? r.health?.message ?? '',
    ];
  });
  for (const h of results.filter((x) => x.hookPhase)) {
    rows.push([
      h.group ?? '',
      h.kind,
      h.namespace ?? '',
      h.name,
      h.hookPhase ?? '',
      '',
      h.syncPhase,
      h.message ?? '',
    ]);
  }
  return rows;
}

/** The operation summary (argocd prints it after `app sync`). */
export function renderOperation(op: OperationState, now: Date): string {
  const started = Date.parse(op.startedAt);
  const finished = op.finishedAt ? Date.parse(op.finishedAt) : now.getTime();
  const fields: [string, string][] = [
    ['Operation', 'Sync'],
    ['Sync Revision', op.syncResult?.revision ?? op.operation?.sync?.revision ?? ''],
    ['Phase', op.phase],
    ['Start', op.startedAt],
    ['Finished', op.finishedAt ?? ''],
    ['Duration', Number.isFinite(started) ? humanDuration(finished - started) : ''],
    ['Message', op.message ?? ''],
  ];
  return summary(fields.filter(([, v]) => v !== ''));
}

/** The `app get` text: summary, failed operation, conditions, resources. */
export function renderApp(app: KObject, now: Date): string {
  const s = status(app);
  const src = source(app);
  const health = s.health?.status ?? 'Unknown';
  const fields: [string, string][] = [
    ['Name', `${app.metadata.namespace ?? ''}/${app.metadata.name ?? ''}`],
    ['Project', app.spec?.project ?? 'default'],
    ['Server', cluster(app)],
    ['Namespace', app.spec?.destination?.namespace ?? ''],
    ['Repo', src.repoURL ?? ''],
    ['Target', src.targetRevision || 'HEAD'],
    ['Path', src.path ?? ''],
    ['SyncWindow', syncWindowText(app, now)],
    ['Sync Policy', policyText(app)],
    ['Sync Status', syncStatusText(app)],
    [
      'Health Status',
      health === 'Healthy' || !s.health?.message ? health : `${health} (${s.health.message})`,
    ],
  ];
  let out = summary(fields);
  const op: OperationState | undefined = s.operationState;
  if (op && (op.phase === 'Failed' || op.phase === 'Error' || op.phase === 'Running')) {
    out += `\n${renderOperation(op, now)}`;
  }
  const conds: { type: string; message: string; lastTransitionTime?: string }[] = Array.isArray(s.conditions)
    ? s.conditions
    : [];
  if (conds.length > 0) {
    out += `\n${table(
      ['CONDITION', 'MESSAGE', 'LAST TRANSITION'],
      conds.map((c) => [c.type, c.message, c.lastTransitionTime ?? '']),
    )}`;
  }
  const rows = resourceRows(app);
  if (rows.length > 0) {
    out += `\n${table(RESOURCE_HEADERS, rows)}`;
  }
  return out;
}

function entryValue(entry: Record<string, any>, keys: readonly string[]): string {
  for (const bag of [entry, entry.source, entry.annotations, entry.source?.annotations]) {
    if (bag && typeof bag === 'object') {
      for (const k of keys) {
        const v = bag[k];
        if (typeof v === 'string' || typeof v === 'number') {
          return String(v);
        }
      }
    }
  }
  return '';
}

/** The `app history` text: the source, then one row per deployment (PR / REVERT-OF when known). */
export function renderHistory(app: KObject): string {
  const history: HistoryEntry[] = Array.isArray(status(app).history) ? status(app).history : [];
  if (history.length === 0) {
    return `No history for application '${app.metadata.name}'\n`;
  }
  const rows = history.map((h) => {
    const e = h as unknown as Record<string, any>;
    const target = h.source?.targetRevision || source(app).targetRevision || 'HEAD';
    return {
      cells: [String(h.id), h.deployedAt ?? '', `${target} (${shortSha(h.revision)})`],
      pr: entryValue(e, HISTORY_PR_KEYS),
      revert: entryValue(e, HISTORY_REVERT_KEYS),
    };
  });
  const withPr = rows.some((r) => r.pr !== '');
  const withRevert = rows.some((r) => r.revert !== '');
  const headers = ['ID', 'DATE', 'REVISION', ...(withPr ? ['PR'] : []), ...(withRevert ? ['REVERT-OF'] : [])];
  const body = rows.map((r) => [
    ...r.cells,
    ...(withPr ? [r.pr] : []),
    ...(withRevert ? [shortSha(r.revert)] : []),
  ]);
  const repo = history[history.length - 1]?.source?.repoURL ?? source(app).repoURL ?? '';
  return `SOURCE  ${repo}\n${table(headers, body)}`;
}
