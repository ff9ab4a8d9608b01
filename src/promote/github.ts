// Pull requests for promotions, through @octokit/rest, on GitHub or GitHub Enterprise: find the
// repository a git remote names, open a PR for the promotion branch or update the one already open
// for it (listed first, so a re-run never duplicates it), merge it through the API. Errors become
// messages that say what to fix (token, repository, validation, network). The token comes from
// GITHUB_TOKEN or a Secret read through the Client; it is never logged.
import { Octokit } from '@octokit/rest';
import { isApiError } from '../api/errors.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { PromoteError } from './errors.js';

export const GITHUB_NAMESPACE = 'gantry';

export interface GitHubRepoRef {
  readonly owner: string;
  readonly repo: string;
  /** REST API base URL (`https://api.github.com`, `https://ghe.example.com/api/v3`). */
  readonly apiUrl: string;
}

/**
 * The GitHub repository a git remote URL names, or undefined when the remote is not GitHub's
 * (github.com, or the host of `githubUrl` for GitHub Enterprise).
 */
export function parseGitHubRemote(remote: string, githubUrl?: string): GitHubRepoRef | undefined {
  let host: string;
  let path: string;
  const scp = /^[^@/\s]+@([^:/\s]+):(.+)$/.exec(remote);
  if (scp) {
    host = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    try {
      const u = new URL(remote);
      host = u.hostname;
      path = u.pathname;
    } catch {
      return undefined;
    }
  }
  const segs = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/');
  if (segs.length < 2) {
    return undefined;
  }
  const [owner, repo] = segs.slice(-2) as [string, string];
  if (githubUrl) {
    const api = new URL(githubUrl);
    if (api.hostname !== host && api.hostname !== `api.${host}`) {
      return undefined;
    }
    const apiUrl =
      /\/api\/v3\/?$/.test(api.pathname) || api.hostname.startsWith('api.')
        ? githubUrl.replace(/\/+$/, '')
        : `${api.origin}/api/v3`;
    return { owner, repo, apiUrl };
  }
  if (host !== 'github.com' && host !== 'www.github.com') {
    return undefined;
  }
  return { owner, repo, apiUrl: 'https://api.github.com' };
}

/** The token: the Secret named by `secretName` (namespace gantry, key `token`), else GITHUB_TOKEN / GH_TOKEN. */
export async function resolveGitHubToken(o: {
  readonly env?: NodeJS.ProcessEnv;
  readonly client?: Client;
  readonly secretName?: string;
}): Promise<string> {
  if (o.secretName) {
    if (!o.client) {
      throw new PromoteError(
        'MissingToken',
        `--github-token-secret ${o.secretName} needs a reachable cluster (kubeconfig) to read the Secret`,
      );
    }
    let secret: Awaited<ReturnType<Client['get']>>;
    try {
      secret = await o.client.get(R.secrets, GITHUB_NAMESPACE, o.secretName);
    } catch (e) {
      if (isApiError(e, 404)) {
        throw new PromoteError('MissingToken', `Secret ${GITHUB_NAMESPACE}/${o.secretName} not found`, {
          cause: e,
        });
      }
      throw e;
    }
    const data: Record<string, string> = secret.data ?? {};
    const keys = Object.keys(data);
    const key =
      ['token', 'password', 'GITHUB_TOKEN'].find((k) => typeof data[k] === 'string') ??
      (keys.length === 1 ? keys[0] : undefined);
    const value = key
      ? Buffer.from(data[key] ?? '', 'base64')
          .toString('utf8')
          .trim()
      : '';
    if (!value) {
      throw new PromoteError(
        'MissingToken',
        `Secret ${GITHUB_NAMESPACE}/${o.secretName} has no 'token' key with a value (keys: ${keys.join(', ') || 'none'})`,
      );
    }
    return value;
  }
  const env = o.env ?? process.env;
  const token = (env.GITHUB_TOKEN ?? env.GH_TOKEN ?? '').trim();
  if (!token) {
    throw new PromoteError(
      'MissingToken',
      'no GitHub token: set GITHUB_TOKEN, or pass --github-token-secret NAME (a Secret in namespace gantry with key "token")',
    );
  }
  return token;
}

export interface GitHubOptions {
  readonly ref: GitHubRepoRef;
  readonly token: string;
  /** Replaces global fetch (tests). */
  readonly fetch?: typeof fetch;
}

function octokit(o: GitHubOptions): Octokit {
  return new Octokit({
    auth: o.token,
    baseUrl: o.ref.apiUrl,
    userAgent: 'gantry-promote',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    ...(o.fetch ? { request: { fetch: o.fetch } } : {}),
  });
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { data?: { message?: string; errors?: { message?: string; code?: string; field?: string }[] } };
}

