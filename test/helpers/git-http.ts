// Smart HTTP for real git in tests: `git http-backend` (CGI) behind node's http server on
// 127.0.0.1, serving every repository under a project root (nested paths such as
// `acme/web.git` work). Optional Basic auth, a log of requests, and fault injection: the next
// push (git-receive-pack POST) can have its connection dropped before git sees it, as a network
// failure mid-push would. Reusable by any test that needs a git remote over HTTP.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly service?: string;
  readonly status: number;
}

export interface GitHttpServer {
  readonly baseUrl: string;
  /** URL of a repository under the project root (`acme/web.git`). */
  urlOf(repoPath: string): string;
  readonly requests: GitHttpRequest[];
  /**
   * Drops the connection of the next `count` push requests (receive-pack POSTs) mid-request
   * (git may retry a reset connection once: drop more than one for a lasting outage).
   */
  dropNextPushes(count?: number): void;
  /** Stops dropping pushes. */
  stopDropping(): void;
  close(): Promise<void>;
}

export interface GitHttpOptions {
  readonly auth?: { readonly username: string; readonly password: string };
}

function serviceOf(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get('service');
  if (q) {
    return q;
  }
  const m = /\/(git-upload-pack|git-receive-pack)$/.exec(url.pathname);
  return m?.[1] ?? (req.method === 'GET' ? undefined : 'unknown');
}

export async function serveGitHttp(projectRoot: string, opts: GitHttpOptions = {}): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  let drops = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const service = serviceOf(req, url);
    const record = (status: number) =>
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        ...(service ? { service } : {}),
        status,
      });
    if (opts.auth) {
      const want = `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        record(401);
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end('unauthorized');
        return;
      }
    }
    if (req.method === 'POST' && service === 'git-receive-pack' && drops > 0) {
      drops--;
      record(0);
      // Read a little of the pack, then cut the connection: git-http-backend never runs.
      req.once('data', () => req.socket.destroy());
      req.once('end', () => req.socket.destroy());
      return;
    }
    const cgi = spawn(GIT_HTTP_BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        // http-backend refuses anonymous pushes unless a user is set.
        REMOTE_USER: opts.auth?.username ?? 'tester',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
          : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sepAt = head.indexOf('\r\n\r\n');
      if (sepAt < 0) {
        return;
      }
      headerDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sepAt).toString('utf8').split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') {
          status = Number.parseInt(v, 10);
        } else if (k) {
          headers[k] = v;
        }
      }
      record(status);
      res.writeHead(status, headers);
      res.write(head.subarray(sepAt + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => {
      record(500);
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    urlOf: (p) => `${baseUrl}/${p.replace(/^\/+/, '')}`,
    requests,
    dropNextPushes(count = 1) {
      drops += count;
    },
    stopDropping() {
      drops = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
