// Real git for promotions and rollbacks, through simple-git. A Workspace is a private checkout of
// the target branch: a temporary clone for a URL, or a temporary worktree of a local repository
// (whose own working tree must be clean and is never switched). Commits are made there and pushed
// only once complete: a branch with `--force-with-lease` (re-running updates it, never a second
// one), the target branch as a fast-forward, retried after a rebase when someone pushed first
// (bounded). Credentials reach git through GIT_ASKPASS and environment variables only.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type SimpleGit, simpleGit } from 'simple-git';
import { PromoteError } from './errors.js';
import { ALLOWED_GIT_ENV, type GitAuth, gitEnv } from './git-env.js';

export type { GitAuth } from './git-env.js';

export interface WorkspaceOptions {
  /** A URL git understands, or the path of a local working copy. */
  readonly repo: string;
  /** Target branch; default the remote's HEAD branch (or the local repository's current one). */
  readonly branch?: string;
  /** Where temporary clones and worktrees go (default the OS temp dir). */
  readonly tmpRoot?: string;
  readonly auth?: GitAuth;
  readonly timeoutMs?: number;
  /** Rejected pushes retried after a rebase (default 3 attempts in all). */
  readonly pushAttempts?: number;
}

export function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

/** Whether `repo` names a remote (URL or scp-like `host:path`) rather than a local path. */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s]+:/.test(repo);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

const firstLines = (e: unknown) =>
  String((e as Error)?.message ?? e)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'))
    .slice(-3)
    .join('; ');

export const isRejectedPush = (text: string) =>
  /\[rejected\]|\[remote rejected\].*(stale|lock)|non-fast-forward|fetch first|stale info|cannot lock ref/i.test(
    text,
  );

export class Workspace {
  private constructor(
    readonly dir: string,
    readonly branch: string,
    /** 'origin', or undefined for a local repository without a remote (refs are updated in place). */
    readonly remote: string | undefined,
    readonly repo: string,
    readonly git: SimpleGit,
    private readonly cleanup: () => Promise<void>,
    private readonly localRepo: SimpleGit | undefined,
    private readonly attempts: number,
  ) {}

  static async open(o: WorkspaceOptions): Promise<Workspace> {
    const root = o.tmpRoot ?? tmpdir();
    await mkdir(root, { recursive: true });
    const tmp = await mkdtemp(join(root, 'gantry-promote-'));
    const env = await gitEnv(tmp, o.auth);
    const make = (baseDir: string) =>
      simpleGit({
        baseDir,
        timeout: { block: o.timeoutMs ?? 120_000 },
        unsafe: { allowUnsafeAskPass: true },
        allowEnvironment: ALLOWED_GIT_ENV,
      }).env(env);
    const dir = join(tmp, 'work');
    const drop = () => rm(tmp, { recursive: true, force: true });
    try {
      if (isRemoteUrl(o.repo)) {
        try {
          await make(tmp).raw(['clone', '--quiet', '--no-checkout', o.repo, dir]);
        } catch (e) {
          throw new PromoteError('Git', `cannot clone ${redact(o.repo)}: ${firstLines(e)}`, { cause: e });
        }
        const git = make(dir);
        const branch = o.branch || (await remoteHeadBranch(git));
        const ws = new Workspace(dir, branch, 'origin', o.repo, git, drop, undefined, o.pushAttempts ?? 3);
        await ws.checkoutBase();
        return ws;
      }
      const repoDir = resolve(o.repo);
      if (!(await exists(join(repoDir, '.git')))) {
        throw new PromoteError('Git', `${repoDir} is not a git working copy (and not a URL)`);
      }
      const local = make(repoDir);
      const dirty = (await local.raw(['status', '--porcelain'])).trimEnd();
      if (dirty !== '') {
        const files = dirty.split('\n').slice(0, 5).join(', ');
        throw new PromoteError(
          'DirtyTree',
          `the working tree of ${repoDir} has uncommitted changes (${files}): commit or stash them first`,
        );
      }
      const remotes = (await local.raw(['remote'])).split('\n').map((s) => s.trim());
      const remote = remotes.includes('origin') ? 'origin' : undefined;
      if (remote) {
        await local.raw(['fetch', '--quiet', '--prune', remote]).catch((e) => {
          throw new PromoteError('Git', `cannot fetch origin of ${repoDir}: ${firstLines(e)}`, { cause: e });
        });
      }
      const branch =
        o.branch ||
        (remote ? await remoteHeadBranch(local).catch(() => '') : '') ||
        (await local.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
      if (!branch) {
        throw new PromoteError('Git', `${repoDir}: no branch checked out; pass --revision BRANCH`);
      }
      const base = remote ? `${remote}/${branch}` : branch;
      if (!(await revParse(local, base))) {
        throw new PromoteError(
          'UnknownRevision',
          `branch '${branch}' not found in ${repoDir}${remote ? ' (origin)' : ''}`,
        );
      }
      await local.raw(['worktree', 'add', '--quiet', '--detach', dir, base]);
      const cleanup = async () => {
        await local.raw(['worktree', 'remove', '--force', dir]).catch(() => undefined);
        await local.raw(['worktree', 'prune']).catch(() => undefined);
        await drop();
      };
      return new Workspace(dir, branch, remote, repoDir, make(dir), cleanup, local, o.pushAttempts ?? 3);
    } catch (e) {
      await drop();
      throw e;
    }
  }

  /** The ref the target branch is read from (`origin/main`, or `main` for a local repository). */
  get base(): string {
    return this.remote ? `${this.remote}/${this.branch}` : this.branch;
  }

  private async checkoutBase(): Promise<void> {
    if (!(await revParse(this.git, this.base))) {
      throw new PromoteError('UnknownRevision', `branch '${this.branch}' not found in ${redact(this.repo)}`);
    }
    await this.git.raw(['checkout', '--quiet', '--force', '--detach', this.base]);
    await this.git.raw(['clean', '-fdq']);
  }

  async resolve(rev: string): Promise<string | undefined> {
    return revParse(this.git, rev);
  }

  /** Resets the checkout to the target branch's tip (after a fetch). */
  async reset(): Promise<string> {
    await this.fetch();
    await this.checkoutBase();
    return (await this.resolve('HEAD')) ?? '';
  }

  async fetch(): Promise<void> {
    if (!this.remote) {
      return;
    }
    try {
      await this.git.raw(['fetch', '--quiet', '--prune', this.remote]);
    } catch (e) {
      throw new PromoteError('Git', `cannot fetch ${redact(this.repo)}: ${firstLines(e)}`, { cause: e });
    }
  }

  /** The SHA a branch has on the remote now (undefined when it does not exist). */
  async remoteBranch(branch: string): Promise<string | undefined> {
    if (!this.remote) {
      return revParse(this.git, `refs/heads/${branch}`);
    }
    const out = await this.git.raw(['ls-remote', this.remote, `refs/heads/${branch}`]);
    const m = /^([0-9a-f]{40})\s/m.exec(out);
    return m?.[1];
  }

  /** Writes files (repository-relative path → text) into the checkout. */
  async writeFiles(files: ReadonlyMap<string, string>): Promise<void> {
    for (const [file, text] of files) {
      const abs = join(this.dir, file);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, text);
    }
  }

