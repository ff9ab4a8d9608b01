// `gantry rollback APP`: revert, as one commit, the commits that touched the app's folder after a
// revision (by default the one of the previous successful sync), limited to that folder, and push
// it. The sync engine then rolls the app back like any other change; automated sync is never
// touched. A revert that conflicts stops with the conflicting files named and nothing changed:
// the revert is aborted in the private checkout and nothing is pushed.
import { PromoteError } from './errors.js';
import { type GitAuth, redact, Workspace } from './git.js';
import { cleanPath, locateEnvironment } from './layout.js';
import { ROLLBACK_TRAILER } from './revision.js';

export interface RollbackRequest {
  /** Repository URL or local working copy. */
  readonly repo: string;
  /** The app's folder in the repository (the Application's spec.source.path)… */
  readonly path?: string;
  /** …or the environment to find under `root` by the repository layout. */
  readonly env?: string;
  readonly root?: string;
  readonly app?: string;
  /** Revert what came after this revision. */
  readonly toRevision: string;
  /** Branch; default the remote's default branch. */
  readonly revision?: string;
  readonly dryRun?: boolean;
  readonly auth?: GitAuth;
}

export interface RevertedCommit {
  readonly sha: string;
  readonly subject: string;
}

export interface RollbackResult {
  readonly branch: string;
  readonly path: string;
  readonly toRevision: string;
  /** Newest first. */
  readonly reverted: RevertedCommit[];
  readonly diff: string;
  readonly commit?: string;
  readonly pushed: boolean;
  /** Files the reverted commits also changed outside the app's folder (left as they are). */
  readonly outside: string[];
}

/** `Revert "a", "b"` (shortened past ~120 characters). Pure. */
export function revertSubject(reverted: readonly RevertedCommit[]): string {
  const parts: string[] = [];
  let len = 0;
  for (const [i, c] of reverted.entries()) {
    const q = `"${c.subject}"`;
    if (i > 0 && len + q.length > 120) {
      parts.push(`and ${reverted.length - i} more`);
      break;
    }
    parts.push(q);
    len += q.length + 2;
  }
  return `Revert ${parts.join(', ')}`;
}

