// Real git for the sync tests: a bare "remote" repository in a temp dir, a working clone to
// commit into, and a smart-HTTP server (git http-backend as CGI behind node's http server on
// 127.0.0.1) with optional Basic auth. No mocks of git.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface TestRepo {
  /** The bare repository (served over file:// or HTTP). */
  readonly bare: string;
  readonly url: string;
  readonly work: string;
  /** Writes (string) or deletes (null) files, commits and pushes; returns the new SHA. */
  commit(files: Record<string, string | null>, message?: string, branch?: string): string;
  /** Rewrites history: a new root commit with these files, force-pushed to `branch`. */
  forcePush(files: Record<string, string>, branch?: string): string;
  head(branch?: string): string;
}

export function makeRepo(root: string, name = 'repo'): TestRepo {
  const bare = join(root, `${name}.git`);
  const work = join(root, `${name}-work`);
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--bare', '-q', '-b', 'main');
  git(root, 'clone', '-q', bare, work);
  git(work, 'checkout', '-q', '-B', 'main');
  const write = (files: Record<string, string | null>) => {
    for (const [p, text] of Object.entries(files)) {
      const abs = join(work, p);
      if (text === null) {
        rmSync(abs, { force: true });
      } else {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      }
    }
  };
  return {
    bare,
    url: `file://${bare}`,
    work,
    commit(files, message = 'change', branch = 'main') {
      git(work, 'checkout', '-q', '-B', branch);
      write(files);
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '--allow-empty', '-m', message);
      git(work, 'push', '-q', '-f', 'origin', `${branch}:${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    forcePush(files, branch = 'main') {
      git(work, 'checkout', '-q', '--orphan', `rewrite-${Date.now()}`);
      git(work, 'rm', '-rq', '--cached', '.');
      git(work, 'clean', '-fdq');
      write(files);
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', 'rewritten');
      git(work, 'push', '-q', '-f', 'origin', `HEAD:${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    head(branch = 'main') {
      return git(bare, 'rev-parse', branch);
    },
  };
}

export interface GitHttpServer {
  readonly baseUrl: string;
  urlOf(repoDirName: string): string;
  close(): Promise<void>;
}

/** Serves every repository under `projectRoot` over smart HTTP; `auth` requires Basic credentials. */
export async function serveGitHttp(
  projectRoot: string,
  auth?: { username: string; password: string },
): Promise<GitHttpServer> {
  const server: Server = createServer((req, res) => {
    if (auth) {
      const want = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end('unauthorized');
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: auth?.username ?? '',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }
          : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    req.pipe(cgi.stdin);
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
      res.writeHead(status, headers);
      res.write(head.subarray(sepAt + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    urlOf: (name) => `${baseUrl}/${name}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
