// The dashboard's own endpoints under /ui/api (what the Kubernetes API does not answer directly):
// commit metadata, the resource tree, the diff, sync/refresh/rollback of an Application, and the
// view and controls of a Rollout. Each is a thin adapter over the library the CLI uses too
// (src/sync/app-diff.ts, app-actions.ts, app-rollback.ts, src/rollout/view-load.ts,
// controls-apply.ts), so the browser and `gantry …` show and do the same things.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, isApiError } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { authorize, type UserInfo, type Verb } from '../cluster/apiserver/authz.js';
import { applyRolloutControl, type RolloutControlVerb } from '../rollout/controls-apply.js';
import { loadRolloutView } from '../rollout/view-load.js';
import { requestRefresh, requestSync } from '../sync/app-actions.js';
import { diffApplication, resourceDiffText } from '../sync/app-diff.js';
import { rollbackApplication } from '../sync/app-rollback.js';
import { COMMIT_SHA, type CommitInfo, commitInfo } from '../sync/commit-info.js';
import type { GitSource } from '../sync/git-source.js';
import { repoCredentialsFor } from '../sync/repo-credentials.js';
import { APPLICATION_NAMESPACE } from '../sync/types.js';
import { optBool, optString, readJsonObject, sendJson } from './http.js';
import { loadApplicationTree } from './tree-load.js';

export interface DashboardApiDeps {
  readonly client: Client;
  /** The dashboard's git cache (`<data-dir>/ui-cache`). */
  readonly git: GitSource;
  readonly cacheDir: string;
  /** Where rollback clones go. */
  readonly tmpRoot: string;
}

export interface ApiRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly user: UserInfo;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** Path segments after /ui/api/; ':x' is a parameter. */
  readonly path: readonly string[];
  /** What the caller must be allowed (the API server's own authorization rules). */
  readonly verb: Verb;
  readonly resource: ResourceInfo;
  readonly handle: (deps: DashboardApiDeps, r: ApiRequest, cache: CommitCache) => Promise<void>;
}

/** Commit metadata by repository and SHA (a commit never changes). */
export class CommitCache {
  private readonly entries = new Map<string, CommitInfo>();
  constructor(private readonly size = 2000) {}
  get(key: string): CommitInfo | undefined {
    return this.entries.get(key);
  }
  set(key: string, v: CommitInfo): void {
    if (this.entries.size >= this.size) {
      const first = this.entries.keys().next().value;
      if (first !== undefined) {
        this.entries.delete(first);
      }
    }
    this.entries.set(key, v);
  }
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A branch, tag or SHA as a user would type it (no option-looking or path-escaping values). */
const REVISION = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/@^~-]{1,200}$/;

function checkName(field: string, v: string | undefined): string {
  if (!v || !NAME.test(v)) {
    throw errors.badRequest(
      `${field} "${v ?? ''}" is not a valid name (lower-case letters, digits, '-' and '.')`,
      [{ field, message: 'invalid name', reason: 'FieldValueInvalid' }],
    );
  }
  return v;
}

function checkRevision(field: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') {
    return undefined;
  }
  if (!REVISION.test(v)) {
    throw errors.badRequest(`${field} "${v.slice(0, 80)}" is not a branch, tag or commit SHA`, [
      { field, message: 'invalid revision', reason: 'FieldValueInvalid' },
    ]);
  }
  return v;
}

async function getApplication(client: Client, name: string): Promise<KObject> {
  try {
    return await client.get(R.applications, APPLICATION_NAMESPACE, checkName('name', name));
  } catch (e) {
    if (isApiError(e, 404)) {
      throw errors.notFound({ group: 'argoproj.io', kind: 'Application', name });
    }
    throw e;
  }
}

function repoOf(app: KObject): string {
  const url = app.spec?.source?.repoURL;
  if (typeof url !== 'string' || url === '') {
    throw new ApiError(422, 'Invalid', `application '${app.metadata.name}' has no spec.source.repoURL`);
  }
  return url;
}

