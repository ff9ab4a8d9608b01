// promote --open-pr against a local GitHub API (test/helpers/fake-github.ts) that validates every
// request and response against GitHub's OpenAPI description, over a real repository served by
// git http-backend. Merging through the API makes a real merge commit in the bare repository.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPromoteError } from '../../src/promote/errors.js';
import { parseGitHubRemote, resolveGitHubToken } from '../../src/promote/github.js';
import { type PromoteRequest, promote } from '../../src/promote/promote.js';
import { describeRevision } from '../../src/promote/revision.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.js';
import { type GitHttpServer, serveGitHttp } from '../helpers/git-http.js';
import { deployment, git, makeRemote, type TestRemote } from './repo.js';

const TOKEN = 'ghp_test_token_0123456789';
const tmpRoot = mkdtempSync(join(tmpdir(), 'gantry-gh-ws-'));
let gh: FakeGitHub;
let http: GitHttpServer;
let r: TestRemote;
let src: string;
let closed = false;

beforeEach(async () => {
  r = makeRemote();
  src = r.commit(
    { 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v2') },
    'staging: web v2',
  );
  http = await serveGitHttp(r.projectRoot);
  gh = await startFakeGitHub({ token: TOKEN });
  gh.addRepo('acme', 'web', r.bare);
  closed = false;
});

afterEach(async () => {
  const violations = [...gh.violations];
  if (!closed) {
    await gh.close();
  }
  await http.close();
  r.cleanup();
  expect(violations).toEqual([]);
});
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const req = (over: Partial<PromoteRequest> = {}): PromoteRequest => ({
  app: 'web',
  from: 'staging',
  to: 'production',
  repo: http.urlOf('acme/web.git'),
  root: 'manifests',
  openPr: true,
  githubUrl: gh.apiUrl,
  githubToken: TOKEN,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isPromoteError(e), String(e)).toBe(true);
  return e as Error;
}

describe('promote --open-pr', () => {
  it('opens a PR, updates the same PR on a re-run, and merges it through the API', async () => {
    const branch = `promote/web/staging-to-production-${src.slice(0, 7)}`;
    const first = await promote(req(), { tmpRoot });
    expect(first.pr).toEqual({
      number: 1,
      url: `${gh.apiUrl.replace('/api/v3', '')}/acme/web/pull/1`,
      created: true,
    });
    expect(gh.pulls).toHaveLength(1);
    const pr = gh.pulls[0];
    expect(pr).toMatchObject({
      head: branch,
      base: 'main',
      state: 'open',
      title: `Promote web from staging to production (${src.slice(0, 7)})`,
    });
    expect(pr?.body).toContain(`Source revision: \`${src}\``);
    expect(pr?.body).toContain('+        image: registry.local/web:v2');
    expect(pr?.body).toContain('not checked (no cluster reachable)');
    expect(r.head(branch)).toBe(first.commit);
    expect(r.head('main')).toBe(src);

    const second = await promote(req(), { tmpRoot });
    expect(second.pr).toMatchObject({ number: 1, created: false });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
    expect(gh.calls.filter((c) => c.method === 'POST')).toHaveLength(1);

    const merged = await promote(req({ merge: true }), { tmpRoot });
    expect(merged.pushed).toBe('target');
    expect(gh.pulls[0]).toMatchObject({ merged: true, state: 'closed' });
    expect(r.head('main')).toBe(merged.merged);
    expect(git(r.bare, 'log', '-1', '--format=%P', 'main').split(' ')).toEqual([src, first.commit]);
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('image: registry.local/web:v2');
    const info = await describeRevision(r.bare, 'main');
    expect(info.promotion).toEqual({
      pr: 1,
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceRevision: src,
    });
  });

  it('a bad token (401) or an unknown repository (404) fails before anything is pushed', async () => {
    const e401 = await failure(promote(req({ githubToken: 'wrong' }), { tmpRoot }));
    expect(e401.message).toMatch(/GitHub rejected the token \(401 Bad credentials\)/);
    gh.addRepo('acme', 'other', r.bare);
    const e404 = await failure(
      promote(req({ repo: http.urlOf('acme/web.git').replace('acme/web', 'acme/nope') }), { tmpRoot }),
    );
    expect(e404.message).toMatch(
      /repository acme\/nope not found at http:\/\/127\.0\.0\.1:\d+\/api\/v3, or the token cannot see it \(404\)/,
    );
    expect(r.branches()).toEqual(['main']);
  });

  it('a PR refused with 422 after the push says the branch is there and how to retry; the retry works', async () => {
    gh.failNext('POST', /\/pulls$/, 422, {
      message: 'Validation Failed',
      errors: [
        { resource: 'PullRequest', code: 'custom', message: 'No commits between main and the branch' },
      ],
      documentation_url: 'https://docs.github.com/rest',
    });
    const e = await failure(promote(req(), { tmpRoot }));
    expect(e.message).toMatch(
      /GitHub refused to open a pull request in acme\/web \(422 Validation Failed: No commits between main and the branch\)\. The branch promote\/web\/staging-to-production-\w+ was pushed and is complete; run the same command again/,
    );
    expect(r.branches()).toHaveLength(2);
    const again = await promote(req(), { tmpRoot });
    expect(again.pr?.created).toBe(true);
    expect(gh.pulls).toHaveLength(1);
  });

  it('GitHub unreachable: a clear message, nothing pushed', async () => {
    await gh.close();
    closed = true;
    const e = await failure(promote(req(), { tmpRoot }));
    expect(e.message).toMatch(/cannot reach the GitHub API at http:\/\/127\.0\.0\.1:\d+\/api\/v3/);
    expect(r.branches()).toEqual(['main']);
  });

  it('no token: MissingToken before anything happens; a non-GitHub remote is merged instead', async () => {
    const e = await failure(promote(req({ githubToken: undefined }), { tmpRoot }));
    expect(e.message).toMatch(/no GitHub token: set GITHUB_TOKEN/);
    await expect(resolveGitHubToken({ env: {} })).rejects.toThrow(/no GitHub token/);
    expect(await resolveGitHubToken({ env: { GITHUB_TOKEN: ' abc ' } })).toBe('abc');
    const res = await promote(req({ repo: r.fileUrl, githubUrl: undefined }), { tmpRoot });
    expect(res.pushed).toBe('target');
    expect(res.notes.join('\n')).toMatch(
      /is not a GitHub repository: merging into the target branch instead/,
    );
    expect(gh.calls).toEqual([]);
  });
});

describe('fake GitHub validates calls against the OpenAPI description', () => {
  it('rejects a request GitHub would not accept, and records it', async () => {
    const k = new Octokit({
      auth: TOKEN,
      baseUrl: gh.apiUrl,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const e = (await k
      .request('POST /repos/{owner}/{repo}/pulls', {
        owner: 'acme',
        repo: 'web',
        head: 'x',
        title: 't',
      } as never)
      .catch((x: unknown) => x)) as { status?: number };
    expect(e.status).toBe(400);
    expect(gh.violations.splice(0)).toEqual([
      expect.stringMatching(
        /POST \/repos\/acme\/web\/pulls: request does not match .*must have required property 'base'/,
      ),
    ]);
    const e2 = (await k
      .request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'web', state: 'merged' } as never)
      .catch((x: unknown) => x)) as { status?: number };
    expect(e2.status).toBe(400);
    expect(gh.violations.splice(0)).toEqual([expect.stringMatching(/query parameter state=merged/)]);
    // A response GitHub would never send (a PR without its required fields) is caught too.
    gh.failNext('POST', /\/pulls$/, 201, { id: 1 });
    await k.rest.pulls.create({ owner: 'acme', repo: 'web', head: 'main', base: 'main', title: 't' });
    expect(gh.violations.splice(0)).toEqual([
      expect.stringMatching(/POST \/repos\/acme\/web\/pulls: response 201 does not match the schema/),
    ]);
  });
});

describe('parseGitHubRemote', () => {
  it('knows github.com URLs, scp-style remotes and GitHub Enterprise hosts', () => {
    expect(parseGitHubRemote('https://github.com/acme/web.git')).toEqual({
      owner: 'acme',
      repo: 'web',
      apiUrl: 'https://api.github.com',
    });
    expect(parseGitHubRemote('git@github.com:acme/web.git')).toEqual({
      owner: 'acme',
      repo: 'web',
      apiUrl: 'https://api.github.com',
    });
    expect(parseGitHubRemote('https://ghe.corp/acme/web', 'https://ghe.corp')).toEqual({
      owner: 'acme',
      repo: 'web',
      apiUrl: 'https://ghe.corp/api/v3',
    });
    expect(parseGitHubRemote('https://gitlab.com/acme/web.git')).toBeUndefined();
    expect(parseGitHubRemote('file:///srv/acme/web.git')).toBeUndefined();
  });
});
