// Git as the source of desired state, through simple-git: one bare cache repository per remote URL
// under `<dataDir>/repos/<hash of url>`, a cheap `ls-remote` on every poll and a `fetch` only when
// the revision moved (or a commit is not here yet), branch/tag/SHA/HEAD resolution, force-push
// detection, and an export of one commit's tree into a directory the renderer reads.
// Credentials go to git through GIT_ASKPASS (a script that echoes two environment variables), so
// they are never on a command line, in a URL, in git's config or in a log line.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type SimpleGit, simpleGit } from 'simple-git';
import { redactUrl } from '../observe/redact.js';
import { type GitRequestType, timeGitRequest } from '../observe/sync-metrics.js';

export type GitErrorReason = 'Unreachable' | 'AuthFailed' | 'UnknownRevision' | 'Failed';

/** A git failure with its class, so the Application's condition can say what went wrong. */
export class GitSourceError extends Error {
  constructor(
    readonly reason: GitErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GitSourceError';
  }
}

export interface RepoCredentials {
  readonly username?: string;
  readonly password?: string;
}

export interface ResolvedRevision {
  readonly sha: string;
  /** The ref the revision named (`refs/heads/main`), when it was not a SHA. */
  readonly ref?: string;
  /** Set when the branch moved to a commit that does not contain the one fetched before. */
  readonly forcePush?: { readonly previous: string };
  /** Whether this call had to fetch. */
  readonly fetched: boolean;
}

export interface GitSourceOptions {
  readonly dataDir: string;
  readonly logger?: Logger;
  /** Kill a git command silent for this long (ms). Default 60 s. */
  readonly timeoutMs?: number;
  /** Checkouts kept per repository (most recent first). Default 5. */
  readonly keepCheckouts?: number;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{4,39}$/;
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$GANTRY_GIT_USERNAME" ;;
  *) printf '%s\\n' "$GANTRY_GIT_PASSWORD" ;;
esac
`;

/** The URL with any inline user/password replaced by `***@`, for messages (src/observe/redact.ts). */
export { redactUrl };

/** Classifies a git failure from its output. */
export function classifyGitError(text: string): GitErrorReason {
  const t = text.toLowerCase();
  if (
    /authentication failed|could not read (username|password)|terminal prompts disabled|http (basic: )?access denied|returned error: 40[13]|permission denied \(publickey|invalid username or password|the requested url returned error: 403/.test(
      t,
    )
  ) {
    return 'AuthFailed';
  }
  if (
    /could not resolve host|connection refused|failed to connect|couldn't connect|does not appear to be a git repository|not a git repository|repository .* not found|unable to access|connection timed out|network is unreachable|no such file or directory|returned error: 404|empty reply from server|could not read from remote/.test(
      t,
    )
  ) {
    return 'Unreachable';
  }
  return 'Failed';
}

function describe(reason: GitErrorReason, url: string, detail: string): string {
  const u = redactUrl(url);
  const d = detail.trim().split('\n').filter(Boolean).slice(-2).join('; ');
  switch (reason) {
    case 'AuthFailed':
      return `authentication to ${u} failed (check the repository Secret's username/password): ${d}`;
    case 'Unreachable':
      return `repository ${u} is unreachable: ${d}`;
    case 'UnknownRevision':
      return d;
    case 'Failed':
      return `git failed for ${u}: ${d}`;
  }
}

/** Parses `git ls-remote` output into ref → SHA. */
export function parseLsRemote(out: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]{40})\t(\S+)$/.exec(line.trim());
    if (m) {
      refs.set(m[2]!, m[1]!);
    }
  }
  return refs;
}

/** Which ref of an ls-remote listing a targetRevision names (branch, then tag, then a full ref). */
export function matchRevision(
  refs: ReadonlyMap<string, string>,
  revision: string,
): { ref: string; sha: string } | undefined {
  const rev = revision.trim();
  if (rev === '' || rev === 'HEAD') {
    const sha = refs.get('HEAD');
    return sha ? { ref: 'HEAD', sha } : undefined;
  }
  const candidates = rev.startsWith('refs/')
    ? [`${rev}^{}`, rev]
    : [`refs/heads/${rev}`, `refs/tags/${rev}^{}`, `refs/tags/${rev}`];
  for (const c of candidates) {
    const sha = refs.get(c);
    if (sha) {
      return { ref: c.replace(/\^\{\}$/, ''), sha };
    }
  }
  return undefined;
}

export class GitSource {
  private readonly locks = new Map<string, Promise<unknown>>();
  private askpassPath?: Promise<string>;

