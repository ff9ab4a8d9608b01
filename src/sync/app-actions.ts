// What a user asks of an Application, shared by `gantry app sync|get --refresh`, the dashboard and
// a webhook that reaches a server that does not lead: the request is a write to the Application
// (its `operation` field, or Argo CD's refresh annotation) that the leading reconciler acts on.
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { APPLICATION_NAMESPACE } from './types.js';
import { evaluateSyncWindows, type SyncWindow } from './windows.js';

/** Argo CD's annotation: the reconciler re-checks the repository at once and removes it. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** A request refused: the Application does not exist, or its state does not allow it now. */
export class AppActionError extends Error {
  constructor(
    readonly reason: 'NotFound' | 'Conflict',
    message: string,
  ) {
    super(message);
    this.name = 'AppActionError';
  }
}

export interface SyncRequest {
  readonly prune?: boolean;
  readonly revision?: string;
  /** Who asked (shown in the operation's `initiatedBy`). */
  readonly username?: string;
}

/** The Application, or an error users understand when it does not exist. */
export async function readApplication(client: Client, name: string): Promise<KObject> {
  try {
    return await client.get(R.applications, APPLICATION_NAMESPACE, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new AppActionError(
        'NotFound',
        `application '${name}' not found in namespace ${APPLICATION_NAMESPACE}`,
      );
    }
    throw e;
  }
}

/**
 * Requests a sync the way argocd does (sets `operation`); refused while another operation runs or
 * a sync window blocks manual syncs. Returns the Application as it was before the request.
 */
export async function requestSync(
  client: Client,
  name: string,
  req: SyncRequest = {},
  now: Date = new Date(),
): Promise<KObject> {
  const app = await readApplication(client, name);
  if (app.operation || app.status?.operationState?.phase === 'Running') {
    throw new AppActionError(
      'Conflict',
      `another operation is already in progress for application '${name}'`,
    );
  }
  const windows: SyncWindow[] = Array.isArray(app.spec?.syncWindows) ? app.spec.syncWindows : [];
  const decision = evaluateSyncWindows(windows, app, now, true);
  if (!decision.allowed) {
    throw new AppActionError(
      'Conflict',
      `cannot sync application '${name}': blocked by ${decision.blockedBy}`,
    );
  }
  const sync: Record<string, unknown> = {};
  if (req.revision) {
    sync.revision = req.revision;
  }
  if (req.prune) {
    sync.prune = true;
  }
  await client.patch(R.applications, APPLICATION_NAMESPACE, name, 'merge', {
    operation: { sync, initiatedBy: { username: req.username ?? 'gantry-cli' } },
  });
  return app;
}

/** Asks the leading reconciler to re-check the Application's repository now. */
export async function requestRefresh(client: Client, name: string, hard = false): Promise<void> {
  await readApplication(client, name);
  await client.patch(R.applications, APPLICATION_NAMESPACE, name, 'merge', {
    metadata: { annotations: { [REFRESH_ANNOTATION]: hard ? 'hard' : 'normal' } },
  });
}

/** Asks for a refresh of every Application following one of `repoURLs`; returns their names. */
export async function requestRefreshOfRepos(
  client: Client,
  repoURLs: readonly string[],
  sameRepo: (a: string, b: string) => boolean,
): Promise<string[]> {
  const apps = await client.list(R.applications, { namespace: APPLICATION_NAMESPACE });
  const names: string[] = [];
  for (const a of apps.items) {
    const url = String(a.spec?.source?.repoURL ?? '');
    if (repoURLs.some((u) => sameRepo(u, url)) && a.metadata.name) {
      await requestRefresh(client, a.metadata.name);
      names.push(a.metadata.name);
    }
  }
  return names;
}
