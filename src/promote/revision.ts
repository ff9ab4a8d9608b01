// What a commit was, in release terms, read from its message: a promotion (the
// `Gantry-Promotion:` trailer, and the PR number of a GitHub merge or squash commit) or a revert
// (`Gantry-Rollback-Of:` or git's own "This reverts commit …"). `gantry app history` uses
// describeRevision to mark its rows; the parsing itself is pure.
import { type SimpleGit, simpleGit } from 'simple-git';

export const PROMOTION_TRAILER = 'Gantry-Promotion';
export const ROLLBACK_TRAILER = 'Gantry-Rollback-Of';

export interface PromotionInfo {
  readonly pr?: number;
  readonly app?: string;
  readonly from: string;
  readonly to: string;
  readonly sourceRevision: string;
}

export interface RevisionInfo {
  readonly isRevert: boolean;
  readonly revertOf: string[];
  readonly promotion?: PromotionInfo;
}

/** `Gantry-Promotion: web staging->production from <sha>` */
export function promotionTrailer(app: string, from: string, to: string, sourceRevision: string): string {
  return `${PROMOTION_TRAILER}: ${app} ${from}->${to} from ${sourceRevision}`;
}

const SHA = /\b[0-9a-f]{7,40}\b/g;

/** Reads a commit message (subject, body, trailers). Pure. */
export function parseRevisionMessage(message: string): RevisionInfo {
  const revertOf: string[] = [];
  const add = (shas: Iterable<string>) => {
    for (const s of shas) {
      if (!revertOf.includes(s)) {
        revertOf.push(s);
      }
    }
  };
  for (const m of message.matchAll(new RegExp(`^${ROLLBACK_TRAILER}:\\s*(.+)$`, 'gim'))) {
    add(m[1]?.match(SHA) ?? []);
  }
  for (const m of message.matchAll(/^This reverts commits? ([^\n]+)$/gim)) {
    add(m[1]?.match(SHA) ?? []);
  }
  const subject = message.split('\n')[0] ?? '';
  const isRevert = revertOf.length > 0 || /^Revert "/.test(subject);
  let promotion: PromotionInfo | undefined;
  const t = new RegExp(
    `^${PROMOTION_TRAILER}:\\s*(\\S+)\\s+(\\S+?)\\s*->\\s*(\\S+)\\s+from\\s+([0-9a-f]{7,40})\\s*$`,
    'im',
  ).exec(message);
  if (t) {
    promotion = { app: t[1] ?? '', from: t[2] ?? '', to: t[3] ?? '', sourceRevision: t[4] ?? '' };
  }
  const pr = prNumber(subject);
  if (promotion && pr !== undefined) {
    promotion = { pr, ...promotion };
  }
  return { isRevert, revertOf, ...(promotion ? { promotion } : {}) };
}

/** The PR number of a GitHub merge commit ("Merge pull request #N from …") or squash ("… (#N)"). */
export function prNumber(subject: string): number | undefined {
  const m = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/**
 * Describes one commit of a repository: reverts and what they revert; promotions with their
 * source revision, and the PR number when the commit merged (or squashed) a pull request whose
 * commits carry the promotion trailer.
 */
export async function describeRevision(
  repoDir: string,
  sha: string,
): Promise<RevisionInfo & { readonly sha: string; readonly subject: string }> {
  const git: SimpleGit = simpleGit({ baseDir: repoDir });
  const full = (await git.raw(['rev-parse', '--verify', `${sha}^{commit}`])).trim();
  const message = await git.raw(['log', '-1', '--format=%B', full]);
  const subject = message.split('\n')[0] ?? '';
  const info = parseRevisionMessage(message);
  const parents = (await git.raw(['rev-list', '--parents', '-n', '1', full])).trim().split(/\s+/).slice(1);
  if (!info.promotion && parents.length === 2) {
    // A merge commit: the promotion is on the merged side.
    const merged = await git.raw(['log', '--format=%B%x00', `${parents[0]}..${parents[1]}`]);
    for (const m of merged.split('\0')) {
      const inner = parseRevisionMessage(m);
      if (inner.promotion) {
        const pr = prNumber(subject);
        return {
          sha: full,
          subject,
          ...info,
          promotion: { ...(pr !== undefined ? { pr } : {}), ...inner.promotion },
        };
      }
    }
  }
  return { sha: full, subject, ...info };
}
