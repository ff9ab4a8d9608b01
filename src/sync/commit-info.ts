// Commit metadata (subject, author, date) of a revision an Application synced, read from the same
// bare cache repositories the GitSource keeps (fetching the commit when it is not there yet). For
// the dashboard, which shows "a1b2c3d  Bump web to v2 — alice, 2 hours ago" next to a revision.
import { simpleGit } from 'simple-git';
import { type GitSource, GitSourceError, type RepoCredentials } from './git-source.js';

export interface CommitInfo {
  readonly sha: string;
  /** The whole message (subject, blank line, body), trailing newlines removed. */
  readonly message: string;
  readonly author: string;
  readonly email: string;
  /** Author date, ISO 8601 with the author's offset. */
  readonly date: string;
}

/** A commit SHA, abbreviated (7+) or full; anything else is refused before git sees it. */
export const COMMIT_SHA = /^[0-9a-f]{7,40}$/;

/** Parses `git show -s --format=%H%x00%an%x00%ae%x00%aI%x00%B`. Pure. */
export function parseCommitInfo(out: string): CommitInfo | undefined {
  const [sha, author, email, date, ...rest] = out.split('\0');
  if (!sha || !/^[0-9a-f]{40}$/.test(sha.trim()) || author === undefined || email === undefined || !date) {
    return undefined;
  }
  return { sha: sha.trim(), message: rest.join('\0').replace(/\n+$/, ''), author, email, date };
}

/**
 * The metadata of `sha` in the repository `url` (undefined when the repository has no such
 * commit). Failures to reach the repository throw a GitSourceError.
 */
export async function commitInfo(
  git: GitSource,
  url: string,
  sha: string,
  creds?: RepoCredentials,
): Promise<CommitInfo | undefined> {
  if (!COMMIT_SHA.test(sha)) {
    return undefined;
  }
  let full: string;
  try {
    full = (await git.resolve(url, sha, creds)).sha;
  } catch (e) {
    if (e instanceof GitSourceError && e.reason === 'UnknownRevision') {
      return undefined;
    }
    throw e;
  }
  const out = await simpleGit({ baseDir: git.repoDir(url) })
    .env({ PATH: process.env.PATH ?? '/usr/bin:/bin' })
    .raw(['show', '-s', '--no-color', '--format=%H%x00%an%x00%ae%x00%aI%x00%B', `${full}^{commit}`]);
  return parseCommitInfo(out);
}