  constructor(private readonly opts: GitSourceOptions) {}

  /** The cache directory of a remote (a bare repository). */
  repoDir(url: string): string {
    const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
    return join(this.opts.dataDir, 'repos', hash);
  }

  /** Resolves a targetRevision to a commit SHA, fetching only when that commit is not cached. */
  resolve(url: string, revision: string, creds?: RepoCredentials): Promise<ResolvedRevision> {
    return this.locked(url, () => this.resolveLocked(url, revision, creds));
  }

  /** A directory holding the tree of `sha` (created once per commit; never written afterwards). */
  checkout(url: string, sha: string): Promise<string> {
    return this.locked(url, () => this.checkoutLocked(url, sha));
  }

  private async resolveLocked(
    url: string,
    revision: string,
    creds?: RepoCredentials,
  ): Promise<ResolvedRevision> {
    const git = await this.git(url, creds);
    const rev = revision.trim();
    if (FULL_SHA.test(rev)) {
      let fetched = false;
      if (!(await this.hasCommit(git, rev))) {
        await this.fetch(git, url);
        fetched = true;
      }
      if (!(await this.hasCommit(git, rev))) {
        throw new GitSourceError('UnknownRevision', `revision ${rev} not found in ${redactUrl(url)}`);
      }
      return { sha: rev, fetched };
    }
    const refs = parseLsRemote(await this.run(url, 'ls-remote', () => git.listRemote([url])));
    const match = matchRevision(refs, rev);
    if (!match) {
      if (SHORT_SHA.test(rev)) {
        return this.resolveShort(git, url, rev);
      }
      throw new GitSourceError(
        'UnknownRevision',
        `revision "${rev || 'HEAD'}" not found in ${redactUrl(url)}: no such branch or tag (deleted branch?)`,
      );
    }
    const local = match.ref.startsWith('refs/heads/')
      ? `refs/remotes/origin/${match.ref.slice('refs/heads/'.length)}`
      : undefined;
    const previous = local ? await this.revParse(git, local) : undefined;
    let fetched = false;
    if (!(await this.hasCommit(git, match.sha)) || (local !== undefined && previous !== match.sha)) {
      await this.fetch(git, url);
      fetched = true;
    }
    if (!(await this.hasCommit(git, match.sha))) {
      throw new GitSourceError(
        'Failed',
        `commit ${match.sha} of ${match.ref} missing after fetch from ${redactUrl(url)}`,
      );
    }
    let forcePush: ResolvedRevision['forcePush'];
    if (previous && previous !== match.sha && !(await this.isAncestor(git, previous, match.sha))) {
      forcePush = { previous };
      this.opts.logger?.warn(
        { repo: redactUrl(url), ref: match.ref, previous, sha: match.sha },
        'history rewritten (force-push): following the new commit',
      );
    }
    return { sha: match.sha, ref: match.ref, fetched, ...(forcePush ? { forcePush } : {}) };
  }

  private async resolveShort(git: SimpleGit, url: string, rev: string): Promise<ResolvedRevision> {
    let sha = await this.revParse(git, `${rev}^{commit}`);
    let fetched = false;
    if (!sha) {
      await this.fetch(git, url);
      fetched = true;
      sha = await this.revParse(git, `${rev}^{commit}`);
    }
    if (!sha) {
      throw new GitSourceError(
        'UnknownRevision',
        `revision "${rev}" not found in ${redactUrl(url)}: no such branch, tag or commit`,
      );
    }
    return { sha, fetched };
  }

