// The API server: Kubernetes REST over HTTPS (or plain HTTP for tests that ask for it),
// bearer-token authentication, discovery, OpenAPI, and the resource handlers.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, errors } from '../../api/errors.js';
import { servedGroups } from '../../api/resources.js';
import { openApiV3GroupVersionJson, openApiV3Root } from '../../api/schema/index.js';
import { type RequestLabels, trackRequest } from '../../observe/api-metrics.js';
import { collectProcessMetrics, metricsText, secondsSince } from '../../observe/metrics.js';
import type { Registry } from '../registry/index.js';
import type { UserInfo } from './authz.js';
import {
  AGGREGATED_V2,
  aggregatedDiscovery,
  apiResourceList,
  groupInfo,
  groupList,
  legacyVersions,
  versionInfo,
  wantsAggregated,
} from './discovery.js';
import { execTarget, handleExecUpgrade, type PodExecSource, serveUpgradeAsRequest } from './exec-upgrade.js';
import { type HandlerContext, handleResource, type PodLogSource } from './handlers.js';
import { queryFlag, sendError, sendJson } from './http-util.js';
import { parsePath, type Route } from './routes.js';

export interface Authenticator {
  authenticate(bearerToken: string): UserInfo | undefined;
}

export interface ApiServerOptions {
  readonly registry: Registry;
  readonly authenticator: Authenticator;
  /** PEM server certificate and key; omit for plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly logger?: Logger;
  readonly logs?: PodLogSource;
  /** Where `kubectl exec` runs (the node agents' exec endpoint); without it exec is refused. */
  readonly exec?: PodExecSource;
  readonly bookmarkIntervalMs?: number;
}

/**
 * An endpoint mounted next to the Kubernetes API by the process that runs the server (the sync
 * engine's webhooks): it authenticates its own callers (e.g. HMAC signatures), so no bearer token.
 */
export type ExtraHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export interface ApiServer {
  /** Starts listening; resolves to the base URL. */
  listen(port: number, host?: string): Promise<string>;
  readonly url: string;
  /** Serves `path` (exact match, or `path/…` when it ends with '/') with handler. */
  mount(path: string, handler: ExtraHandler): void;
  close(): Promise<void>;
}

