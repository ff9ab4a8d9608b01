// A push webhook (the controller's onPush) refreshes the apps following that repository at once,
// without waiting for the poll; and ensureApplication (gantry up) creates a working Application.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../src/client/resources.js';
import { REFRESH_ANNOTATION, requestRefresh, requestRefreshOfRepos } from '../../src/sync/app-actions.js';
import { ensureApplication } from '../../src/sync/bootstrap.js';
import { sameRepo } from '../../src/sync/webhook.js';
import { makeRepo } from './git-helpers.js';
import type { RunningController } from './harness.js';
import { configMap, getApp, type Harness, startHarness, waitFor } from './harness.js';

let h: Harness;
let c: RunningController;

beforeAll(async () => {
  h = await startHarness({ node: false });
  c = await h.startController({ pollIntervalMs: 600_000 });
}, 30_000);

afterAll(async () => {
  await h?.close();
});

describe('refresh on push', () => {
  it('ensureApplication creates an automated app; a push is picked up at once through onPush', async () => {
    const repo = makeRepo(h.root, 'pushed');
    const sha1 = repo.commit({ 'staging/cm.yaml': configMap('cfg', { v: '1' }) });
    const app = await ensureApplication(h.client, {
      name: 'pushed',
      repoURL: repo.url,
      path: 'staging',
      targetRevision: 'main',
      namespace: 'pushed',
    });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    await waitFor(
      'first sync',
      async () => (await getApp(h.client, 'pushed')).status?.sync?.revision === sha1,
    );
    const sha2 = repo.commit({ 'staging/cm.yaml': configMap('cfg', { v: '2' }) });
    await new Promise((r) => setTimeout(r, 500));
    // The poll is 10 minutes away: nothing moves without the webhook.
    expect((await getApp(h.client, 'pushed')).status?.sync?.revision).toBe(sha1);
    const t0 = Date.now();
    c.controller.onPush({ repoURLs: [`${repo.url}/`], ref: 'refs/heads/main', after: sha2 });
    await waitFor('synced after push', async () => {
      const s = (await getApp(h.client, 'pushed')).status;
      return s?.sync?.status === 'Synced' && s.sync.revision === sha2;
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await h.client.get(R.configmaps, 'pushed', 'cfg')).data).toEqual({ v: '2' });
    // Idempotent: the same call again leaves the spec (and so the generation) as it was.
    const again = await ensureApplication(h.client, {
      name: 'pushed',
      repoURL: repo.url,
      path: 'staging',
      targetRevision: 'main',
      namespace: 'pushed',
    });
    expect(again.metadata.generation).toBe(app.metadata.generation);
  });

  it('the refresh annotation (dashboard, CLI, a standby server) re-checks the repository and is removed', async () => {
    const repo = makeRepo(h.root, 'annotated');
    const sha1 = repo.commit({ 'staging/cm.yaml': configMap('cfg', { v: '1' }) });
    await ensureApplication(h.client, {
      name: 'annotated',
      repoURL: repo.url,
      path: 'staging',
      targetRevision: 'main',
      namespace: 'annotated',
    });
    await waitFor(
      'first sync',
      async () => (await getApp(h.client, 'annotated')).status?.sync?.revision === sha1,
    );
    const sha2 = repo.commit({ 'staging/cm.yaml': configMap('cfg', { v: '2' }) });
    await new Promise((r) => setTimeout(r, 500));
    expect((await getApp(h.client, 'annotated')).status?.sync?.revision).toBe(sha1);
    await expect(requestRefresh(h.client, 'missing')).rejects.toThrow(/application 'missing' not found/);
    const names = await requestRefreshOfRepos(h.client, [`${repo.url}/`], sameRepo);
    expect(names).toEqual(['annotated']);
    await waitFor('synced after the refresh annotation', async () => {
      const a = await getApp(h.client, 'annotated');
      return (
        a.status?.sync?.status === 'Synced' &&
        a.status.sync.revision === sha2 &&
        a.metadata.annotations?.[REFRESH_ANNOTATION] === undefined
      );
    });
    expect((await h.client.get(R.configmaps, 'annotated', 'cfg')).data).toEqual({ v: '2' });
  });
});
