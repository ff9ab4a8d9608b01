// rollbackApplication (the library behind `gantry rollback` and the dashboard's Rollback button)
// and the Events promote and rollback leave on the Application, against a real in-process control
// plane and real git repositories (file://). The Applications themselves are never written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { type PromoteCliContext, runPromote, runRollback } from '../../src/cli/promote.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { isPromoteError } from '../../src/promote/errors.js';
import type { PromoteResult } from '../../src/promote/promote.js';
import { promotedMessage } from '../../src/sync/app-promotion.js';
import { rollbackApplication } from '../../src/sync/app-rollback.js';
import { deployment, makeRemote, type TestRemote } from '../promote/repo.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-app-rollback-'));
let cp: ControlPlane;
let r: TestRemote;
let v1: string;
let v2: string;

beforeAll(async () => {
  cp = await startControlPlane({ dataDir: join(root, 'cp'), port: 0, store: 'memory', controllers: false });
  await cp.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gantry' } });
});
afterAll(async () => {
  await cp.stop();
  rmSync(root, { recursive: true, force: true });
});

function application(name: string, env: string, repoURL: string): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'gantry' },
    spec: {
      project: 'default',
      source: { repoURL, path: `manifests/${env}`, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: env },
    },
  };
}

async function setHistory(name: string, revisions: string[]): Promise<void> {
  await cp.client.patch(
    R.applications,
    'gantry',
    name,
    'merge',
    {
      status: {
        sync: { status: 'Synced', revision: revisions.at(-1) },
        health: { status: 'Healthy' },
        history: revisions.map((revision, id) => ({
          id,
          revision,
          deployedAt: '2024-01-01T00:00:00Z',
          source: {},
        })),
      },
    },
    { subresource: 'status' },
  );
}

async function eventsOf(app: string, reason: string): Promise<KObject[]> {
  const list = await cp.client.list(R.events, { namespace: 'gantry' });
  return list.items.filter((e) => e.involvedObject?.name === app && e.reason === reason);
}

function quiet(): PromoteCliContext & { text: () => string } {
  let out = '';
  return {
    client: cp.client,
    out: {
      write: (s) => {
        out += s;
      },
    },
    err: {
      write: (s) => {
        out += s;
      },
    },
    tmpRoot: join(root, 'ws'),
    env: {},
    text: () => out,
  };
}

beforeEach(async () => {
  r = makeRemote();
  v1 = r.head();
  v2 = r.commit(
    { 'manifests/production/web.yaml': deployment('web', 'registry.local/web:v2', 3) },
    'production: web v2',
  );
  await cp.client.create(R.applications, application('web-production', 'production', r.fileUrl));
});
afterEach(async () => {
  for (const a of (await cp.client.list(R.applications, { namespace: 'gantry' })).items) {
    await cp.client.delete(R.applications, 'gantry', a.metadata.name ?? '');
  }
  for (const e of (await cp.client.list(R.events, { namespace: 'gantry' })).items) {
    await cp.client.delete(R.events, 'gantry', e.metadata.name ?? '');
  }
  r.cleanup();
});

describe('rollbackApplication', () => {
  it('finds the app by its only environment, reverts to the previous sync, records RolledBack', async () => {
    await setHistory('web-production', [v1, v2]);
    const before = await cp.client.get(R.applications, 'gantry', 'web-production');
    const res = await rollbackApplication(cp.client, {
      app: 'web',
      tmpRoot: join(root, 'ws'),
      component: 'test',
    });
    expect(res).toMatchObject({
      application: 'web-production',
      path: 'manifests/production',
      toRevision: v1,
      branch: 'main',
      reverted: [{ sha: v2, subject: 'production: web v2' }],
      pushed: true,
    });
    expect(r.head()).toBe(res.commit);
    expect(r.log()).toEqual(['Revert "production: web v2"', 'production: web v2', 'initial layout']);
    const events = await eventsOf('web-production', 'RolledBack');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Normal',
      message: `Rolled back to ${v1.slice(0, 7)} by reverting 1 commit(s): ${res.commit?.slice(0, 7)}`,
      involvedObject: { kind: 'Application', uid: before.metadata.uid },
      source: { component: 'test' },
    });
    const after = await cp.client.get(R.applications, 'gantry', 'web-production');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('a dry run pushes nothing and records nothing', async () => {
    await setHistory('web-production', [v1, v2]);
    const res = await rollbackApplication(cp.client, {
      app: 'web-production',
      dryRun: true,
      tmpRoot: join(root, 'ws'),
    });
    expect(res.commit).toBeUndefined();
    expect(res.diff).toContain('+        image: registry.local/web:v1');
    expect(r.head()).toBe(v2);
    expect(await eventsOf('web-production', 'RolledBack')).toEqual([]);
  });

  it('refuses without history, with several environments, or for an unknown app; nothing changes', async () => {
    const noHistory = await rollbackApplication(cp.client, {
      app: 'web-production',
      tmpRoot: join(root, 'ws'),
    }).catch((e: unknown) => e);
    expect(isPromoteError(noHistory, 'UnknownRevision')).toBe(true);
    expect((noHistory as Error).message).toMatch(/no earlier successful sync in its history/);
    await cp.client.create(R.applications, application('web-staging', 'staging', r.fileUrl));
    await expect(rollbackApplication(cp.client, { app: 'web', tmpRoot: join(root, 'ws') })).rejects.toThrow(
      /app 'web' has several environments \(production, staging\): pass --env ENV/,
    );
    await expect(rollbackApplication(cp.client, { app: 'shop', tmpRoot: join(root, 'ws') })).rejects.toThrow(
      /unknown app 'shop'/,
    );
    await expect(
      rollbackApplication(cp.client, { app: 'web', env: 'qa', tmpRoot: join(root, 'ws') }),
    ).rejects.toThrow(/no Application web-qa in namespace gantry; environments of web: production, staging/);
    expect(r.head()).toBe(v2);
    expect(await eventsOf('web-production', 'RolledBack')).toEqual([]);
  });
});

