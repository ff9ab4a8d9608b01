// The Application controller end to end: real git (file:// and smart HTTP), the in-process control
// plane with its controllers and scheduler, and a fake node.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../src/client/resources.js';
import { LAST_APPLIED_GANTRY, TRACKING_ANNOTATION, TRACKING_LABEL } from '../../src/diff/index.js';
import type { ApplicationStatus } from '../../src/sync/types.js';
import { makeRepo, serveGitHttp } from './git-helpers.js';
import {
  application,
  configMap,
  deployment,
  ensureNs,
  getApp,
  getOrUndefined,
  type Harness,
  startHarness,
  waitFor,
} from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.startController();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

const statusOf = async (name: string): Promise<ApplicationStatus> =>
  (await getApp(h.client, name)).status ?? {};

async function syncedAt(name: string, sha: string): Promise<ApplicationStatus> {
  return waitFor(`${name} Synced at ${sha.slice(0, 7)}`, async () => {
    const s = await statusOf(name);
    return s.sync?.status === 'Synced' && s.sync.revision === sha && s.operationState?.phase === 'Succeeded'
      ? s
      : undefined;
  });
}

describe('ApplicationController', () => {
  it('syncs a pushed image change: OutOfSync → Synced with the new image in the pod template', async () => {
    const repo = makeRepo(h.root, 'image');
    const sha1 = repo.commit({ 'web/deploy.yaml': deployment('web', 'nginx:1.25') });
    const seen: string[] = [];
    const watch = await h.client.watch(R.applications, { namespace: 'gantry' }, (e) => {
      if (e.object.metadata.name === 'image') {
        seen.push(`${e.object.status?.sync?.status}@${String(e.object.status?.sync?.revision).slice(0, 7)}`);
      }
    });
    try {
      await h.client.create(R.applications, application('image', repo.url, { path: 'web' }));
      const s1 = await syncedAt('image', sha1);
      expect(s1.sourceType).toBe('Directory');
      const d1 = await h.client.get(R.deployments, 'image', 'web');
      expect(d1.spec.template.spec.containers[0].image).toBe('nginx:1.25');
      expect(d1.metadata.labels?.[TRACKING_LABEL]).toBe('image');
      expect(d1.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('image:apps/Deployment:image/web');
      expect(d1.metadata.annotations?.[LAST_APPLIED_GANTRY]).toContain('nginx:1.25');

      const sha2 = repo.commit({ 'web/deploy.yaml': deployment('web', 'nginx:1.26') }, 'bump image');
      const s2 = await syncedAt('image', sha2);
      const d2 = await h.client.get(R.deployments, 'image', 'web');
      expect(d2.spec.template.spec.containers[0].image).toBe('nginx:1.26');
      expect(seen).toContain(`OutOfSync@${sha2.slice(0, 7)}`);
      expect(s2.history?.map((e) => e.revision)).toEqual([sha1, sha2]);
      expect(s2.resources).toEqual([
        expect.objectContaining({
          group: 'apps',
          kind: 'Deployment',
          namespace: 'image',
          name: 'web',
          status: 'Synced',
        }),
      ]);
      expect(s2.summary?.images).toEqual(['nginx:1.26']);
      // Converged: further polls start no operation and rewrite nothing.
      await new Promise((r) => setTimeout(r, 1000));
      const after = await statusOf('image');
      expect(after.operationState?.startedAt).toBe(s2.operationState?.startedAt);
      expect(after.history).toHaveLength(2);
      expect((await h.client.get(R.deployments, 'image', 'web')).metadata.resourceVersion).toBe(
        d2.metadata.resourceVersion,
      );
      const events = await h.client.list(R.events, { namespace: 'gantry' });
      expect(events.items.some((e) => e.reason === 'OperationCompleted')).toBe(true);
    } finally {
      watch.stop();
    }
  });

  it('rejects a revision with one broken manifest: nothing applied, status names file:line:field; next good commit syncs', async () => {
    const repo = makeRepo(h.root, 'broken');
    const sha1 = repo.commit({
      'm/a.yaml': configMap('a', { v: '1' }),
      'm/web.yaml': deployment('web', 'nginx:1.25'),
    });
    await h.client.create(R.applications, application('broken', repo.url, { path: 'm' }));
    await syncedAt('broken', sha1);
    const bad = deployment('web', 'nginx:9.9').replace('replicas: 2', 'replicas: "three"');
    const sha2 = repo.commit({
      'm/a.yaml': configMap('a', { v: '2' }),
      'm/b.yaml': configMap('b', { v: '1' }),
      'm/web.yaml': bad,
    });
    const s2 = await waitFor('ComparisonError', async () => {
      const s = await statusOf('broken');
      return s.conditions?.find((c) => c.type === 'ComparisonError' && s.sync?.revision === sha2)
        ? s
        : undefined;
    });
    const message = s2.conditions?.find((c) => c.type === 'ComparisonError')?.message ?? '';
    expect(message).toContain('m/web.yaml:6: spec.replicas: Invalid value');
    expect(message).toContain(`live state stays at ${sha1.slice(0, 7)}`);
    expect(s2.sync?.status).toBe('Unknown');
    await new Promise((r) => setTimeout(r, 700)); // a couple of polls: still nothing applied
    expect((await h.client.get(R.configmaps, 'broken', 'a')).data).toEqual({ v: '1' });
    expect(await getOrUndefined(h.client, R.configmaps, 'broken', 'b')).toBeUndefined();
    expect((await h.client.get(R.deployments, 'broken', 'web')).spec.template.spec.containers[0].image).toBe(
      'nginx:1.25',
    );

    const sha3 = repo.commit({ 'm/web.yaml': deployment('web', 'nginx:1.27') }, 'fix');
    const s3 = await syncedAt('broken', sha3);
    expect(s3.conditions?.some((c) => c.type === 'ComparisonError')).toBe(false);
    expect((await h.client.get(R.configmaps, 'broken', 'b')).data).toEqual({ v: '1' });
    expect((await h.client.get(R.deployments, 'broken', 'web')).spec.template.spec.containers[0].image).toBe(
      'nginx:1.27',
    );
  });

  it('prunes a removed manifest with prune on, never touching objects the app does not own', async () => {
    const repo = makeRepo(h.root, 'prune-on');
    const sha1 = repo.commit({
      'a.yaml': configMap('a', { v: '1' }),
      'b.yaml': configMap('b', { v: '1' }),
      'keep.yaml': configMap('keep', { v: '1' }, { 'argocd.argoproj.io/sync-options': 'Prune=false' }),
    });
    await h.client.create(R.applications, application('prune-on', repo.url));
    await syncedAt('prune-on', sha1);
    // Not ours: no label at all, and a label copied from somewhere without our tracking id.
    await h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'foreign', namespace: 'prune-on' },
    });
    await h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'lookalike', namespace: 'prune-on', labels: { [TRACKING_LABEL]: 'prune-on' } },
    });
    const sha2 = repo.commit({ 'b.yaml': null, 'keep.yaml': null }, 'remove b');
    await waitFor(
      'b pruned',
      async () => (await getOrUndefined(h.client, R.configmaps, 'prune-on', 'b')) === undefined,
    );
    const s = await waitFor('prune op finished', async () => {
      const st = await statusOf('prune-on');
      return st.operationState?.syncResult.revision === sha2 && st.operationState.phase === 'Succeeded'
        ? st
        : undefined;
    });
    const results = s.operationState?.syncResult.resources ?? [];
    expect(results.find((r) => r.name === 'b')).toMatchObject({ status: 'Pruned' });
    expect(results.find((r) => r.name === 'keep')).toMatchObject({ status: 'PruneSkipped' });
    for (const name of ['a', 'keep', 'foreign', 'lookalike']) {
      expect(await getOrUndefined(h.client, R.configmaps, 'prune-on', name)).toBeDefined();
    }
    expect(s.resources?.find((r) => r.name === 'keep')).toMatchObject({
      status: 'OutOfSync',
      reason: 'Extra',
    });
    expect(s.resources?.some((r) => r.name === 'foreign' || r.name === 'lookalike')).toBe(false);
  });

  it('with prune off, a removed manifest is reported OutOfSync (Extra) and left alone', async () => {
    const repo = makeRepo(h.root, 'prune-off');
    const sha1 = repo.commit({ 'a.yaml': configMap('a', { v: '1' }), 'b.yaml': configMap('b', { v: '1' }) });
    await h.client.create(
      R.applications,
      application('prune-off', repo.url, { automated: { prune: false } }),
    );
    await syncedAt('prune-off', sha1);
    const sha2 = repo.commit({ 'b.yaml': null }, 'remove b');
    const s = await waitFor('Extra reported', async () => {
      const st = await statusOf('prune-off');
      return st.sync?.revision === sha2 && st.operationState?.syncResult.revision === sha2 && isDone(st)
        ? st
        : undefined;
    });
    expect(s.sync?.status).toBe('OutOfSync');
    expect(s.resources?.find((r) => r.name === 'b')).toMatchObject({
      status: 'OutOfSync',
      reason: 'Extra',
      requiresPruning: true,
    });
    expect(s.operationState?.syncResult.resources.find((r) => r.name === 'b')).toMatchObject({
      status: 'PruneSkipped',
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(await getOrUndefined(h.client, R.configmaps, 'prune-off', 'b')).toBeDefined();
  });

  it('self-heal reverts a kubectl scale within a couple of seconds; without selfHeal the drift is only reported', async () => {
    const repo = makeRepo(h.root, 'heal');
    const sha = repo.commit({ 'web.yaml': deployment('web', 'nginx:1.25', 2) });
    await h.client.create(
      R.applications,
      application('heal', repo.url, { automated: { prune: true, selfHeal: true } }),
    );
    await h.client.create(R.applications, application('noheal', repo.url, { automated: { prune: true } }));
    await syncedAt('heal', sha);
    await syncedAt('noheal', sha);
    await new Promise((r) => setTimeout(r, 1100)); // past the grace after the last sync
    // every version of the Application written from here on (a watch sees each one)
    const healSeen: string[] = [];
    const healWatch = await h.client.watch(R.applications, { namespace: 'gantry' }, (e) => {
      if (e.object.metadata.name === 'heal') {
        healSeen.push(String(e.object.status?.sync?.status));
      }
    });
    const t0 = Date.now();
    try {
      await h.client.patch(
        R.deployments,
        'heal',
        'web',
        'merge',
        { spec: { replicas: 5 } },
        { subresource: 'scale' },
      );
      await waitFor(
        'replicas reverted',
        async () => (await h.client.get(R.deployments, 'heal', 'web')).spec.replicas === 2,
        5000,
      );
      expect(Date.now() - t0).toBeLessThan(3000);
      await syncedAt('heal', sha);
    } finally {
      healWatch.stop();
    }
    // the drift was shown (status and Event) before it was reverted, however fast the heal
    expect(healSeen).toContain('OutOfSync');
    expect(healSeen.at(-1)).toBe('Synced');
    const healEvents = await h.client.list(R.events, {
      namespace: 'gantry',
      fieldSelector: 'involvedObject.name=heal,reason=ResourceUpdated',
    });
    expect(healEvents.items.map((e) => e.message)).toContain('Updated sync status: Synced -> OutOfSync');

    await h.client.patch(
      R.deployments,
      'noheal',
      'web',
      'merge',
      { spec: { replicas: 5 } },
      { subresource: 'scale' },
    );
    const s = await waitFor('drift reported', async () => {
      const st = await statusOf('noheal');
      return st.sync?.status === 'OutOfSync' ? st : undefined;
    });
    expect(s.resources?.find((r) => r.name === 'web')?.status).toBe('OutOfSync');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await h.client.get(R.deployments, 'noheal', 'web')).spec.replicas).toBe(5);
  });

  it('self-heal of a ConfigMap edit (healed within one pass) still shows OutOfSync and its Event first', async () => {
    const repo = makeRepo(h.root, 'heal-cm');
    const sha = repo.commit({ 'cm.yaml': configMap('cfg', { v: '1' }) });
    await h.client.create(
      R.applications,
      application('heal-cm', repo.url, { automated: { prune: true, selfHeal: true } }),
    );
    await syncedAt('heal-cm', sha);
    await new Promise((r) => setTimeout(r, 1100)); // past the grace after the last sync
    const seen: string[] = [];
    const watch = await h.client.watch(R.applications, { namespace: 'gantry' }, (e) => {
      if (e.object.metadata.name === 'heal-cm') {
        seen.push(String(e.object.status?.sync?.status));
      }
    });
    try {
      await h.client.patch(R.configmaps, 'heal-cm', 'cfg', 'merge', { data: { v: 'edited' } });
      await waitFor(
        'edit reverted',
        async () => (await h.client.get(R.configmaps, 'heal-cm', 'cfg')).data?.v === '1',
        5000,
      );
      await syncedAt('heal-cm', sha);
    } finally {
      watch.stop();
    }
    expect(seen).toContain('OutOfSync');
    const events = await h.client.list(R.events, {
      namespace: 'gantry',
      fieldSelector: 'involvedObject.name=heal-cm,reason=ResourceUpdated',
    });
    expect(events.items.map((e) => e.message)).toContain('Updated sync status: Synced -> OutOfSync');
  });

  it('syncs over smart HTTP with credentials from a repository Secret', async () => {
    const repo = makeRepo(h.root, 'http');
    const sha = repo.commit({ 'cm.yaml': configMap('over-http', { v: '1' }) });
    const server = await serveGitHttp(h.root, { auth: { username: 'bot', password: 'tok-123' } });
    try {
      const url = server.urlOf('http.git');
      await h.client.create(R.applications, application('http', url));
      await waitFor('auth failure reported', async () => {
        const s = await statusOf('http');
        return s.conditions?.find((c) => c.type === 'ComparisonError' && c.message.startsWith('AuthFailed'));
      });
      await h.client.create(R.secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'repo-http',
          namespace: 'gantry',
          labels: { 'argocd.argoproj.io/secret-type': 'repository' },
        },
        stringData: { url, username: 'bot', password: 'tok-123' },
      });
      const s = await syncedAt('http', sha);
      expect(JSON.stringify(s)).not.toContain('tok-123');
      expect((await h.client.get(R.configmaps, 'http', 'over-http')).data).toEqual({ v: '1' });
    } finally {
      await server.close();
    }
  });

  it('an unreachable repository is reported; the live state stays; recovery resumes', async () => {
    const repo = makeRepo(h.root, 'flaky');
    const sha = repo.commit({ 'cm.yaml': configMap('c', { v: '1' }) });
    await h.client.create(R.applications, application('flaky', repo.url));
    await syncedAt('flaky', sha);
    const moved = join(h.root, 'flaky-moved.git');
    renameSync(repo.bare, moved);
    const s = await waitFor('Unreachable reported', async () => {
      const st = await statusOf('flaky');
      return st.conditions?.find((c) => c.type === 'ComparisonError' && c.message.startsWith('Unreachable'))
        ? st
        : undefined;
    });
    expect(s.sync?.status).toBe('Unknown');
    expect(s.history?.at(-1)?.revision).toBe(sha);
    expect((await h.client.get(R.configmaps, 'flaky', 'c')).data).toEqual({ v: '1' });
    renameSync(moved, repo.bare);
    await waitFor('recovered', async () => {
      const st = await statusOf('flaky');
      return st.sync?.status === 'Synced' && !st.conditions?.some((c) => c.type === 'ComparisonError');
    });
  });

  it('a manual sync via the operation field, and a deny window that blocks automated syncs', async () => {
    const repo = makeRepo(h.root, 'manual');
    const sha = repo.commit({ 'cm.yaml': configMap('m', { v: '1' }) });
    await h.client.create(R.applications, application('manual', repo.url, { automated: false }));
    const s0 = await waitFor('OutOfSync without sync', async () => {
      const st = await statusOf('manual');
      return st.sync?.status === 'OutOfSync' ? st : undefined;
    });
    expect(s0.operationState).toBeUndefined();
    expect(s0.resources?.[0]).toMatchObject({ name: 'm', status: 'OutOfSync', reason: 'Missing' });
    await h.client.patch(R.applications, 'gantry', 'manual', 'merge', {
      operation: { sync: { revision: 'main', prune: true }, initiatedBy: { username: 'alice' } },
    });
    const s1 = await syncedAt('manual', sha);
    expect(s1.history?.at(-1)?.initiatedBy).toEqual({ username: 'alice' });
    await waitFor('operation cleared', async () => (await getApp(h.client, 'manual')).operation == null);

    await ensureNs(h.client, 'blocked');
    await h.client.create(
      R.applications,
      application('blocked', repo.url, {
        syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h' }],
      }),
    );
    const s2 = await waitFor('blocked', async () => {
      const st = await statusOf('blocked');
      return st.conditions?.find((c) => c.type === 'SyncBlocked') ? st : undefined;
    });
    expect(s2.sync?.status).toBe('OutOfSync');
    expect(s2.conditions?.find((c) => c.type === 'SyncBlocked')?.message).toContain('deny');
    expect(await getOrUndefined(h.client, R.configmaps, 'blocked', 'm')).toBeUndefined();
  });
});