  /** Commits everything staged or changed in the checkout; returns the new HEAD. */
  async commit(message: string): Promise<string> {
    await this.git.raw(['add', '-A']);
    const id = await this.identity();
    await this.git.raw([...id, 'commit', '--quiet', '--no-verify', '-m', message]);
    return (await this.resolve('HEAD')) ?? '';
  }

  /** `-c user.name/email` when git has no identity configured. */
  async identity(): Promise<string[]> {
    const email = (await this.git.raw(['config', '--get', 'user.email']).catch(() => '')).trim();
    if (email !== '' || process.env.GIT_COMMITTER_EMAIL) {
      return [];
    }
    return ['-c', 'user.name=Gantry', '-c', 'user.email=gantry@localhost'];
  }

  /**
   * Points `branch` on the remote at `sha`, replacing it only if it still is at `expected`
   * (undefined: it must not exist) — the lease that makes re-runs update one branch safely.
   */
  async pushBranch(sha: string, branch: string, expected: string | undefined): Promise<void> {
    if (!this.remote) {
      await this.updateLocalRef(branch, sha, expected);
      return;
    }
    try {
      await this.git.raw([
        'push',
        '--quiet',
        '--porcelain',
        `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
        this.remote,
        `${sha}:refs/heads/${branch}`,
      ]);
    } catch (e) {
      throw await this.pushError(e, branch, sha);
    }
  }

  /** Deletes a branch on the remote if it still points at `sha` (best effort). */
  async deleteRemoteBranch(branch: string, sha: string): Promise<void> {
    if (!this.remote) {
      await this.localRepo?.raw(['update-ref', '-d', `refs/heads/${branch}`, sha]).catch(() => undefined);
      return;
    }
    await this.git
      .raw([
        'push',
        '--quiet',
        `--force-with-lease=refs/heads/${branch}:${sha}`,
        this.remote,
        `:refs/heads/${branch}`,
      ])
      .catch(() => undefined);
  }

  /**
   * Fast-forwards the target branch to `sha` (a descendant of the base). When someone pushed
   * first, fetches, rebases the commits onto the new tip and tries again, up to the attempt
   * limit; a rebase conflict stops with a Conflict error and nothing pushed. Returns the SHA pushed.
   */
  async pushTarget(sha: string): Promise<string> {
    let head = sha;
    for (let attempt = 1; ; attempt++) {
      const base = (await this.resolve(this.base)) ?? '';
      try {
        if (this.remote) {
          await this.git.raw([
            'push',
            '--quiet',
            '--porcelain',
            this.remote,
            `${head}:refs/heads/${this.branch}`,
          ]);
        } else {
          await this.updateLocalRef(this.branch, head, base);
        }
        return head;
      } catch (e) {
        const err = isPromoteError(e) ? e : await this.pushError(e, this.branch, head);
        if (err.code !== 'PushRejected') {
          throw err;
        }
        if (attempt >= this.attempts) {
          throw new PromoteError(
            'PushRejected',
            `${this.branch} of ${redact(this.repo)} kept moving: gave up after ${attempt} attempts; nothing was pushed, run again`,
            { cause: e },
          );
        }
      }
      await this.fetch();
      head = await this.rebaseOnto(head, base);
    }
  }

  /** Replays base..head onto the target branch's current tip. */
  private async rebaseOnto(head: string, oldBase: string): Promise<string> {
    const id = await this.identity();
    try {
      await this.git.raw(['checkout', '--quiet', '--detach', head]);
      await this.git.raw([...id, 'rebase', '--quiet', '--onto', this.base, oldBase]);
    } catch (e) {
      const files = (await this.git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).trim();
      await this.git.raw(['rebase', '--abort']).catch(() => undefined);
      await this.git.raw(['reset', '--quiet', '--hard', head]).catch(() => undefined);
      throw new PromoteError(
        'Conflict',
        `${this.branch} moved while pushing and the change no longer applies on top of it` +
          `${files ? ` (conflict in ${files.split('\n').join(', ')})` : ''}: nothing was pushed; run again`,
        { cause: e },
      );
    }
    return (await this.resolve('HEAD')) ?? '';
  }

  private async updateLocalRef(branch: string, sha: string, expected: string | undefined): Promise<void> {
    const repo = this.localRepo ?? this.git;
    const current = (await repo.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    const old = await revParse(repo, `refs/heads/${branch}`);
    if (old !== expected && !(old === undefined && expected === '')) {
      throw new PromoteError(
        'PushRejected',
        `branch '${branch}' moved (now ${old?.slice(0, 7) ?? 'absent'})`,
      );
    }
    if (current === branch) {
      // The user's checked-out branch: move it with their (clean) working tree.
      await repo.raw(['merge', '--quiet', '--ff-only', sha]);
      return;
    }
    await repo.raw(['update-ref', `refs/heads/${branch}`, sha, ...(old ? [old] : [])]);
  }

  /** Classifies a failed push, and says whether the remote changed (checked, not assumed). */
  private async pushError(e: unknown, branch: string, sha: string): Promise<PromoteError> {
    const text = String((e as Error)?.message ?? e);
    if (isRejectedPush(text)) {
      return new PromoteError(
        'PushRejected',
        `push of ${branch} to ${redact(this.repo)} was rejected: ${firstLines(e)}`,
        {
          cause: e,
        },
      );
    }
    const now = await this.remoteBranch(branch).catch(() => 'unknown');
    const state =
      now === 'unknown'
        ? 'the remote could not be checked afterwards'
        : now === sha
          ? `the remote did receive it (${branch} is at ${sha.slice(0, 7)})`
          : `nothing was changed on the remote (${branch} ${now ? `is still at ${now.slice(0, 7)}` : 'does not exist'})`;
    return new PromoteError(
      'PushFailed',
      `push of ${branch} to ${redact(this.repo)} failed: ${firstLines(e)}; ${state}`,
      {
        cause: e,
      },
    );
  }

  /** Removes the temporary clone or worktree (the user's repository is left as it was). */
  async close(): Promise<void> {
    await this.cleanup();
  }
}

function isPromoteError(e: unknown): e is PromoteError {
  return e instanceof PromoteError;
}

export async function revParse(git: SimpleGit, rev: string): Promise<string | undefined> {
  try {
    const out = (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

async function remoteHeadBranch(git: SimpleGit): Promise<string> {
  const out = (await git.raw(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']).catch(() => '')).trim();
  if (out.startsWith('refs/remotes/origin/')) {
    return out.slice('refs/remotes/origin/'.length);
  }
  const ls = await git.raw(['ls-remote', '--symref', 'origin', 'HEAD']).catch(() => '');
  const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(ls);
  if (m?.[1]) {
    return m[1];
  }
  throw new PromoteError('UnknownRevision', 'the remote has no default branch: pass --revision BRANCH');
}