const ANONYMOUS_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The request as kube-apiserver labels it in its metrics, and whether it is long-running. */
export function requestLabels(
  method: string,
  route: Route,
  q: URLSearchParams,
  contentType: string | undefined,
): { labels: RequestLabels; longRunning: boolean } {
  if (route.kind !== 'resource') {
    return {
      labels: { verb: method, group: '', version: '', resource: '', subresource: '', scope: '' },
      longRunning: false,
    };
  }
  const sub = route.subresource ?? '';
  let verb = method;
  if (method === 'GET' && queryFlag(q.get('watch'))) {
    verb = 'WATCH';
  } else if (method === 'GET' && route.name === undefined) {
    verb = 'LIST';
  } else if (method === 'PATCH' && contentType?.startsWith('application/apply-patch')) {
    verb = 'APPLY';
  }
  const longRunning =
    verb === 'WATCH' || CONNECT_SUBRESOURCES.has(sub) || (sub === 'log' && queryFlag(q.get('follow')));
  return {
    labels: {
      verb,
      group: route.info.group,
      version: route.info.version,
      resource: route.info.plural,
      subresource: sub,
      scope: route.name !== undefined ? 'resource' : route.namespace !== undefined ? 'namespace' : 'cluster',
    },
    longRunning,
  };
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  collectProcessMetrics();
  const ctx: HandlerContext = {
    registry: opts.registry,
    logs: opts.logs,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
  };
  const log = opts.logger;
  let baseUrl = '';
  const mounts: [string, ExtraHandler][] = [];

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    // the URL and its route are worked out once, for the metrics' labels and for serving
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '/', 'http://gantry.invalid');
    } catch {
      url = undefined;
    }
    const route: Route = url ? parsePath(url.pathname) : { kind: 'notFound' };
    const info = requestLabels(
      method,
      route,
      url?.searchParams ?? new URLSearchParams(),
      req.headers['content-type'],
    );
    const finish = trackRequest(info.labels, info.longRunning);
    res.once('close', () => finish(res.statusCode, secondsSince(started)));
    serve(req, res, url, route)
      .catch((e) => {
        if (!(e instanceof ApiError)) {
          log?.error({ err: e, method: req.method, path: req.url }, 'request failed');
        }
        sendError(res, e);
      })
      .finally(() => {
        if (log?.isLevelEnabled('debug')) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          log.debug(
            { method: req.method, path: req.url?.split('?')[0], code: res.statusCode, ms },
            'request',
          );
        }
      });
  };

  async function serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL | undefined,
    route: Route,
  ): Promise<void> {
    if (!url) {
      throw errors.badRequest('malformed request URL');
    }
    const path = url.pathname;
    const mounted = mounts.find(([p]) => (p.endsWith('/') ? path.startsWith(p) : path === p));
    if (mounted) {
      return mounted[1](req, res);
    }
    let user: UserInfo | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      user = opts.authenticator.authenticate(auth.slice(7).trim());
    }
    if (!user && !ANONYMOUS_PATHS.has(path)) {
      req.resume();
      throw errors.unauthorized();
    }
    if (path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        throw errors.methodNotAllowed('the server does not allow this method on /metrics');
      }
      const m = await metricsText();
      res.writeHead(200, { 'Content-Type': m.contentType, 'Content-Length': Buffer.byteLength(m.body) });
      res.end(req.method === 'HEAD' ? undefined : m.body);
      return;
    }
    const method = req.method ?? 'GET';
    if (
      route.kind !== 'resource' &&
      route.kind !== 'unknownResource' &&
      route.kind !== 'notFound' &&
      method !== 'GET' &&
      method !== 'HEAD'
    ) {
      req.resume();
      throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
    switch (route.kind) {
      case 'root':
        return sendJson(res, 200, {
          paths: ['/api', '/api/v1', '/apis', '/healthz', '/openapi/v3', '/version'],
        });
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      case 'version':
        return sendJson(res, 200, versionInfo());
      case 'legacyVersions':
        return wantsAggregated(req.headers.accept)
          ? sendJson(res, 200, aggregatedDiscovery(true), AGGREGATED_V2)
          : sendJson(res, 200, legacyVersions(new URL(baseUrl).host));
      case 'groups':
        return wantsAggregated(req.headers.accept)
          ? sendJson(res, 200, aggregatedDiscovery(false), AGGREGATED_V2)
          : sendJson(res, 200, groupList());
      case 'group': {
        const g = groupInfo(route.group);
        if (!g) {
          throw errors.notFound({ kind: 'group', name: route.group });
        }
        return sendJson(res, 200, g);
      }
      case 'resourceList': {
        const list = apiResourceList(route.group, route.version);
        if (!list) {
          throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        }
        return sendJson(res, 200, list);
      }
      case 'openapiV3Root':
        return sendJson(res, 200, openApiV3Root(servedGroups()));
      case 'openapiV3': {
        const doc = openApiV3GroupVersionJson(route.group, route.version);
        if (!doc) {
          throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        }
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(doc.json),
          'Cache-Control': 'public, immutable',
          ETag: `"${doc.hash}"`,
        });
        res.end(doc.json);
        return;
      }
      case 'openapiV2':
        throw new ApiError(404, 'NotFound', 'the server serves OpenAPI v3 only (/openapi/v3)');
      case 'unknownResource':
        req.resume();
        throw new ApiError(
          404,
          'NotFound',
          `the server could not find the requested resource (${route.plural} in ${route.group || 'core'}/${route.version})`,
        );
      case 'notFound':
        req.resume();
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      case 'resource':
        return handleResource(ctx, route, user!, req, res, url);
    }
  }

  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  // `kubectl exec` upgrades to a WebSocket; any other Upgrade request is served as a plain request.
  const upgraded = new Set<import('node:stream').Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const target = execTarget(req.url);
    if (!target) {
      serveUpgradeAsRequest(req, socket, head, handler);
      return;
    }
    const ctx = {
      registry: opts.registry,
      authenticate: (t: string) => opts.authenticator.authenticate(t),
      exec: opts.exec,
      logger: log,
    };
    handleExecUpgrade(ctx, req, socket, head, target).catch((e) => {
      log?.error({ err: e, path: req.url?.split('?')[0] }, 'exec failed');
      socket.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } else {
      socket.destroy();
    }
  });

  return {
    get url() {
      return baseUrl;
    },
    mount(path: string, handler: ExtraHandler) {
      mounts.push([path, handler]);
      mounts.sort((a, b) => b[0].length - a[0].length);
    },
    listen(port: number, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          baseUrl = `${opts.tls ? 'https' : 'http'}://${h === '0.0.0.0' ? '127.0.0.1' : h}:${addr.port}`;
          resolve(baseUrl);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of upgraded) {
          s.destroy();
        }
      });
    },
  };
}
