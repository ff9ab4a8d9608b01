// `gantry promote` and `gantry rollback` as a user runs them, with Applications (and their status)
// in a real in-process control plane: repository, folders and revisions come from the
// Applications; the source must be Synced and Healthy (or --force); rollback goes back to the
// previous successful sync. The cluster is only read: the Applications are unchanged afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { type PromoteCliContext, runPromote, runRollback } from '../../src/cli/promote.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { describeRevision } from '../../src/promote/revision.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.js';
import { type GitHttpServer, serveGitHttp } from '../helpers/git-http.js';
import { deployment, git, makeRemote, type TestRemote } from './repo.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-promote-cli-'));
let cp: ControlPlane;
let client: Client;
let r: TestRemote;
let v1: string;
let v2: string;

beforeAll(async () => {
  cp = await startControlPlane({ dataDir: join(root, 'cp'), port: 0, store: 'memory', controllers: false });
  client = cp.client;
  await client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gantry' } });
});
afterAll(async () => {
  await cp.stop();
  rmSync(root, { recursive: true, force: true });
});

function application(env: string, repoURL: string): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `web-${env}`, namespace: 'gantry' },
    spec: {
      project: 'default',
      source: { repoURL, path: `manifests/${env}`, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: env },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

async function setStatus(env: string, status: Record<string, unknown>): Promise<KObject> {
  const cur = await client.get(R.applications, 'gantry', `web-${env}`);
  return client.update(R.applications, { ...cur, status }, { subresource: 'status' });
}

const synced = (revision: string, history: string[] = [revision]) => ({
  sync: { status: 'Synced', revision },
  health: { status: 'Healthy' },
  history: history.map((rev, i) => ({
    id: i,
    revision: rev,
    deployedAt: '2024-01-01T00:00:00Z',
    source: {},
  })),
});

interface Captured {
  ctx: PromoteCliContext;
  out: () => string;
  err: () => string;
}

function capture(extra: Partial<PromoteCliContext> = {}): Captured {
  let out = '';
  let err = '';
  return {
    ctx: {
      client,
      out: {
        write: (s) => {
          out += s;
        },
      },
      err: {
        write: (s) => {
          err += s;
        },
      },
      tmpRoot: join(root, 'ws'),
      env: {},
      ...extra,
    },
    out: () => out,
    err: () => err,
  };
}

beforeEach(async () => {
  r = makeRemote();
  v1 = r.head();
  v2 = r.commit(
    { 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v2') },
    'staging: web v2',
  );
  for (const env of ['staging', 'production']) {
    await client.create(R.applications, application(env, r.fileUrl));
  }
});
afterEach(async () => {
  for (const env of ['staging', 'production']) {
    await client.delete(R.applications, 'gantry', `web-${env}`).catch(() => undefined);
  }
  r.cleanup();
});

describe('gantry promote with Applications', () => {
  it('refuses while staging is not Synced and Healthy, says why; --force overrides', async () => {
    await setStatus('staging', {
      sync: { status: 'OutOfSync', revision: v1 },
      health: { status: 'Progressing' },
    });
    const c = capture();
    expect(await runPromote(c.ctx, 'web', { from: 'staging', to: 'production', merge: true })).toBe(1);
    expect(c.err()).toBe(
      'gantry promote: source environment staging (Application web-staging) is not ready to promote: ' +
        'sync status is OutOfSync, health is Progressing; wait until it is Synced and Healthy, or pass --force\n',
    );
    expect(r.head()).toBe(v2);
    const f = capture();
    expect(
      await runPromote(f.ctx, 'web', { from: 'staging', to: 'production', merge: true, force: true }),
    ).toBe(0);
    expect(f.err()).toMatch(
      /note: --force: promoting although staging is not ready \(sync status is OutOfSync, health is Progressing\)/,
    );
    expect(f.out()).toMatch(/Merged into main \([0-9a-f]{7}\): the next sync rolls web-production forward/);
  });

  it('promotes what staging runs (its synced revision), not a newer unsynced commit; the cluster is only read', async () => {
    await setStatus('staging', synced(v2));
    r.commit(
      { 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v3') },
      'staging: web v3 (not synced yet)',
    );
    const before = await client.list(R.applications, { namespace: 'gantry' });
    const c = capture();
    expect(await runPromote(c.ctx, 'web', { from: 'staging', to: 'production', merge: true })).toBe(0);
    expect(c.out()).toContain(
      `Promoting web: staging -> production (source revision ${v2.slice(0, 7)}, staging Synced/Healthy; target branch main)`,
    );
    expect(c.out()).toMatch(
      /manifests\/production\/web\.yaml:17 {2}Deployment\/web {2}spec\.template\.spec\.containers\.0\.image: registry\.local\/web:v1 -> registry\.local\/web:v2/,
    );
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('image: registry.local/web:v2');
    expect(r.show('main', 'manifests/staging/web.yaml')).toContain('image: registry.local/web:v3');
    expect(r.message('main')).toContain(`Source: staging at ${v2} (sync Synced, health Healthy)`);
    const after = await client.list(R.applications, { namespace: 'gantry' });
    expect(after.items.map((a) => a.metadata.resourceVersion)).toEqual(
      before.items.map((a) => a.metadata.resourceVersion),
    );
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    await setStatus('staging', synced(v2));
    const refs = git(r.bare, 'for-each-ref');
    const c = capture();
    expect(
      await runPromote(c.ctx, 'web', { from: 'staging', to: 'production', dryRun: true, merge: true }),
    ).toBe(0);
    expect(c.out()).toContain('+        image: registry.local/web:v2');
    expect(c.out()).toContain('dry run: nothing was committed or pushed');
    expect(git(r.bare, 'for-each-ref')).toBe(refs);
  });

  it('unknown app, unknown environment, conflicting flags', async () => {
    const a = capture();
    expect(await runPromote(a.ctx, 'shop', { from: 'staging', to: 'production' })).toBe(1);
    expect(a.err()).toMatch(/unknown app 'shop': no Application named shop-<env> in namespace gantry/);
    const b = capture();
    expect(await runPromote(b.ctx, 'web', { from: 'staging', to: 'prod' })).toBe(1);
    expect(b.err()).toMatch(
      /unknown environment 'prod' of app 'web': no Application web-prod in namespace gantry; environments: production, staging/,
    );
    const c = capture();
    expect(
      await runPromote(c.ctx, 'web', { from: 'staging', to: 'production', all: true, imagesOnly: true }),
    ).toBe(1);
    expect(c.err()).toMatch(/--images-only and --all exclude each other/);
    expect(r.branches()).toEqual(['main']);
  });
});

describe('gantry promote --open-pr with the token in a Secret', () => {
  let gh: FakeGitHub;
  let http: GitHttpServer;
  beforeEach(async () => {
    http = await serveGitHttp(r.projectRoot);
    gh = await startFakeGitHub({ token: 'secret-token' });
    gh.addRepo('acme', 'web', r.bare);
    for (const env of ['staging', 'production']) {
      const cur = await client.get(R.applications, 'gantry', `web-${env}`);
      await client.update(R.applications, {
        ...cur,
        spec: { ...cur.spec, source: { ...cur.spec.source, repoURL: http.urlOf('acme/web.git') } },
      });
    }
    await setStatus('staging', synced(v2));
  });
  afterEach(async () => {
    await client.delete(R.secrets, 'gantry', 'github').catch(() => undefined);
    expect(gh.violations).toEqual([]);
    await gh.close();
    await http.close();
  });

  it('reads the token Secret, opens the PR and prints its URL; a missing Secret is a clear error', async () => {
    const flags = {
      from: 'staging',
      to: 'production',
      openPr: true,
      githubUrl: gh.apiUrl,
      githubTokenSecret: 'github',
    };
    const missing = capture();
    expect(await runPromote(missing.ctx, 'web', flags)).toBe(1);
    expect(missing.err()).toBe('gantry promote: Secret gantry/github not found\n');
    const noEnv = capture();
    expect(await runPromote(noEnv.ctx, 'web', { ...flags, githubTokenSecret: undefined })).toBe(1);
    expect(noEnv.err()).toMatch(/no GitHub token: set GITHUB_TOKEN, or pass --github-token-secret NAME/);
    await client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'github', namespace: 'gantry' },
      data: { token: Buffer.from('secret-token').toString('base64') },
    });
    const c = capture();
    expect(await runPromote(c.ctx, 'web', flags)).toBe(0);
    expect(c.out()).toMatch(/Pull request #1 opened: http:\/\/127\.0\.0\.1:\d+\/acme\/web\/pull\/1\n/);
    expect(gh.pulls[0]?.body).toContain('sync **Synced**, health **Healthy** (Application `web-staging`)');
    const again = capture();
    expect(await runPromote(again.ctx, 'web', { ...flags, merge: true })).toBe(0);
    expect(again.out()).toMatch(/Pull request #1 updated/);
    expect(gh.pulls).toHaveLength(1);
    expect((await describeRevision(r.bare, 'main')).promotion).toMatchObject({ pr: 1, sourceRevision: v2 });
  });
});

describe('gantry rollback with Applications', () => {
  it('reverts to the previous successful sync and leaves automated sync on', async () => {
    await setStatus('staging', synced(v2));
    expect(await runPromote(capture().ctx, 'web', { from: 'staging', to: 'production', merge: true })).toBe(
      0,
    );
    const promoted = r.head();
    await setStatus('production', synced(promoted, [v1, promoted]));
    const before = await client.get(R.applications, 'gantry', 'web-production');
    const dry = capture();
    expect(await runRollback(dry.ctx, 'web', { env: 'production', dryRun: true })).toBe(0);
    expect(dry.out()).toContain(
      `Rolling back web-production (manifests/production) to ${v1.slice(0, 7)} by reverting:`,
    );
    expect(r.head()).toBe(promoted);
    const c = capture();
    expect(await runRollback(c.ctx, 'web', { env: 'production' })).toBe(0);
    expect(c.out()).toMatch(
      /Pushed [0-9a-f]{7} to main: the next sync rolls web-production back \(automated sync stays on\)/,
    );
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('image: registry.local/web:v1');
    const info = await describeRevision(r.bare, 'main');
    expect(info).toMatchObject({ isRevert: true, revertOf: [promoted] });
    const after = await client.get(R.applications, 'gantry', 'web-production');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.syncPolicy).toEqual({ automated: { prune: true, selfHeal: true } });
  });

  it('needs --env when the app has several environments, and a history or --to', async () => {
    const a = capture();
    expect(await runRollback(a.ctx, 'web', {})).toBe(1);
    expect(a.err()).toMatch(/app 'web' has several environments \(production, staging\): pass --env ENV/);
    await setStatus('production', synced(v1));
    const b = capture();
    expect(await runRollback(b.ctx, 'web', { env: 'production' })).toBe(1);
    expect(b.err()).toMatch(
      /Application web-production has no earlier successful sync in its history: pass --to REVISION/,
    );
    const c = capture({ client: undefined });
    expect(await runRollback(c.ctx, 'web', {})).toBe(1);
    expect(c.err()).toMatch(/no cluster reachable .*pass --repo URL, --env ENV and --to REVISION/);
  });
});

describe('registerPromoteCommands', () => {
  it('wires `gantry promote` and `gantry rollback` flags; without a cluster it works from --repo', async () => {
    const { Command } = await import('commander');
    const { registerPromoteCommands } = await import('../../src/cli/promote.js');
    const program = new Command().exitOverride();
    registerPromoteCommands(program);
    expect(program.commands.map((c) => c.name())).toEqual(['promote', 'rollback']);
    const writes: string[] = [];
    const spy = (s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    };
    const out = process.stdout.write;
    const err = process.stderr.write;
    const prevExit = process.exitCode;
    const prevData = process.env.GANTRY_DATA_DIR;
    process.env.GANTRY_DATA_DIR = join(root, 'data');
    process.stdout.write = spy as typeof process.stdout.write;
    process.stderr.write = spy as typeof process.stderr.write;
    try {
      await program.parseAsync(
        [
          'promote',
          'web',
          '--from',
          'staging',
          '--to',
          'production',
          '--repo',
          r.fileUrl,
          '--path',
          'manifests',
          '--merge',
          '--kubeconfig',
          join(root, 'none'),
        ],
        { from: 'user' },
      );
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      if (prevData === undefined) {
        delete process.env.GANTRY_DATA_DIR;
      } else {
        process.env.GANTRY_DATA_DIR = prevData;
      }
    }
    const text = writes.join('');
    expect(process.exitCode ?? 0).toBe(0);
    process.exitCode = prevExit;
    expect(text).toContain(`note: no kubeconfig at ${join(root, 'none')}: working from the repository alone`);
    expect(text).toContain('note: source environment health not checked (no cluster reachable)');
    expect(text).toMatch(/Merged into main/);
    expect(r.show('main', 'manifests/production/web.yaml')).toContain('registry.local/web:v2');
  });
});