/** The rollback commit's message: subject, what it reverts, where it returns to, the trailer. Pure. */
export function rollbackMessage(
  reverted: readonly RevertedCommit[],
  path: string,
  toRevision: string,
  outside: readonly string[],
): string {
  const shas = reverted.map((c) => c.sha);
  const lines = [
    revertSubject(reverted),
    '',
    reverted.length === 1 ? `This reverts commit ${shas[0]}.` : `This reverts commits ${shas.join(', ')}.`,
    '',
    `Rolls ${path || '.'} back to ${toRevision}.`,
  ];
  if (outside.length > 0) {
    lines.push(`Limited to ${path || '.'}: changes to ${outside.join(', ')} are kept.`);
  }
  lines.push('', `${ROLLBACK_TRAILER}: ${shas.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function rollback(
  r: RollbackRequest,
  deps: { readonly tmpRoot?: string; readonly log?: (line: string) => void } = {},
): Promise<RollbackResult> {
  const log = deps.log ?? (() => {});
  const ws = await Workspace.open({
    repo: r.repo,
    ...(r.revision ? { branch: r.revision } : {}),
    ...(deps.tmpRoot ? { tmpRoot: deps.tmpRoot } : {}),
    ...(r.auth ? { auth: r.auth } : {}),
  });
  try {
    let path: string;
    if (r.path !== undefined) {
      path = cleanPath(r.path);
    } else if (r.env && r.app) {
      path = (
        await locateEnvironment(ws.dir, { app: r.app, env: r.env, ...(r.root ? { root: r.root } : {}) })
      ).dir;
    } else {
      throw new PromoteError(
        'UnknownEnvironment',
        'rollback needs the app folder: an Application, or --env ENV (with --path ROOT)',
      );
    }
    const head = (await ws.resolve('HEAD')) ?? '';
    const to = await ws.resolve(r.toRevision);
    if (!to) {
      throw new PromoteError('UnknownRevision', `revision '${r.toRevision}' not found in ${redact(r.repo)}`);
    }
    const base = (await ws.git.raw(['merge-base', to, head]).catch(() => '')).trim();
    if (base !== to) {
      throw new PromoteError(
        'UnknownRevision',
        `revision ${to.slice(0, 7)} is not an ancestor of ${ws.branch} (${head.slice(0, 7)}): cannot roll back to it by reverting`,
      );
    }
    const pathspec = path === '' ? '.' : path;
    const log1 = await ws.git.raw([
      'log',
      '--no-merges',
      '--format=%H%x09%s',
      `${to}..${head}`,
      '--',
      pathspec,
    ]);
    const reverted = log1
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => {
        const [sha, ...rest] = l.split('\t');
        return { sha: sha ?? '', subject: rest.join('\t') };
      });
    if (reverted.length === 0) {
      throw new PromoteError(
        'NoChanges',
        `nothing to roll back: no commit touched ${pathspec} after ${to.slice(0, 7)} on ${ws.branch}`,
      );
    }
    try {
      await ws.git.raw(['revert', '--no-commit', ...reverted.map((c) => c.sha)]);
    } catch (e) {
      const files = (await ws.git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
        .trim()
        .split('\n')
        .filter(Boolean);
      await ws.git.raw(['revert', '--abort']).catch(() => undefined);
      await ws.git.raw(['reset', '--quiet', '--hard', head]).catch(() => undefined);
      const culprit = /could not revert ([0-9a-f]+)/.exec(String((e as Error).message))?.[1];
      const c = reverted.find((x) => culprit && x.sha.startsWith(culprit));
      throw new PromoteError(
        'Conflict',
        `cannot revert ${c ? `${c.sha.slice(0, 7)} "${c.subject}"` : 'the commits'}: it conflicts with later changes` +
          `${files.length > 0 ? ` in ${files.join(', ')}` : ''}. Nothing was changed or pushed; resolve it by hand ` +
          `(git revert ${reverted.map((x) => x.sha.slice(0, 7)).join(' ')}) or roll back to a later revision with --to`,
        { cause: e },
      );
    }
    // Keep the revert inside the app's folder.
    const staged = (await ws.git.raw(['diff', '--cached', '--name-only', '-z', head]))
      .split('\0')
      .filter(Boolean);
    const outside = staged.filter((f) => path !== '' && f !== path && !f.startsWith(`${path}/`));
    if (outside.length > 0) {
      await ws.git.raw(['reset', '--quiet', head, '--', ...outside]);
      await ws.git.raw(['checkout', head, '--', ...outside]).catch(() => undefined);
      await ws.git.raw(['clean', '-fdq', '--', ...outside]);
    }
    const diff = await ws.git.raw(['diff', '--cached', '--no-color', head]);
    if (diff.trim() === '') {
      throw new PromoteError(
        'NoChanges',
        `nothing to roll back: reverting ${reverted.length} commit(s) leaves ${pathspec} unchanged`,
      );
    }
    const result: RollbackResult = {
      branch: ws.branch,
      path,
      toRevision: to,
      reverted,
      diff,
      pushed: false,
      outside,
    };
    if (r.dryRun) {
      return result;
    }
    const id = await ws.identity();
    await ws.git.raw([
      ...id,
      'commit',
      '--quiet',
      '--no-verify',
      '-m',
      rollbackMessage(reverted, path, to, outside),
    ]);
    const commit = (await ws.resolve('HEAD')) ?? '';
    const pushed = await ws.pushTarget(commit);
    log(
      `pushed ${pushed.slice(0, 7)} to ${ws.branch}: reverted ${reverted.map((c) => c.sha.slice(0, 7)).join(', ')}`,
    );
    return { ...result, commit: pushed, pushed: true };
  } finally {
    await ws.close();
  }
}
