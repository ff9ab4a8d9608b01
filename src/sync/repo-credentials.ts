// Repository credentials, the way Argo CD keeps them: Secrets in Gantry's namespace labelled
// `argocd.argoproj.io/secret-type: repository` (data: url, username, password) matched by URL, or
// `repo-creds` (a URL prefix for many repositories); an Application can also name its Secret with
// the `gantry.dev/repo-secret` annotation. Values are decoded here and handed to git only.
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import type { RepoCredentials } from './git-source.js';
import { APPLICATION_NAMESPACE, SECRET_TYPE_LABEL } from './types.js';
import { normalizeRepoURL, sameRepo } from './webhook.js';

/** Annotation on an Application naming the Secret (in Gantry's namespace) with its repo credentials. */
export const REPO_SECRET_ANNOTATION = 'gantry.dev/repo-secret';

function field(secret: KObject, key: string): string | undefined {
  const s = secret.stringData?.[key];
  if (typeof s === 'string') {
    return s;
  }
  const d = secret.data?.[key];
  return typeof d === 'string' ? Buffer.from(d, 'base64').toString('utf8') : undefined;
}

/** The credentials a Secret holds (undefined when it holds neither username nor password). */
export function credentialsOf(secret: KObject): RepoCredentials | undefined {
  const username = field(secret, 'username');
  const password = field(secret, 'password');
  if (username === undefined && password === undefined) {
    return undefined;
  }
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/**
 * The Secret whose credentials serve `repoURL`: a `repository` Secret with the same URL first,
 * then the `repo-creds` Secret with the longest URL prefix.
 */
export function matchRepoSecret(secrets: readonly KObject[], repoURL: string): KObject | undefined {
  const want = normalizeRepoURL(repoURL).toLowerCase();
  let best: { s: KObject; len: number } | undefined;
  for (const s of secrets) {
    const type = s.metadata.labels?.[SECRET_TYPE_LABEL];
    const url = field(s, 'url');
    if (url === undefined) {
      continue;
    }
    const have = normalizeRepoURL(url).toLowerCase();
    if (type === 'repository' && sameRepo(url, repoURL)) {
      return s;
    }
    if (
      type === 'repo-creds' &&
      (want === have || want.startsWith(`${have}/`)) &&
      (!best || have.length > best.len)
    ) {
      best = { s, len: have.length };
    }
  }
  return best?.s;
}

/** Looks up the credentials for an Application's repository (undefined: anonymous access). */
export async function repoCredentialsFor(
  client: Client,
  app: KObject,
  repoURL: string,
): Promise<RepoCredentials | undefined> {
  const named = app.metadata.annotations?.[REPO_SECRET_ANNOTATION];
  if (named) {
    try {
      return credentialsOf(await client.get(R.secrets, APPLICATION_NAMESPACE, named));
    } catch (e) {
      if (isApiError(e, 404)) {
        throw new Error(`repository Secret ${APPLICATION_NAMESPACE}/${named} not found`);
      }
      throw e;
    }
  }
  const list = await client.list(R.secrets, {
    namespace: APPLICATION_NAMESPACE,
    labelSelector: `${SECRET_TYPE_LABEL} in (repository,repo-creds)`,
  });
  const s = matchRepoSecret(list.items, repoURL);
  return s ? credentialsOf(s) : undefined;
}
