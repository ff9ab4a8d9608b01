// Sync engine metrics under Argo CD's names (argocd_app_sync_total, argocd_app_reconcile,
// argocd_app_info, argocd_git_request_*) plus gantry_app_sync_duration_seconds. argocd_app_info
// is computed at scrape time from the live Application caches of running controllers, so a
// deleted app leaves no series behind.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { KObject } from '../api/types.js';
import { LiveSources, registry } from './metrics.js';
import { stripUrlCredentials } from './redact.js';

const syncTotal = new Counter({
  name: 'argocd_app_sync_total',
  help: 'Number of application syncs, by result phase (Succeeded, Failed, Error).',
  labelNames: ['name', 'namespace', 'project', 'phase', 'dest_server'] as const,
  registers: [registry],
});

const syncDuration = new Histogram({
  name: 'gantry_app_sync_duration_seconds',
  help: 'Duration of sync operations (start to finish), by result phase.',
  labelNames: ['name', 'phase'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  registers: [registry],
});

const reconcileDuration = new Histogram({
  name: 'argocd_app_reconcile',
  help: 'Application reconciliation performance in seconds.',
  labelNames: ['namespace', 'dest_server'] as const,
  buckets: [0.25, 0.5, 1, 2, 4, 8, 16],
  registers: [registry],
});

const gitRequests = new Counter({
  name: 'argocd_git_request_total',
  help: 'Number of git requests performed by the sync engine, by repository and type (ls-remote, fetch).',
  labelNames: ['repo', 'request_type', 'result'] as const,
  registers: [registry],
});

const gitDuration = new Histogram({
  name: 'argocd_git_request_duration_seconds',
  help: 'Git request duration in seconds, by repository and type (ls-remote, fetch).',
  labelNames: ['repo', 'request_type'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 4, 10, 20],
  registers: [registry],
});

const appSources = new LiveSources<() => readonly KObject[]>();

new Gauge({
  name: 'argocd_app_info',
  help: 'Information about each Application (always 1).',
  labelNames: [
    'name',
    'namespace',
    'project',
    'repo',
    'dest_server',
    'dest_namespace',
    'sync_status',
    'health_status',
    'operation',
  ] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const list of appSources.all()) {
      for (const app of list()) {
        this.set(appInfoLabels(app), 1);
      }
    }
  },
});

/** argocd_app_info's labels for an Application (pure). */
export function appInfoLabels(app: KObject): Record<string, string> {
  const spec = app.spec ?? {};
  const status = app.status ?? {};
  return {
    name: app.metadata.name ?? '',
    namespace: app.metadata.namespace ?? '',
    project: String(spec.project ?? 'default'),
    repo: stripUrlCredentials(String(spec.source?.repoURL ?? spec.sources?.[0]?.repoURL ?? '')),
    dest_server: String(spec.destination?.server ?? ''),
    dest_namespace: String(spec.destination?.namespace ?? ''),
    sync_status: String(status.sync?.status ?? 'Unknown'),
    health_status: String(status.health?.status ?? 'Unknown'),
    operation: app.operation?.sync ? 'sync' : status.operationState?.phase === 'Running' ? 'sync' : '',
  };
}

/** Reports the Applications `list()` returns in argocd_app_info until the returned function is called. */
export function reportApplications(list: () => readonly KObject[]): () => void {
  return appSources.add(list);
}

/** One finished sync operation. */
export function countSync(app: KObject, phase: string, seconds: number | undefined): void {
  syncTotal.inc({
    name: app.metadata.name ?? '',
    namespace: app.metadata.namespace ?? '',
    project: String(app.spec?.project ?? 'default'),
    phase,
    dest_server: String(app.spec?.destination?.server ?? ''),
  });
  if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    syncDuration.observe({ name: app.metadata.name ?? '', phase }, seconds);
  }
}

/** One reconcile pass of an Application. */
export function observeAppReconcile(app: KObject, seconds: number): void {
  reconcileDuration.observe(
    {
      namespace: app.metadata.namespace ?? '',
      dest_server: String(app.spec?.destination?.server ?? ''),
    },
    seconds,
  );
}

export type GitRequestType = 'ls-remote' | 'fetch';

/** Times a remote git command; the repository label never carries credentials. */
export async function timeGitRequest<T>(
  repo: string,
  type: GitRequestType,
  fn: () => Promise<T>,
): Promise<T> {
  const started = process.hrtime.bigint();
  const labels = { repo: stripUrlCredentials(repo), request_type: type };
  let result = 'error';
  try {
    const v = await fn();
    result = 'success';
    return v;
  } finally {
    gitRequests.inc({ ...labels, result });
    gitDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
