// Real git for the sync tests: a bare "remote" repository in a temp dir, a working clone to
// commit into, and a smart-HTTP server (git http-backend as CGI behind node's http server on
// 127.0.0.1) with optional Basic auth. No mocks of git.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { git } from '../helpers/git.js';

export { git };

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

// smart HTTP for the sync tests: the project's shared git http-backend server (test/helpers)
export { type GitHttpServer, serveGitHttp } from '../helpers/git-http.js';
