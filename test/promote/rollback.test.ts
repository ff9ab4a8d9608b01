// rollback() against real git: one revert commit for the commits that touched the app's folder,
// limited to that folder; a conflicting revert changes nothing; describeRevision marks reverts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isPromoteError } from '../../src/promote/errors.js';
import { describeRevision, parseRevisionMessage } from '../../src/promote/revision.js';
import { revertSubject, rollback } from '../../src/promote/rollback.js';
import { type GitHttpServer, serveGitHttp } from '../helpers/git-http.js';
import { deployment, git, makeRemote, type TestRemote } from './repo.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'gantry-rollback-ws-'));
let remotes: TestRemote[] = [];
let http: GitHttpServer | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
  for (const r of remotes) {
    r.cleanup();
  }
  remotes = [];
});
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const PROD = 'manifests/production/web.yaml';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-flags}\ndata: {beta: "true"}\n';

function history(): { r: TestRemote; a: string; c: string; d: string } {
  const r = makeRemote();
  remotes.push(r);
  const a = r.commit({ [PROD]: deployment('web', 'registry.local/web:v2', 3) }, 'production: web v2');
  r.commit({ 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v3') }, 'staging: web v3');
  const c = r.commit({ [PROD]: deployment('web', 'registry.local/web:v3', 3) }, 'production: web v3');
  const d = r.commit(
    { 'manifests/production/flags.yaml': CM, 'manifests/staging/flags.yaml': CM },
    'flags in both environments',
  );
  return { r, a, c, d };
}

describe.each(['file', 'http'] as const)('rollback over %s', (transport) => {
  it('reverts the last two commits touching the app folder as one commit, limited to that folder', async () => {
    const { r, a, c, d } = history();
    let url = r.fileUrl;
    if (transport === 'http') {
      http = await serveGitHttp(r.projectRoot);
      url = http.urlOf('acme/web.git');
    }
    const before = r.head();
    const res = await rollback(
      { repo: url, path: 'manifests/production', toRevision: a, app: 'web' },
      { tmpRoot },
    );
    expect(res.reverted.map((x) => x.sha)).toEqual([d, c]);
    expect(res.outside).toEqual(['manifests/staging/flags.yaml']);
    expect(r.head()).toBe(res.commit);
    expect(git(r.bare, 'rev-parse', `${res.commit}^`)).toBe(before); // one commit on top
    expect(r.show('main', PROD)).toBe(r.show(a, PROD));
    expect(() => r.show('main', 'manifests/production/flags.yaml')).toThrow();
    expect(r.show('main', 'manifests/staging/flags.yaml')).toBe(CM.trimEnd()); // kept
    expect(r.show('main', 'manifests/staging/web.yaml')).toContain('web:v3'); // other env untouched
    const msg = r.message('main');
    expect(msg.split('\n')[0]).toBe('Revert "flags in both environments", "production: web v3"');
    expect(msg).toContain(`This reverts commits ${d}, ${c}.`);
    expect(msg).toContain(`Rolls manifests/production back to ${a}.`);
    expect(msg).toContain(`Gantry-Rollback-Of: ${d}, ${c}`);
    const info = await describeRevision(r.bare, 'main');
    expect(info).toMatchObject({ isRevert: true, revertOf: [d, c] });
    expect(info.promotion).toBeUndefined();
  });
});

describe('rollback', () => {
  it('--dry-run shows the revert and pushes nothing', async () => {
    const { r, a } = history();
    const before = git(r.bare, 'for-each-ref');
    const res = await rollback(
      { repo: r.fileUrl, path: 'manifests/production', toRevision: a, dryRun: true },
      { tmpRoot },
    );
    expect(res.pushed).toBe(false);
    expect(res.diff).toContain('-        image: registry.local/web:v3');
    expect(res.diff).toContain('+        image: registry.local/web:v2');
    expect(git(r.bare, 'for-each-ref')).toBe(before);
  });

  it('a conflicting revert stops with a clear message and leaves the repository untouched', async () => {
    const r = makeRemote();
    remotes.push(r);
    const start = r.head();
    r.commit({ [PROD]: deployment('web', 'registry.local/web:v2', 3) }, 'production: v2 (branch)', 'feature');
    const m = r.commit({ [PROD]: deployment('web', 'registry.local/web:v3', 3) }, 'production: v3');
    // Merge feature into main by hand, resolving the conflict to v4 (the merge commit changes the line).
    const work = join(r.root, 'merger');
    git(r.root, 'clone', '-q', r.bare, work);
    try {
      git(work, 'merge', '-q', 'origin/feature');
    } catch {
      // expected conflict
    }
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(work, PROD), deployment('web', 'registry.local/web:v4', 3));
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'merge feature (resolved to v4)');
    git(work, 'push', '-q', 'origin', 'main');
    const before = git(r.bare, 'for-each-ref');
    const e = await rollback(
      { repo: r.fileUrl, path: 'manifests/production', toRevision: start },
      { tmpRoot },
    ).catch((x: unknown) => x);
    expect(isPromoteError(e, 'Conflict'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(
      new RegExp(
        `cannot revert ${m.slice(0, 7)} "production: v3": it conflicts with later changes in manifests/production/web.yaml. Nothing was changed or pushed`,
      ),
    );
    expect(git(r.bare, 'for-each-ref')).toBe(before);
  });

  it('bad input: unknown revision, a revision not on the branch, nothing to revert', async () => {
    const { r, d } = history();
    const side = r.commit({ 'x.txt': 'x' }, 'side', 'side');
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (x: unknown) => x as Error,
      );
    expect(
      (
        await err(
          rollback({ repo: r.fileUrl, path: 'manifests/production', toRevision: 'deadbeef' }, { tmpRoot }),
        )
      )?.message,
    ).toMatch(/revision 'deadbeef' not found/);
    expect(
      (await err(rollback({ repo: r.fileUrl, path: 'manifests/production', toRevision: side }, { tmpRoot })))
        ?.message,
    ).toMatch(/is not an ancestor of main/);
    expect(
      (await err(rollback({ repo: r.fileUrl, path: 'manifests/production', toRevision: d }, { tmpRoot })))
        ?.message,
    ).toMatch(/nothing to roll back: no commit touched manifests\/production after/);
  });

  it('finds the folder from the repository layout with env + root', async () => {
    const { r, c } = history();
    const res = await rollback(
      { repo: r.fileUrl, app: 'web', env: 'production', root: 'manifests', toRevision: c },
      { tmpRoot },
    );
    expect(res.path).toBe('manifests/production');
    expect(res.reverted).toHaveLength(1);
    expect(r.message('main')).toMatch(
      /^Revert "flags in both environments"\n\nThis reverts commit [0-9a-f]{40}\./,
    );
  });
});

describe('revision messages', () => {
  it('parses promotion trailers, PR numbers and reverts (git and Gantry style)', () => {
    expect(
      parseRevisionMessage(
        'Merge pull request #12 from acme/promote/web/x\n\nGantry-Promotion: web staging->production from abcdef1\n',
      ),
    ).toEqual({
      isRevert: false,
      revertOf: [],
      promotion: { pr: 12, app: 'web', from: 'staging', to: 'production', sourceRevision: 'abcdef1' },
    });
    expect(
      parseRevisionMessage('Revert "x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n'),
    ).toEqual({
      isRevert: true,
      revertOf: ['0123456789abcdef0123456789abcdef01234567'],
    });
    expect(
      parseRevisionMessage('Promote web (#7)\n\nGantry-Promotion: web a->b from 1234567').promotion?.pr,
    ).toBe(7);
    expect(parseRevisionMessage('fix typo').isRevert).toBe(false);
    const many = Array.from({ length: 8 }, (_, i) => ({
      sha: `${i}`.repeat(40),
      subject: `change number ${i} with a long subject`,
    }));
    expect(revertSubject(many)).toMatch(/^Revert "change number 0 with a long subject", .* and \d+ more$/);
  });
});
