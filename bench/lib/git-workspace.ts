// A working clone of a GitOps repository that a test or benchmark commits into and pushes, as a
// user would: real git, real commits, `git push` to the remote (file:// or HTTP).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gantry e2e',
  GIT_AUTHOR_EMAIL: 'e2e@gantry.local',
  GIT_COMMITTER_NAME: 'Gantry e2e',
  GIT_COMMITTER_EMAIL: 'e2e@gantry.local',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd, env: GIT_ENV, maxBuffer: 16 * 2 ** 20 })).stdout.trim();
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`git ${args.join(' ')} (in ${cwd}): ${err.stderr?.trim() ?? ''}`, { cause: e });
  }
}

export class GitWorkspace {
  private constructor(
    readonly dir: string,
    readonly remote: string,
    readonly branch: string,
  ) {}

  /** Clones `remote` (branch `branch`) into `dir`. */
  static async clone(remote: string, dir: string, branch = 'main'): Promise<GitWorkspace> {
    await mkdir(dirname(dir), { recursive: true });
    await git(dirname(dir), 'clone', '--quiet', '--branch', branch, remote, dir);
    return new GitWorkspace(dir, remote, branch);
  }

  read(path: string): Promise<string> {
    return readFile(join(this.dir, path), 'utf8');
  }

  async write(path: string, text: string): Promise<void> {
    const abs = join(this.dir, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }

  /** Replaces `from` by `to` in a file; throws when `from` is not there (a test typo must not pass). */
  async replace(path: string, from: string | RegExp, to: string): Promise<void> {
    const text = await this.read(path);
    const next = text.replace(from, to);
    if (next === text) {
      throw new Error(`${path}: nothing matches ${String(from)}`);
    }
    await this.write(path, next);
  }

  remove(path: string): Promise<void> {
    return rm(join(this.dir, path), { force: true });
  }

  /** Stages everything and commits (no push); returns the new commit's SHA. */
  async commit(message: string): Promise<string> {
    await git(this.dir, 'add', '--all');
    await git(this.dir, 'commit', '--quiet', '-m', message);
    return this.head();
  }

  /** Stages everything, commits, pushes; returns the new commit's SHA. */
  async commitAndPush(message: string): Promise<string> {
    const sha = await this.commit(message);
    await this.push();
    return sha;
  }

  push(): Promise<string> {
    return git(this.dir, 'push', '--quiet', 'origin', `HEAD:${this.branch}`);
  }

  /** Fast-forwards to what others pushed (e.g. `gantry promote --merge`, `gantry rollback`). */
  async pull(): Promise<string> {
    await git(this.dir, 'pull', '--quiet', '--ff-only', 'origin', this.branch);
    return this.head();
  }

  head(): Promise<string> {
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  /** The SHA the remote's branch points at. */
  async remoteHead(): Promise<string> {
    const line = await git(this.dir, 'ls-remote', 'origin', `refs/heads/${this.branch}`);
    return line.split(/\s+/)[0] ?? '';
  }
}