  private async checkoutLocked(url: string, sha: string): Promise<string> {
    if (!FULL_SHA.test(sha)) {
      throw new GitSourceError('UnknownRevision', `not a commit SHA: ${sha}`);
    }
    const base = join(this.repoDir(url), 'checkouts');
    const dir = join(base, sha);
    if (await exists(dir)) {
      return dir;
    }
    await mkdir(base, { recursive: true });
    const suffix = randomBytes(4).toString('hex');
    const tmp = join(base, `.tmp-${sha}-${suffix}`);
    const index = join(base, `.index-${suffix}`);
    try {
      await mkdir(tmp);
      const git = (await this.git(url)).env({ ...gitEnv(), GIT_INDEX_FILE: index });
      await git.raw(['read-tree', sha]);
      await git.raw([`--work-tree=${tmp}`, 'checkout-index', '-a', '-f']);
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw new GitSourceError(
        'Failed',
        `export of ${sha} from ${redactUrl(url)} failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    } finally {
      await rm(index, { force: true });
    }
    await this.pruneCheckouts(base, sha);
    return dir;
  }

  private async pruneCheckouts(base: string, keep: string): Promise<void> {
    const limit = this.opts.keepCheckouts ?? 5;
    const entries = (await readdir(base)).filter((n) => FULL_SHA.test(n));
    if (entries.length <= limit) {
      return;
    }
    const dated = await Promise.all(
      entries.map(async (n) => ({ n, t: (await stat(join(base, n))).mtimeMs })),
    );
    dated.sort((a, b) => b.t - a.t);
    for (const { n } of dated.slice(limit)) {
      if (n !== keep) {
        await rm(join(base, n), { recursive: true, force: true });
      }
    }
  }

  private async fetch(git: SimpleGit, url: string): Promise<void> {
    await this.run(url, 'fetch', () =>
      git.raw([
        'fetch',
        '--prune',
        '--force',
        '--no-write-fetch-head',
        url,
        '+refs/heads/*:refs/remotes/origin/*',
        '+refs/tags/*:refs/tags/*',
        '+HEAD:refs/remotes/origin/HEAD',
      ]),
    );
  }

  private async hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
    return (await this.revParse(git, `${sha}^{commit}`)) !== undefined;
  }

  private async revParse(git: SimpleGit, rev: string): Promise<string | undefined> {
    try {
      const out = (await git.raw(['rev-parse', '--verify', '--quiet', rev])).trim();
      return FULL_SHA.test(out) ? out : undefined;
    } catch {
      return undefined;
    }
  }

  private async isAncestor(git: SimpleGit, a: string, b: string): Promise<boolean> {
    // simple-git does not fail on a silent non-zero exit, so compare the merge base instead.
    const base = await git.raw(['merge-base', a, b]).catch(() => '');
    return base.trim() === a;
  }

  /** Runs a remote git command, turning a failure into a classified GitSourceError. */
  private async run<T>(url: string, type: GitRequestType, fn: () => Promise<T>): Promise<T> {
    try {
      return await timeGitRequest(url, type, fn);
    } catch (e) {
      const text = (e as Error)?.message ?? String(e);
      const reason = classifyGitError(text);
      throw new GitSourceError(reason, describe(reason, url, text), { cause: e });
    }
  }

  private async git(url: string, creds?: RepoCredentials): Promise<SimpleGit> {
    const dir = this.repoDir(url);
    if (!(await exists(join(dir, 'HEAD')))) {
      await mkdir(dir, { recursive: true });
      await simpleGit({ baseDir: dir }).init(true);
    }
    const env = gitEnv();
    if (creds?.username !== undefined || creds?.password !== undefined) {
      env.GIT_ASKPASS = await this.askpass();
      env.GANTRY_GIT_USERNAME = creds.username ?? '';
      env.GANTRY_GIT_PASSWORD = creds.password ?? '';
    }
    return simpleGit({
      baseDir: dir,
      timeout: { block: this.opts.timeoutMs ?? 60_000 },
      // Both flags concern values Gantry sets itself (its askpass script, its own checkout paths).
      unsafe: { allowUnsafeAskPass: true, allowUnsafeConfigPaths: true },
      allowEnvironment: [
        'GIT_TERMINAL_PROMPT',
        'GIT_ASKPASS',
        'GIT_INDEX_FILE',
        'GIT_SSL_CAINFO',
        'GIT_SSL_NO_VERIFY',
      ],
    }).env(env);
  }

  private askpass(): Promise<string> {
    this.askpassPath ??= (async () => {
      const dir = join(this.opts.dataDir, 'repos');
      await mkdir(dir, { recursive: true });
      const p = join(dir, 'askpass.sh');
      await writeFile(p, ASKPASS, { mode: 0o700 });
      await chmod(p, 0o700);
      return p;
    })();
    return this.askpassPath;
  }

  private locked<T>(url: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(url) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(url, tail);
    void tail.then(() => {
      if (this.locks.get(url) === tail) {
        this.locks.delete(url);
      }
    });
    return next;
  }
}

/**
 * The environment git runs with: what it needs to find programs, proxies and CA certificates, and
 * nothing that could run a program of the caller's choosing (editors, pagers, askpass).
 */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && PASSED_ENV.test(k)) {
      env[k] = v;
    }
  }
  return env;
}

const PASSED_ENV =
  /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TMPDIR|TZ|SSL_CERT_FILE|SSL_CERT_DIR|GIT_SSL_CAINFO|GIT_SSL_NO_VERIFY|SSH_AUTH_SOCK|(?:http|https|no|all)_proxy|(?:HTTP|HTTPS|NO|ALL)_PROXY)$/;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
