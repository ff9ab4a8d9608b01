// Real git repositories for the promote tests: a bare "remote" (under a project root, so the same
// repository is reachable over file:// and smart HTTP) seeded with a staging/production layout, and
// a separate clone used to play "another engineer" (concurrent pushes, hand-made commits).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { GIT_ENV, git } from '../helpers/git.js';

export { GIT_ENV, git };

export function deployment(name: string, image: string, replicas = 1, extra = ''): string {
  return `# ${name}: the web front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: ${name}
        image: ${image}${extra}
`;
}

export interface TestRemote {
  readonly root: string;
  /** The project root that holds `acme/web.git` (for the HTTP server). */
  readonly projectRoot: string;
  readonly bare: string;
  readonly fileUrl: string;
  /** Commits files (null deletes) from the helper clone onto `branch` and pushes; returns the SHA. */
  commit(files: Record<string, string | null>, message: string, branch?: string): string;
  head(ref?: string): string;
  branches(): string[];
  show(rev: string, file: string): string;
  message(rev: string): string;
  log(ref?: string): string[];
  cleanup(): void;
}

/** A bare repository `acme/web.git` with `manifests/{staging,production}/web.yaml` (v2 / v1). */
export function makeRemote(files?: Record<string, string>): TestRemote {
  const root = mkdtempSync(join(tmpdir(), 'gantry-promote-test-'));
  const projectRoot = join(root, 'srv');
  const bare = join(projectRoot, 'acme', 'web.git');
  const work = join(root, 'helper');
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--bare', '-q', '-b', 'main');
  git(root, 'clone', '-q', bare, work);
  git(work, 'checkout', '-q', '-B', 'main');
  const write = (fs: Record<string, string | null>) => {
    for (const [p, text] of Object.entries(fs)) {
      const abs = join(work, p);
      if (text === null) {
        rmSync(abs, { force: true });
      } else {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      }
    }
  };
  const remote: TestRemote = {
    root,
    projectRoot,
    bare,
    fileUrl: `file://${bare}`,
    commit(fs, message, branch = 'main') {
      git(work, 'fetch', '-q', 'origin');
      const exists = git(work, 'ls-remote', 'origin', `refs/heads/${branch}`) !== '';
      git(work, 'checkout', '-q', '-B', branch, ...(exists ? [`origin/${branch}`] : []));
      write(fs);
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '--allow-empty', '-m', message);
      git(work, 'push', '-q', 'origin', `${branch}:${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    head: (ref = 'main') => git(bare, 'rev-parse', ref),
    branches: () =>
      git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean).sort(),
    show: (rev, file) => git(bare, 'show', `${rev}:${file}`),
    message: (rev) => git(bare, 'log', '-1', '--format=%B', rev),
    log: (ref = 'main') => git(bare, 'log', '--format=%s', ref).split('\n'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  remote.commit(
    files ?? {
      'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v1'),
      'manifests/production/web.yaml': deployment('web', 'registry.local/web:v1', 3),
    },
    'initial layout',
  );
  return remote;
}

export function readText(p: string): string {
  return readFileSync(p, 'utf8');
}