async function revision(deps: DashboardApiDeps, r: ApiRequest, cache: CommitCache): Promise<void> {
  const [name = '', shaParam = ''] = r.params;
  const sha = shaParam.toLowerCase();
  if (!COMMIT_SHA.test(sha)) {
    throw errors.badRequest(`sha "${shaParam.slice(0, 80)}" is not a commit SHA (7 to 40 hex digits)`, [
      { field: 'sha', message: 'not a commit SHA', reason: 'FieldValueInvalid' },
    ]);
  }
  const app = await getApplication(deps.client, name);
  const url = repoOf(app);
  const key = `${url}\0${sha}`;
  let info = cache.get(key);
  if (!info) {
    const creds = await repoCredentialsFor(deps.client, app, url);
    info = await commitInfo(deps.git, url, sha, creds);
    if (!info) {
      throw new ApiError(
        404,
        'NotFound',
        `commit ${sha} not found in the repository of application '${name}'`,
      );
    }
    cache.set(key, info);
    cache.set(`${url}\0${info.sha}`, info);
  }
  sendJson(r.res, 200, info);
}

async function tree(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const app = await getApplication(deps.client, r.params[0] ?? '');
  sendJson(r.res, 200, { nodes: await loadApplicationTree(deps.client, app) });
}

async function diff(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const app = await getApplication(deps.client, r.params[0] ?? '');
  const rev = checkRevision('revision', r.query.get('revision') ?? undefined);
  const d = await diffApplication(deps.client, app, {
    cacheDir: deps.cacheDir,
    git: deps.git,
    color: false,
    ...(rev ? { revision: rev } : {}),
  });
  sendJson(r.res, 200, {
    revision: d.revision,
    text: d.text,
    resources: d.results.map((x) => ({
      group: x.key.group,
      kind: x.key.kind,
      ...(x.key.namespace ? { namespace: x.key.namespace } : {}),
      name: x.key.name,
      status: x.status,
      diff: resourceDiffText(x),
    })),
  });
}

async function sync(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const body = await readJsonObject(r.req, { prune: 'boolean', revision: 'string' });
  const name = r.params[0] ?? '';
  await getApplication(deps.client, name);
  const rev = checkRevision('revision', optString(body, 'revision'));
  await requestSync(deps.client, name, {
    prune: optBool(body, 'prune'),
    ...(rev ? { revision: rev } : {}),
    username: r.user.user,
  });
  sendJson(r.res, 202, { message: `sync of application '${name}' requested` });
}

async function refresh(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const body = await readJsonObject(r.req, { hard: 'boolean' });
  const name = r.params[0] ?? '';
  await getApplication(deps.client, name);
  const hard = optBool(body, 'hard');
  await requestRefresh(deps.client, name, hard);
  sendJson(r.res, 202, { message: `${hard ? 'hard ' : ''}refresh of application '${name}' requested` });
}

async function rollback(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const body = await readJsonObject(r.req, { to: 'string', dryRun: 'boolean' });
  const name = r.params[0] ?? '';
  await getApplication(deps.client, name);
  const to = checkRevision('to', optString(body, 'to'));
  const res = await rollbackApplication(deps.client, {
    app: name,
    ...(to ? { to } : {}),
    dryRun: optBool(body, 'dryRun'),
    tmpRoot: deps.tmpRoot,
    component: 'gantry-dashboard',
  });
  sendJson(r.res, 200, {
    application: res.application,
    path: res.path,
    toRevision: res.toRevision,
    ...(res.commit ? { commit: res.commit } : {}),
    branch: res.branch,
    reverted: res.reverted.map((c) => ({ sha: c.sha, subject: c.subject })),
    diff: res.diff,
    outside: res.outside,
  });
}