function isDone(s: ApplicationStatus): boolean {
  return s.operationState?.phase === 'Succeeded' || s.operationState?.phase === 'Failed';
}

describe('ApplicationController failures', () => {
  it('a failed apply fails the operation with the resource named, and the retry policy retries it', async () => {
    const repo = makeRepo(h.root, 'retry');
    const sha = repo.commit({ 'cm.yaml': configMap('r', { v: '1' }) });
    const app = application('retry', repo.url, { namespace: 'retry-missing', syncOptions: [] });
    app.spec.syncPolicy.retry = { limit: 5, backoff: { duration: '300ms', factor: 1, maxDuration: '1s' } };
    await h.client.create(R.applications, app);
    const failing = await waitFor('retrying after a failure', async () => {
      const s = await statusOf('retry');
      return (s.operationState?.retryCount ?? 0) >= 1 ? s : undefined;
    });
    expect(failing.operationState?.phase).toBe('Running');
    expect(failing.operationState?.message).toMatch(/ConfigMap retry-missing\/r: .*retrying attempt #\d/);
    await ensureNs(h.client, 'retry-missing');
    const s = await syncedAt('retry', sha);
    expect(s.operationState?.retryCount).toBeGreaterThanOrEqual(1);
    expect(await getOrUndefined(h.client, R.configmaps, 'retry-missing', 'r')).toBeDefined();
  });
});
