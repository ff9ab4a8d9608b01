// promote() against real git: bare repositories over file:// and smart HTTP, real branches,
// merges, concurrent pushes and a push cut off mid-way. No cluster (repository layout alone).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPromoteError, type PromoteErrorCode } from '../../src/promote/errors.js';
import { type PromoteRequest, promote } from '../../src/promote/promote.js';
import { describeRevision } from '../../src/promote/revision.js';
import { type GitHttpServer, serveGitHttp } from '../helpers/git-http.js';
import { deployment, git, makeRemote, type TestRemote } from './repo.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'gantry-promote-ws-'));
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

function newRemote(files?: Record<string, string>): TestRemote {
  const r = makeRemote(files);
  remotes.push(r);
  return r;
}

/** staging moved to v2 (the commit being promoted). */
function stagingOnV2(r: TestRemote): string {
  return r.commit(
    { 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v2') },
    'staging: web v2',
  );
}

const base = (repo: string): PromoteRequest => ({
  app: 'web',
  from: 'staging',
  to: 'production',
  repo,
  root: 'manifests',
});

async function expectCode(p: Promise<unknown>, code: PromoteErrorCode, message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected an error').toBeDefined();
  expect(isPromoteError(e, code), String(e)).toBe(true);
  expect((e as Error).message).toMatch(message);
}

describe.each(['file', 'http'] as const)('promote --merge over %s', (transport) => {
  it('fast-forwards the target branch with the new image and a commit naming the source', async () => {
    const r = newRemote();
    const src = stagingOnV2(r);
    let url = r.fileUrl;
    if (transport === 'http') {
      http = await serveGitHttp(r.projectRoot);
      url = http.urlOf('acme/web.git');
    }
    const res = await promote({ ...base(url), merge: true }, { tmpRoot });
    expect(res.pushed).toBe('target');
    expect(r.head('main')).toBe(res.merged);
    expect(git(r.bare, 'rev-parse', `${res.merged}^`)).toBe(src); // a fast-forward on top of the source commit
    const prod = r.show('main', 'manifests/production/web.yaml');
    expect(prod).toBe(deployment('web', 'registry.local/web:v2', 3).trimEnd());
    const msg = r.message('main');
    expect(msg).toContain(`Promote web from staging to production (${src.slice(0, 7)})`);
    expect(msg).toContain('Deployment/web web: registry.local/web:v1 -> registry.local/web:v2');
    expect(msg).toContain(`Gantry-Promotion: web staging->production from ${src}`);
    expect(r.branches()).toEqual(['main']); // no promotion branch left behind with --merge
    const info = await describeRevision(r.bare, res.merged ?? '');
    expect(info.promotion).toEqual({ app: 'web', from: 'staging', to: 'production', sourceRevision: src });
    expect(info.isRevert).toBe(false);
    if (http) {
      expect(http.requests.some((q) => q.service === 'git-receive-pack' && q.status === 200)).toBe(true);
    }
    // Again: nothing to promote, and nothing pushed.
    await expectCode(
      promote({ ...base(url), merge: true }, { tmpRoot }),
      'NoChanges',
      /nothing to promote: production .* already has the images of staging/,
    );
    expect(r.head('main')).toBe(res.merged);
  });
});

describe('promote to a branch', () => {
  it('pushes promote/<app>/<from>-to-<to>-<sha>; a re-run reuses it, and updates it when the target moved', async () => {
    const r = newRemote();
    const src = stagingOnV2(r);
    const branch = `promote/web/staging-to-production-${src.slice(0, 7)}`;
    const first = await promote(base(r.fileUrl), { tmpRoot });
    expect(first.branch).toBe(branch);
    expect(first.pushed).toBe('branch');
    expect(r.head(branch)).toBe(first.commit);
    expect(r.head('main')).toBe(src); // the target is untouched until merged
    const again = await promote(base(r.fileUrl), { tmpRoot });
    expect(again.commit).toBe(first.commit);
    expect(r.branches()).toEqual(['main', branch]);
    // Someone changes an unrelated file on main: the re-run rebuilds the same branch on the new tip.
    const other = r.commit({ 'README.md': 'hello\n' }, 'docs');
    const third = await promote(base(r.fileUrl), { tmpRoot });
    expect(third.branch).toBe(branch);
    expect(third.commit).not.toBe(first.commit);
    expect(git(r.bare, 'rev-parse', `${branch}^`)).toBe(other);
    expect(r.branches()).toEqual(['main', branch]);
  });

  it('--dry-run returns the diff and writes nothing anywhere', async () => {
    const r = newRemote();
    stagingOnV2(r);
    const before = git(r.bare, 'for-each-ref');
    const res = await promote({ ...base(r.fileUrl), dryRun: true, merge: true }, { tmpRoot });
    expect(res.pushed).toBe('none');
    expect(res.commit).toBeUndefined();
    expect(res.diff).toContain('-        image: registry.local/web:v1');
    expect(res.diff).toContain('+        image: registry.local/web:v2');
    expect(git(r.bare, 'for-each-ref')).toBe(before);
  });

  it('a push cut off mid-way (HTTP) leaves no branch and an unchanged target, and says so', async () => {
    const r = newRemote();
    const src = stagingOnV2(r);
    http = await serveGitHttp(r.projectRoot);
    const url = http.urlOf('acme/web.git');
    http.dropNextPushes(100);
    await expectCode(
      promote(base(url), { tmpRoot }),
      'PushFailed',
      /push of promote\/web\/staging-to-production-\w+ to .* failed: .*nothing was changed on the remote/,
    );
    expect(r.branches()).toEqual(['main']);
    await expectCode(
      promote({ ...base(url), merge: true }, { tmpRoot }),
      'PushFailed',
      /push of main .* failed: .*nothing was changed on the remote \(main is still at/,
    );
    expect(r.head('main')).toBe(src);
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('registry.local/web:v1');
    // The network is back: the same command succeeds.
    http.stopDropping();
    const ok = await promote({ ...base(url), merge: true }, { tmpRoot });
    expect(r.head('main')).toBe(ok.merged);
  });
});

describe('concurrent pushes', () => {
  it('a rejected push is retried after a rebase onto what the other engineer pushed', async () => {
    const r = newRemote();
    stagingOnV2(r);
    let raced = '';
    const res = await promote(
      { ...base(r.fileUrl), merge: true },
      {
        tmpRoot,
        log: (line) => {
          if (line.startsWith('committed') && !raced) {
            raced = r.commit(
              {
                'manifests/production/extra.yaml':
                  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-extra}\n',
              },
              'another change',
            );
          }
        },
      },
    );
    expect(raced).not.toBe('');
    expect(git(r.bare, 'rev-parse', `${res.merged}^`)).toBe(raced);
    expect(r.log('main').slice(0, 2)).toEqual([
      expect.stringMatching(/^Promote web from staging to production/),
      'another change',
    ]);
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('registry.local/web:v2');
  });

  it('a concurrent change to the same line is reported as a conflict, nothing pushed', async () => {
    const r = newRemote();
    stagingOnV2(r);
    let raced = '';
    await expectCode(
      promote(
        { ...base(r.fileUrl), merge: true },
        {
          tmpRoot,
          log: (line) => {
            if (line.startsWith('committed') && !raced) {
              raced = r.commit(
                { 'manifests/production/web.yaml': deployment('web', 'registry.local/web:v1-hotfix', 3) },
                'hotfix',
              );
            }
          },
        },
      ),
      'Conflict',
      /main moved while pushing and the change no longer applies on top of it \(conflict in manifests\/production\/web\.yaml\): nothing was pushed/,
    );
    expect(r.head('main')).toBe(raced);
  });
});

describe('layouts and bad input', () => {
  it('edits a kustomize overlay images entry', async () => {
    const r = newRemote({
      'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'base/deployment.yaml': deployment('web', 'registry.local/web:latest'),
      'overlays/staging/kustomization.yaml':
        'resources:\n- ../../base\nimages:\n- name: registry.local/web\n  newTag: v2 # staging\n',
      'overlays/production/kustomization.yaml':
        'resources:\n- ../../base\nimages:\n- name: registry.local/web\n  newTag: v1 # production\n',
    });
    const res = await promote(
      { app: 'web', from: 'staging', to: 'production', repo: r.fileUrl, merge: true },
      { tmpRoot },
    );
    expect(res.plan.images).toEqual([
      {
        resource: 'kustomization images',
        container: 'registry.local/web',
        from: 'registry.local/web:v1',
        to: 'registry.local/web:v2',
      },
    ]);
    expect(r.show('main', 'overlays/production/kustomization.yaml')).toBe(
      'resources:\n- ../../base\nimages:\n- name: registry.local/web\n  newTag: v2 # production',
    );
  });

  it('unknown environment and unknown app are named, with what exists', async () => {
    const r = newRemote();
    stagingOnV2(r);
    await expectCode(
      promote({ ...base(r.fileUrl), to: 'prod' }, { tmpRoot }),
      'UnknownEnvironment',
      /environment 'prod' of app 'web' not found under 'manifests'.*environments found: production, staging/,
    );
    await expectCode(
      promote({ ...base(r.fileUrl), app: 'shop' }, { tmpRoot }),
      'UnknownApp',
      /no manifest of app 'shop' in manifests\/staging/,
    );
    expect(r.branches()).toEqual(['main']);
  });

  it('an unknown target branch and an unreachable repository are clear errors', async () => {
    const r = newRemote();
    await expectCode(
      promote({ ...base(r.fileUrl), revision: 'release' }, { tmpRoot }),
      'UnknownRevision',
      /branch 'release' not found/,
    );
    await expectCode(
      promote(base('http://127.0.0.1:9/nope.git'), { tmpRoot }),
      'Git',
      /cannot clone http:\/\/127\.0\.0\.1:9\/nope\.git/,
    );
  });

  it('a local working copy: a dirty tree is refused; a clean one is merged into its checked-out branch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-promote-local-'));
    try {
      git(dir, 'init', '-q', '-b', 'main');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'manifests/staging'), { recursive: true });
      mkdirSync(join(dir, 'manifests/production'), { recursive: true });
      writeFileSync(join(dir, 'manifests/staging/web.yaml'), deployment('web', 'registry.local/web:v2'));
      writeFileSync(
        join(dir, 'manifests/production/web.yaml'),
        deployment('web', 'registry.local/web:v1', 3),
      );
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'layout');
      writeFileSync(
        join(dir, 'manifests/production/web.yaml'),
        deployment('web', 'registry.local/web:v1', 4),
      );
      const headBefore = git(dir, 'rev-parse', 'HEAD');
      await expectCode(
        promote({ ...base(dir), merge: true }, { tmpRoot }),
        'DirtyTree',
        /uncommitted changes \(.*manifests\/production\/web\.yaml\): commit or stash them first/,
      );
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(headBefore);
      git(dir, 'checkout', '-q', '--', '.');
      const res = await promote({ ...base(dir), merge: true }, { tmpRoot });
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(res.merged);
      expect(git(dir, 'status', '--porcelain')).toBe('');
      expect(git(dir, 'show', 'HEAD:manifests/production/web.yaml')).toContain('registry.local/web:v2');
      expect(git(dir, 'worktree', 'list').split('\n')).toHaveLength(1); // the temporary worktree is gone
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

beforeAll(() => {
  // The workspaces must not depend on a global git identity being configured.
  expect(typeof process.env.HOME).toBe('string');
});