/** A GitHub API failure as a message that says what to fix. */
export function describeGitHubError(e: unknown, what: string, ref: GitHubRepoRef): PromoteError {
  const r = (e ?? {}) as RequestErrorLike;
  const repo = `${ref.owner}/${ref.repo}`;
  const data = r.response?.data;
  const detail = [
    data?.message,
    ...(data?.errors ?? []).map((x) => x.message ?? [x.field, x.code].filter(Boolean).join(' ')),
  ]
    .filter((x) => x)
    .join(': ');
  let msg: string;
  if (!r.response) {
    msg = `cannot reach the GitHub API at ${ref.apiUrl} (${r.message ?? String(e)})`;
  } else if (r.status === 401) {
    msg = `GitHub rejected the token (401 ${data?.message ?? 'Bad credentials'}): check GITHUB_TOKEN or the token Secret`;
  } else if (r.status === 403) {
    msg = `the token may not ${what} in ${repo} (403 ${detail || 'Forbidden'}): it needs the "repo" (contents + pull requests) scope`;
  } else if (r.status === 404) {
    msg = `repository ${repo} not found at ${ref.apiUrl}, or the token cannot see it (404)`;
  } else if (r.status === 422) {
    msg = `GitHub refused to ${what} in ${repo} (422 ${detail || 'Validation Failed'})`;
  } else {
    msg = `GitHub failed to ${what} in ${repo} (${r.status ?? '?'} ${detail || r.message || ''})`.trim();
  }
  return new PromoteError('GitHub', msg, { cause: e });
}

async function call<T>(what: string, o: GitHubOptions, fn: (k: Octokit) => Promise<T>): Promise<T> {
  try {
    return await fn(octokit(o));
  } catch (e) {
    throw describeGitHubError(e, what, o.ref);
  }
}

/** Checks that the repository exists and the token can see it; returns its default branch. */
export async function checkRepository(o: GitHubOptions): Promise<{ defaultBranch: string; htmlUrl: string }> {
  const { data } = await call('read the repository', o, (k) =>
    k.rest.repos.get({ owner: o.ref.owner, repo: o.ref.repo }),
  );
  return { defaultBranch: data.default_branch, htmlUrl: data.html_url };
}

export interface PullRequestInput extends GitHubOptions {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly url: string;
  readonly created: boolean;
  readonly headSha: string;
}

/** Opens the PR for `head`, or updates the open one (title, body, base) — never a second one. */
export async function openOrUpdatePullRequest(i: PullRequestInput): Promise<PullRequestRef> {
  const { owner, repo } = i.ref;
  const findOpen = () =>
    call('list pull requests', i, (k) =>
      k.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${i.head}`, per_page: 10 }),
    );
  const existing = (await findOpen()).data[0];
  if (existing) {
    const { data } = await call('update the pull request', i, (k) =>
      k.rest.pulls.update({
        owner,
        repo,
        pull_number: existing.number,
        title: i.title,
        body: i.body,
        base: i.base,
      }),
    );
    return { number: data.number, url: data.html_url, created: false, headSha: data.head.sha };
  }
  try {
    const { data } = await octokit(i).rest.pulls.create({
      owner,
      repo,
      head: i.head,
      base: i.base,
      title: i.title,
      body: i.body,
    });
    return { number: data.number, url: data.html_url, created: true, headSha: data.head.sha };
  } catch (e) {
    // Opened by a concurrent run between the list and the create: use that one.
    const again = (e as RequestErrorLike).status === 422 ? (await findOpen()).data[0] : undefined;
    if (again) {
      return { number: again.number, url: again.html_url, created: false, headSha: again.head.sha };
    }
    throw describeGitHubError(e, 'open a pull request', i.ref);
  }
}

/** Merges a PR through the API (a merge commit), only if its head is still `sha`. */
export async function mergePullRequest(
  o: GitHubOptions & { readonly number: number; readonly sha?: string; readonly title?: string },
): Promise<{ sha: string }> {
  const { data } = await call(`merge pull request #${o.number}`, o, (k) =>
    k.rest.pulls.merge({
      owner: o.ref.owner,
      repo: o.ref.repo,
      pull_number: o.number,
      merge_method: 'merge',
      ...(o.sha ? { sha: o.sha } : {}),
      ...(o.title ? { commit_title: o.title } : {}),
    }),
  );
  if (!data.merged) {
    throw new PromoteError('GitHub', `pull request #${o.number} was not merged: ${data.message}`);
  }
  return { sha: data.sha };
}
