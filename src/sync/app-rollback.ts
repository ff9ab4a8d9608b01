// Rollback of an Application, shared by `gantry rollback` and the dashboard's Rollback button: find
// the Application (`<app>-<env>`, the name itself, or the app's only environment), take its
// repository, folder, branch and the revision of its previous successful sync, and revert — as one
// commit pushed to the repository — what came after (src/promote/rollback.ts does the git side).
// The next sync rolls the app back; the Application itself is never written, only an Event
// `RolledBack` is recorded on it.
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import {
  applicationName,
  findApplication,
  knownEnvironments,
  previousSyncedRevision,
  sourceOf,
} from '../promote/environments.js';
import { PromoteError } from '../promote/errors.js';
import { type RollbackResult, rollback } from '../promote/rollback.js';
import { recordEvent } from './app-events.js';
import { repoCredentialsFor } from './repo-credentials.js';

export interface AppRollbackOptions {
  /** An Application name, or an app whose Applications are `<app>-<env>`. */
  readonly app: string;
  readonly env?: string;
  /** Revision to return to; default the Application's previous successful sync. */
  readonly to?: string;
  readonly dryRun?: boolean;
  /** Where temporary clones go. */
  readonly tmpRoot: string;
  /** Another repository (URL or working copy) than the Application's; the folder then comes from `env` + `root`. */
  readonly repo?: string;
  /** Root folder of the per-environment layout (with `repo`). */
  readonly root?: string;
  /** Branch to revert on; default the Application's targetRevision when it names one. */
  readonly revision?: string;
  /** Reporting component of the Event (`gantry-cli`, `gantry-dashboard`). */
  readonly component?: string;
}

export interface AppRollbackResult extends RollbackResult {
  /** The Application rolled back. */
  readonly application: string;
}

/** The Application a rollback works on: `<app>-<env>`, APP itself, or the app's only one. */
export async function resolveRollbackApplication(
  client: Client,
  app: string,
  env?: string,
): Promise<KObject> {
  if (env) {
    const a = await findApplication(client, app, env);
    if (!a) {
      const known = await knownEnvironments(client, app);
      throw new PromoteError(
        'UnknownEnvironment',
        `no Application ${applicationName(app, env)} in namespace gantry${known.length > 0 ? `; environments of ${app}: ${known.join(', ')}` : ''}`,
      );
    }
    return a;
  }
  try {
    return await client.get(R.applications, 'gantry', app);
  } catch {
    // not an Application name: look for <app>-<env>
  }
  const known = await knownEnvironments(client, app);
  if (known.length === 1 && known[0]) {
    const a = await findApplication(client, app, known[0]);
    if (a) {
      return a;
    }
  }
  throw new PromoteError(
    known.length === 0 ? 'UnknownApp' : 'UnknownEnvironment',
    known.length === 0
      ? `unknown app '${app}': no Application ${app} or ${app}-<env> in namespace gantry`
      : `app '${app}' has several environments (${known.join(', ')}): pass --env ENV`,
  );
}

/** The Event message of a rollback that was pushed. Pure. */
export function rolledBackMessage(res: RollbackResult): string {
  return `Rolled back to ${res.toRevision.slice(0, 7)} by reverting ${res.reverted.length} commit(s): ${res.commit?.slice(0, 7) ?? ''}`;
}

/**
 * Reverts what the Application's folder received after `to` (default: its previous successful
 * sync) as one commit, pushes it (unless dryRun) and records a Normal Event `RolledBack` on it.
 */
export async function rollbackApplication(client: Client, o: AppRollbackOptions): Promise<AppRollbackResult> {
  const a = await resolveRollbackApplication(client, o.app, o.env);
  const appName = a.metadata.name ?? o.app;
  const s = sourceOf(a);
  const repo = o.repo ?? s.repoURL;
  const path = o.repo ? undefined : s.path;
  const revision =
    o.revision ?? (s.targetRevision && s.targetRevision !== 'HEAD' ? s.targetRevision : undefined);
  const toRevision = o.to ?? previousSyncedRevision(a);
  if (!toRevision) {
    throw new PromoteError(
      'UnknownRevision',
      `Application ${appName} has no earlier successful sync in its history: pass --to REVISION`,
    );
  }
  if (!repo) {
    throw new PromoteError('UnknownApp', `Application ${appName} has no spec.source.repoURL`);
  }
  // the repository Secret the sync engine uses, when there is one (git gets it through askpass)
  const creds = o.repo ? undefined : await repoCredentialsFor(client, a, repo);
  const res = await rollback(
    {
      repo,
      app: o.app,
      toRevision,
      ...(path !== undefined ? { path } : { env: o.env, ...(o.root !== undefined ? { root: o.root } : {}) }),
      ...(revision ? { revision } : {}),
      ...(creds ? { auth: creds } : {}),
      dryRun: o.dryRun === true,
    },
    { tmpRoot: o.tmpRoot },
  );
  if (!o.dryRun && res.commit) {
    await recordEvent(client, o.component ?? 'gantry', a, 'Normal', 'RolledBack', rolledBackMessage(res));
  }
  return { ...res, application: appName };
}
