// Sync metrics and events through the real Application controller (real git, in-process control
// plane, HTTPS /metrics): argocd_app_sync_total, gantry_app_sync_duration_seconds,
// argocd_app_reconcile, argocd_app_info (gone once the app is deleted), argocd_git_request_* with
// credentials kept out of the repo label; OperationStarted / OperationCompleted / ResourceUpdated
// events listed with kubectl's field selectors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import { makeRepo, serveGitHttp } from '../sync/git-helpers.js';
import { application, configMap, getApp, type Harness, startHarness, waitFor } from '../sync/harness.js';
import { httpsGet, samples, total } from './prom.js';

let h: Harness;
let http: HttpClient;

beforeAll(async () => {
  h = await startHarness({ node: false });
  await h.startController();
  http = new HttpClient({ server: h.cp.url, token: h.cp.adminToken, caPem: h.cp.caPem });
}, 30_000);

afterAll(async () => {
  await h?.close();
});

async function scrape(): Promise<string> {
  const r = await httpsGet(`${h.cp.url}/metrics`, { ca: h.cp.caPem, token: h.cp.adminToken });
  expect(r.status).toBe(200);
  return r.body;
}

async function syncedAt(name: string, sha: string): Promise<void> {
  await waitFor(`${name} Synced at ${sha.slice(0, 7)}`, async () => {
    const s = (await getApp(h.client, name)).status ?? {};
    return s.sync?.status === 'Synced' && s.sync.revision === sha && s.operationState?.phase === 'Succeeded';
  });
}

async function appEvents(
  name: string,
  extra = '',
): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await http.list(R.events, {
    namespace: 'gantry',
    fieldSelector: `involvedObject.kind=Application,involvedObject.name=${name}${extra}`,
  });
  return list.items.map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
}

describe('sync metrics and events', () => {
  it('counts a sync, reports the app and its git requests, and records the sync events', async () => {
    const repo = makeRepo(h.root, 'metrics');
    const sha1 = repo.commit({ 'cm.yaml': configMap('c', { v: '1' }) });
    const before = await scrape();
    await h.client.create(R.applications, application('metrics', repo.url, { namespace: 'metrics-ns' }));
    await syncedAt('metrics', sha1);
    const sha2 = repo.commit({ 'cm.yaml': configMap('c', { v: '2' }) }, 'bump');
    await syncedAt('metrics', sha2);

    const after = await waitFor('app info Synced', async () => {
      const t = await scrape();
      return total(t, 'argocd_app_info', { name: 'metrics', sync_status: 'Synced' }) === 1 ? t : undefined;
    });
    const delta = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(
      delta('argocd_app_sync_total', {
        name: 'metrics',
        namespace: 'gantry',
        project: 'default',
        phase: 'Succeeded',
      }),
    ).toBe(2);
    expect(delta('gantry_app_sync_duration_seconds_count', { name: 'metrics', phase: 'Succeeded' })).toBe(2);
    expect(delta('argocd_app_reconcile_count', { namespace: 'gantry' })).toBeGreaterThanOrEqual(2);
    expect(samples(after, 'argocd_app_info', { name: 'metrics' })).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({
          namespace: 'gantry',
          project: 'default',
          repo: repo.url,
          dest_namespace: 'metrics-ns',
          sync_status: 'Synced',
          health_status: 'Healthy',
        }),
      }),
    ]);
    expect(
      delta('argocd_git_request_total', { repo: repo.url, request_type: 'ls-remote' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      delta('argocd_git_request_total', { repo: repo.url, request_type: 'fetch' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      delta('argocd_git_request_duration_seconds_count', { repo: repo.url, request_type: 'fetch' }),
    ).toBeGreaterThanOrEqual(2);

    const events = await waitFor('completed events', async () => {
      const ev = await appEvents('metrics');
      return ev.filter((e) => e.reason === 'OperationCompleted').length === 2 ? ev : undefined;
    });
    expect(events).toEqual(
      expect.arrayContaining([
        {
          reason: 'OperationStarted',
          type: 'Normal',
          message: `Initiated automated sync to ${sha1.slice(0, 7)}`,
        },
        {
          reason: 'OperationStarted',
          type: 'Normal',
          message: `Initiated automated sync to ${sha2.slice(0, 7)}`,
        },
        {
          reason: 'OperationCompleted',
          type: 'Normal',
          message: `Sync operation to ${sha2.slice(0, 7)} succeeded`,
        },
        { reason: 'ResourceUpdated', type: 'Normal', message: 'Updated sync status: Synced -> OutOfSync' },
        { reason: 'ResourceUpdated', type: 'Normal', message: 'Updated sync status: OutOfSync -> Synced' },
      ]),
    );
    // kubectl get events --field-selector reason=…,type=…
    const started = await appEvents('metrics', ',reason=OperationStarted,type=Normal');
    expect(started.map((e) => e.reason)).toEqual(['OperationStarted', 'OperationStarted']);

    // a deleted app leaves no argocd_app_info series behind
    await h.client.delete(R.applications, 'gantry', 'metrics');
    await waitFor('app info gone', async () =>
      samples(await scrape(), 'argocd_app_info', { name: 'metrics' }).length === 0 ? true : undefined,
    );
  });

  it('a failed sync counts as Failed with a Warning OperationCompleted event', async () => {
    const repo = makeRepo(h.root, 'failing');
    const sha = repo.commit({ 'cm.yaml': configMap('f', { v: '1' }) });
    const before = await scrape();
    // the destination namespace does not exist and may not be created: the apply fails
    await h.client.create(
      R.applications,
      application('failing', repo.url, { namespace: 'failing-missing', syncOptions: [] }),
    );
    await waitFor('sync failed', async () => {
      const s = (await getApp(h.client, 'failing')).status ?? {};
      return s.operationState?.phase === 'Failed';
    });
    const after = await scrape();
    const failed = (t: string) => total(t, 'argocd_app_sync_total', { name: 'failing', phase: 'Failed' });
    expect(failed(after) - failed(before)).toBeGreaterThanOrEqual(1);
    expect(total(after, 'argocd_app_sync_total', { name: 'failing', phase: 'Succeeded' })).toBe(0);
    const ev = await waitFor('warning event', async () => {
      const list = await appEvents('failing', ',reason=OperationCompleted,type=Warning');
      return list.length > 0 ? list : undefined;
    });
    expect(ev[0]?.message).toMatch(
      new RegExp(`^Sync operation to ${sha.slice(0, 7)} failed: .*failing-missing`),
    );
  });

  it('keeps credentials of a repository URL out of the git metrics', async () => {
    const repo = makeRepo(h.root, 'secretrepo');
    repo.commit({ 'cm.yaml': configMap('s', { v: '1' }) });
    const server = await serveGitHttp(h.root, { auth: { username: 'bot', password: 'tok-s3cret' } });
    try {
      const plain = server.urlOf('secretrepo.git');
      const withCreds = plain.replace('://', '://bot:tok-s3cret@');
      await h.client.create(R.applications, application('secretrepo', withCreds));
      const t = await waitFor('git requests counted', async () => {
        const x = await scrape();
        return total(x, 'argocd_git_request_total', { repo: plain, request_type: 'ls-remote' }) > 0
          ? x
          : undefined;
      });
      expect(t).not.toContain('tok-s3cret');
      expect(samples(t, 'argocd_app_info', { name: 'secretrepo' })[0]?.labels.repo).toBe(plain);
    } finally {
      await server.close();
    }
  });
});
