// The cluster side of a promotion or rollback, read-only: the Application `<app>-<env>` in
// namespace gantry (where the environment's manifests live), whether the source environment is
// Synced and Healthy at a revision, and the revision of the previous successful sync. Only `get`
// and `list` on the Client; never a write.
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { PromoteError } from './errors.js';

export const APPLICATIONS_NAMESPACE = 'gantry';

export function applicationName(app: string, env: string): string {
  return `${app}-${env}`;
}

/** The Application of (app, env), or undefined when there is none. */
export async function findApplication(
  client: Client,
  app: string,
  env: string,
): Promise<KObject | undefined> {
  try {
    return await client.get(R.applications, APPLICATIONS_NAMESPACE, applicationName(app, env));
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw new Error(`read Application ${APPLICATIONS_NAMESPACE}/${applicationName(app, env)}`, { cause: e });
  }
}

/** The environments an app has Applications for (`web-staging` → staging). */
export async function knownEnvironments(client: Client, app: string): Promise<string[]> {
  const list = await client.list(R.applications, { namespace: APPLICATIONS_NAMESPACE });
  return list.items
    .map((a) => a.metadata.name ?? '')
    .filter((n) => n.startsWith(`${app}-`))
    .map((n) => n.slice(app.length + 1))
    .sort();
}

export interface ApplicationSource {
  readonly repoURL?: string;
  readonly path?: string;
  readonly targetRevision?: string;
}

export function sourceOf(app: KObject): ApplicationSource {
  const s = app.spec?.source ?? {};
  return {
    ...(typeof s.repoURL === 'string' ? { repoURL: s.repoURL } : {}),
    ...(typeof s.path === 'string' ? { path: s.path } : {}),
    ...(typeof s.targetRevision === 'string' ? { targetRevision: s.targetRevision } : {}),
  };
}

/** A targetRevision that names a branch (not HEAD, not a SHA). */
export function branchOf(targetRevision: string | undefined): string | undefined {
  const r = (targetRevision ?? '').trim().replace(/^refs\/heads\//, '');
  if (r === '' || r === 'HEAD' || /^[0-9a-f]{40}$/.test(r) || r.startsWith('refs/')) {
    return undefined;
  }
  return r;
}

export interface Readiness {
  readonly ready: boolean;
  readonly sync: string;
  readonly health: string;
  readonly revision?: string;
  readonly operation?: string;
  /** Why not ready, in words. */
  readonly reason?: string;
}

/** Whether an Application is Synced and Healthy with no operation running. Pure. */
export function readiness(app: KObject): Readiness {
  const st = app.status ?? {};
  const sync = String(st.sync?.status ?? 'Unknown');
  const health = String(st.health?.status ?? 'Unknown');
  const revision =
    typeof st.sync?.revision === 'string' && st.sync.revision !== '' ? st.sync.revision : undefined;
  const running = Boolean(app.operation) || st.operationState?.phase === 'Running';
  const problems: string[] = [];
  if (sync !== 'Synced') {
    problems.push(`sync status is ${sync}`);
  }
  if (health !== 'Healthy') {
    problems.push(`health is ${health}${st.health?.message ? ` (${st.health.message})` : ''}`);
  }
  if (running) {
    problems.push('an operation is running');
  }
  if (!revision) {
    problems.push('no synced revision is recorded');
  }
  return {
    ready: problems.length === 0,
    sync,
    health,
    ...(revision ? { revision } : {}),
    ...(running ? { operation: 'Running' } : {}),
    ...(problems.length > 0 ? { reason: problems.join(', ') } : {}),
  };
}

/** The revision of the sync before the current one (status.history, last 10, oldest first). */
export function previousSyncedRevision(app: KObject): string | undefined {
  const history: { revision?: string }[] = Array.isArray(app.status?.history) ? app.status.history : [];
  const current = app.status?.sync?.revision ?? history.at(-1)?.revision;
  for (let i = history.length - 1; i >= 0; i--) {
    const r = history[i]?.revision;
    if (typeof r === 'string' && r !== '' && r !== current) {
      return r;
    }
  }
  return undefined;
}

/** A refusal for an environment that is not ready, saying how to override. */
export function notReadyError(env: string, app: KObject, r: Readiness): PromoteError {
  return new PromoteError(
    'SourceNotReady',
    `source environment ${env} (Application ${app.metadata.name}) is not ready to promote: ${r.reason}; ` +
      'wait until it is Synced and Healthy, or pass --force',
  );
}
