// The web dashboard on the API server's port: `/ui` redirects to `/ui/`, `/ui/api/*` are the
// dashboard's endpoints (bearer token checked by the API server's own Authenticator, errors as
// Kubernetes Status), and everything else under `/ui/` is the built single-page app (dist/ui),
// served without a token like the Kubernetes dashboard's login page. The browser reads the
// Kubernetes API itself (same origin, same token) for lists, watches, events and logs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { errors } from '../api/errors.js';
import type { Client } from '../client/types.js';
import type { UserInfo } from '../cluster/apiserver/authz.js';
import type { ApiServer, Authenticator } from '../cluster/apiserver/server.js';
import { GitSource } from '../sync/git-source.js';
import { CommitCache, type DashboardApiDeps, handleApi } from './api.js';
import { statusOf } from './errors.js';
import { securityHeaders, sendStatus } from './http.js';
import { defaultUiDir, serveStatic } from './static.js';

export const UI_PATH = '/ui';

/** What the dashboard needs of a control plane (a ControlPlane has all of it). */
export interface DashboardHost {
  readonly server: Pick<ApiServer, 'mount'>;
  readonly tokens: Authenticator;
  readonly client: Client;
}

export interface DashboardOptions {
  /** The server's data dir: the dashboard's git cache is `<dataDir>/ui-cache`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  /** The built app; default `<repository>/dist/ui` (found from this module's location). */
  readonly uiDir?: string;
}

export interface Dashboard {
  readonly uiDir: string;
  readonly path: string;
}

function authenticate(req: IncomingMessage, tokens: Authenticator): UserInfo | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) {
    return undefined;
  }
  const token = auth.slice(7).trim();
  return token === '' ? undefined : tokens.authenticate(token);
}

/** The decoded segments of a path below /ui/api/ ('..' and the like refused). */
function apiSegments(rest: string): string[] {
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') {
      continue;
    }
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw errors.badRequest('malformed percent-encoding in the request path');
    }
    if (s === '.' || s === '..' || /[/\\\0]/.test(s)) {
      throw errors.badRequest('invalid segment in the request path');
    }
    out.push(s);
  }
  return out;
}

/** Mounts the dashboard (static files and /ui/api) on the control plane's API server. */
export function mountDashboard(cp: DashboardHost, opts: DashboardOptions): Dashboard {
  const uiDir = resolve(opts.uiDir ?? defaultUiDir());
  const cacheDir = join(resolve(opts.dataDir), 'ui-cache');
  const log = opts.logger?.child({ component: 'dashboard' });
  const deps: DashboardApiDeps = {
    client: cp.client,
    git: new GitSource({ dataDir: cacheDir, ...(log ? { logger: log } : {}) }),
    cacheDir,
    tmpRoot: join(cacheDir, 'promote'),
  };
  const commits = new CommitCache();

  const fail = (req: IncomingMessage, res: ServerResponse, e: unknown) => {
    const status = statusOf(e);
    if (!status) {
      log?.error({ err: e, method: req.method, path: req.url?.split('?')[0] }, 'dashboard request failed');
    }
    sendStatus(res, status ?? errors.internal(`internal error: ${(e as Error)?.message ?? String(e)}`));
  };

  cp.server.mount(UI_PATH, async (req, res) => {
    securityHeaders(res);
    req.resume();
    const q = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    res.writeHead(301, { Location: `${UI_PATH}/${q}`, 'Content-Length': 0 });
    res.end();
  });
  cp.server.mount(`${UI_PATH}/`, async (req, res) => {
    securityHeaders(res);
    const raw = (req.url ?? '/').split('?')[0] ?? '/';
    const rest = raw.startsWith(`${UI_PATH}/`) ? raw.slice(UI_PATH.length + 1) : '';
    if (rest === 'api' || rest.startsWith('api/')) {
      try {
        const user = authenticate(req, cp.tokens);
        if (!user) {
          req.resume();
          throw errors.unauthorized();
        }
        const query = new URL(req.url ?? '/', 'http://gantry.invalid').searchParams;
        await handleApi(deps, commits, req, res, user, apiSegments(rest.slice(3)), query);
      } catch (e) {
        fail(req, res, e);
      }
      return;
    }
    try {
      await serveStatic(req, res, uiDir, rest);
    } catch (e) {
      fail(req, res, e);
    }
  });
  return { uiDir, path: `${UI_PATH}/` };
}