async function rolloutGet(deps: DashboardApiDeps, r: ApiRequest): Promise<void> {
  const ns = checkName('namespace', r.params[0]);
  const name = checkName('name', r.params[1]);
  sendJson(r.res, 200, await loadRolloutView(deps.client, ns, name));
}

const CONTROLS: readonly RolloutControlVerb[] = ['promote', 'abort', 'retry', 'pause', 'resume'];

function rolloutControl(verb: RolloutControlVerb): Route['handle'] {
  return async (deps, r) => {
    const ns = checkName('namespace', r.params[0]);
    const name = checkName('name', r.params[1]);
    // `full` matters to promote only; the other verbs accept and ignore it (one body shape for all)
    const body = await readJsonObject(r.req, { full: 'boolean' });
    await applyRolloutControl(deps.client, ns, name, verb, { full: optBool(body, 'full') });
    sendJson(r.res, 200, await loadRolloutView(deps.client, ns, name));
  };
}

const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: ['applications', ':name', 'revisions', ':sha'],
    verb: 'get',
    resource: R.applications,
    handle: revision,
  },
  {
    method: 'GET',
    path: ['applications', ':name', 'tree'],
    verb: 'get',
    resource: R.applications,
    handle: tree,
  },
  {
    method: 'GET',
    path: ['applications', ':name', 'diff'],
    verb: 'get',
    resource: R.applications,
    handle: diff,
  },
  {
    method: 'POST',
    path: ['applications', ':name', 'sync'],
    verb: 'patch',
    resource: R.applications,
    handle: sync,
  },
  {
    method: 'POST',
    path: ['applications', ':name', 'refresh'],
    verb: 'patch',
    resource: R.applications,
    handle: refresh,
  },
  {
    method: 'POST',
    path: ['applications', ':name', 'rollback'],
    verb: 'patch',
    resource: R.applications,
    handle: rollback,
  },
  {
    method: 'GET',
    path: ['rollouts', ':ns', ':name'],
    verb: 'get',
    resource: R.rollouts,
    handle: rolloutGet,
  },
  ...CONTROLS.map(
    (c): Route => ({
      method: 'POST',
      path: ['rollouts', ':ns', ':name', c],
      verb: 'patch',
      resource: R.rollouts,
      handle: rolloutControl(c),
    }),
  ),
];

function match(route: Route, segments: readonly string[]): string[] | undefined {
  if (route.path.length !== segments.length) {
    return undefined;
  }
  const params: string[] = [];
  for (const [i, p] of route.path.entries()) {
    const s = segments[i] ?? '';
    if (p.startsWith(':')) {
      params.push(s);
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}

/** Dispatches one authenticated /ui/api request (segments: decoded path segments after /ui/api/). */
export async function handleApi(
  deps: DashboardApiDeps,
  cache: CommitCache,
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  segments: readonly string[],
  query: URLSearchParams,
): Promise<void> {
  const candidates = ROUTES.map((route) => ({ route, params: match(route, segments) })).filter(
    (x): x is { route: Route; params: string[] } => x.params !== undefined,
  );
  if (candidates.length === 0) {
    req.resume();
    throw new ApiError(404, 'NotFound', `no dashboard endpoint /ui/api/${segments.join('/')}`);
  }
  const found = candidates.find((c) => c.route.method === req.method);
  if (!found) {
    req.resume();
    res.setHeader('Allow', [...new Set(candidates.map((c) => c.route.method))].join(', '));
    throw errors.methodNotAllowed(`${req.method} is not allowed on /ui/api/${segments.join('/')}`);
  }
  if (!authorize(user, found.route.verb, found.route.resource)) {
    req.resume();
    throw errors.forbidden(
      `user "${user.user}" cannot ${found.route.verb} ${found.route.resource.plural}.${found.route.resource.group || 'core'}`,
    );
  }
  await found.route.handle(deps, { req, res, user, params: found.params, query }, cache);
}