describe('events of the CLI commands', () => {
  it('gantry rollback records RolledBack; gantry promote records Promoted on the target', async () => {
    await cp.client.create(R.applications, application('web-staging', 'staging', r.fileUrl));
    await setHistory('web-production', [v1, v2]);
    const rb = quiet();
    expect(await runRollback(rb, 'web', { env: 'production' })).toBe(0);
    const rolled = await eventsOf('web-production', 'RolledBack');
    expect(rolled).toHaveLength(1);
    expect(rolled[0]?.source).toEqual({ component: 'gantry-cli' });

    const staged = r.commit(
      { 'manifests/staging/web.yaml': deployment('web', 'registry.local/web:v3') },
      'staging v3',
    );
    await setHistory('web-staging', [staged]);
    const dry = quiet();
    expect(
      await runPromote(dry, 'web', { from: 'staging', to: 'production', merge: true, dryRun: true }),
    ).toBe(0);
    expect(await eventsOf('web-production', 'Promoted')).toEqual([]);
    const p = quiet();
    expect(await runPromote(p, 'web', { from: 'staging', to: 'production', merge: true })).toBe(0);
    const merged = r.head();
    const promoted = await eventsOf('web-production', 'Promoted');
    expect(promoted).toHaveLength(1);
    expect(promoted[0]).toMatchObject({
      type: 'Normal',
      message: `Promoted registry.local/web:v3 from staging to production: ${merged.slice(0, 7)}`,
    });
    expect(await eventsOf('web-staging', 'Promoted')).toEqual([]);
  });
});

describe('promotedMessage', () => {
  const base = {
    branch: 'gantry/promote-web-staging-to-production-abc1234',
    targetBranch: 'main',
    sourceRevision: 'a'.repeat(40),
    plan: {
      edits: [],
      images: [
        { resource: 'Deployment/web', container: 'web', to: 'web:v2' },
        { resource: 'Deployment/api', container: 'api', to: 'api:v7' },
        { resource: 'Deployment/web2', container: 'web', to: 'web:v2' },
      ],
      skipped: [],
    },
    diff: '',
    source: {},
    notes: [],
  } as unknown as PromoteResult;
  it('names the images and where the change went: PR, merge commit or branch', () => {
    const req = { app: 'web', from: 'staging', to: 'production' };
    expect(
      promotedMessage({
        ...req,
        result: { ...base, pushed: 'branch', pr: { number: 4, url: 'https://gh/pr/4', created: true } },
      }),
    ).toBe('Promoted web:v2, api:v7 from staging to production: https://gh/pr/4');
    expect(promotedMessage({ ...req, result: { ...base, pushed: 'target', merged: 'b'.repeat(40) } })).toBe(
      'Promoted web:v2, api:v7 from staging to production: bbbbbbb',
    );
    expect(promotedMessage({ ...req, result: { ...base, pushed: 'branch' } })).toBe(
      `Promoted web:v2, api:v7 from staging to production: ${base.branch}`,
    );
    expect(
      promotedMessage({
        ...req,
        result: {
          ...base,
          pushed: 'target',
          merged: 'c'.repeat(40),
          plan: { ...base.plan, images: [], edits: [{}, {}] },
        } as unknown as PromoteResult,
      }),
    ).toBe('Promoted 2 change(s) from staging to production: ccccccc');
  });
});
