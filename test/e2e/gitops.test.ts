// GitOps end to end, as a new user would check it (issue 5 "What must hold end to end", issue 6
// end-to-end flow): a real `gantry up` (control plane, sync engine, webhook, local agent with runc,
// bridge network, nftables NodePorts) on a copy of the bundled demo, driven only through git
// (clone the demo's bare repository, commit, push), the webhook, kubectl and the gantry CLI
// functions; the effect is read from the Application (watched), the objects and the NodePorts.
// The daemon is isolated (own bridge, netns, nft tables, pod CIDR, runc root, NodePorts) so other
// tests can run beside it, and every run checks that nothing of it is left on the host.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppState, AppTimeline, describeState } from '../../bench/lib/app-timeline.js';
import type { GitWorkspace } from '../../bench/lib/git-workspace.js';
import {
  type Answer,
  type GitopsEnv,
  httpGet,
  probeNodePort,
  startGitopsEnv,
  versionOf,
  waitServing,
} from '../../bench/lib/gitops-env.js';
import { isApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import { appGet, appHistory } from '../../src/cli/app.js';
import { runPromote, runRollback } from '../../src/cli/promote.js';
import { R } from '../../src/client/resources.js';

const run = promisify(execFile);
const POLL_MS = 2000;
/** Scheduling noise on a shared 2-core machine, on top of one poll interval. */
const SLACK_MS = 2500;
const PROD_DEPLOY = 'manifests/production/web/deployment.yaml';
const PROD_DIR = 'manifests/production/web';

function configMap(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}

function capture(): { out: { write(s: string): void }; text(): string } {
  let text = '';
  return {
    out: {
      write: (s: string) => {
        text += s;
      },
    },
    text: () => text,
  };
}

/** What `gantry app …` runs with: the kubeconfig's client, captured output, a cache in the temp dir. */
function cli(env: GitopsEnv, c: ReturnType<typeof capture>) {
  return { client: env.client, out: c.out, err: c.out, cacheDir: `${env.dir}/cli-cache` };
}

async function getOrUndefined(env: GitopsEnv, res: typeof R.configmaps, ns: string, name: string) {
  try {
    return await env.client.get(res, ns, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw e;
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const syncedAt = (sha: string) => (s: AppState) => s.sync === 'Synced' && s.revision === sha;
const healthyAt = (sha: string) => (s: AppState) => syncedAt(sha)(s) && s.health === 'Healthy';

async function deploymentImage(env: GitopsEnv, ns: string): Promise<string | undefined> {
  const d = await env.client.get(R.deployments, ns, 'web');
  return d.spec?.template?.spec?.containers?.[0]?.image;
}

async function kubectl(env: GitopsEnv, ...args: string[]): Promise<string> {
  const r = await run('kubectl', args, {
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
    timeout: 30_000,
  });
  return r.stdout;
}

describe('GitOps end to end with polling (gantry up, poll every 2 s)', () => {
  let env: GitopsEnv;
  let work: GitWorkspace;
  let prod: AppTimeline;
  let staging: AppTimeline;
  /** A NodePort prober still running when a test failed halfway. */
  let prober: ReturnType<typeof probeNodePort> | undefined;

  beforeAll(async () => {
    env = await startGitopsEnv({
      pollMs: POLL_MS,
      apps: ['production/web', 'staging/web'],
      extraFiles: { 'production/web/settings.yaml': configMap('web-settings', { greeting: 'hello' }) },
    });
    prod = await AppTimeline.start(env.client, 'web-production');
    staging = await AppTimeline.start(env.client, 'web-staging');
    const head = await (await env.clone('probe')).head();
    await prod.waitFor(healthyAt(head), 'web-production Synced and Healthy', 90_000);
    await staging.waitFor(healthyAt(head), 'web-staging Synced and Healthy', 90_000);
    await waitServing(env.nodePort('production/web'), 'v1', { timeoutMs: 30_000 });
    await waitServing(env.nodePort('staging/web'), 'v2', { timeoutMs: 30_000 });
    work = await env.clone();
  }, 180_000);

  afterAll(async () => {
    await prober?.stop();
    prod?.stop();
    staging?.stop();
    const left = await env?.stop();
    expect(left ?? []).toEqual([]);
  }, 120_000);

  it('promotes web staging → production with --merge, then rolls back by git revert', async () => {
    const port = env.nodePort('production/web');
    const v1ReplicaSets = (await env.client.list(R.replicasets, { namespace: 'production' })).items;
    expect(v1ReplicaSets).toHaveLength(1);
    const v1Rs = v1ReplicaSets[0]!;

    // promote: a commit on promote/web/staging-to-production-<sha>, merged into main and pushed;
    // users keep hitting production all along
    prober = probeNodePort(port, 50);
    const p = capture();
    const mark = prod.mark();
    const code = await runPromote(
      { client: env.client, out: p.out, err: p.out, tmpRoot: `${env.dir}/promote` },
      'web',
      { from: 'staging', to: 'production', merge: true },
    );
    expect(code, p.text()).toBe(0);
    expect(p.text()).toMatch(/demo\/web:v1"? -> "?gantry\.local\/demo\/web:v2/);
    const promoted = await work.pull();
    expect(await work.read(PROD_DEPLOY)).toContain('gantry.local/demo/web:v2');
    await prod.waitFor(healthyAt(promoted), 'production Healthy at the promotion', 90_000, mark);
    await waitServing(port, 'v2', { timeoutMs: 30_000 });
    expect(await deploymentImage(env, 'production')).toBe('gantry.local/demo/web:v2');

    // rollback: git revert of the promotion, pushed; the old ReplicaSet comes back
    const r = capture();
    const mark2 = prod.mark();
    expect(
      await runRollback(
        { client: env.client, out: r.out, err: r.out, tmpRoot: `${env.dir}/rollback` },
        'web',
        {
          env: 'production',
        },
      ),
      r.text(),
    ).toBe(0);
    expect(r.text()).toContain(promoted.slice(0, 7));
    const reverted = await work.pull();
    expect(reverted).not.toBe(promoted);
    expect(await work.read(PROD_DEPLOY)).toContain('gantry.local/demo/web:v1');
    await prod.waitFor(healthyAt(reverted), 'production Healthy at the revert', 90_000, mark2);
    await waitServing(port, 'v1', { timeoutMs: 30_000 });
    const answers = await prober.stop();
    const failed = answers.filter((a: Answer) => a.v !== 'v1' && a.v !== 'v2');
    expect(answers.length).toBeGreaterThan(50);
    expect(failed, `${failed.length} of ${answers.length} requests failed`).toEqual([]);
    const rsAfter = (await env.client.list(R.replicasets, { namespace: 'production' })).items;
    const active = rsAfter.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    expect(active.map((rs) => rs.metadata.uid)).toEqual([v1Rs.metadata.uid]);
    // automated sync stays on after a rollback
    const app = await env.client.get(R.applications, 'gantry', 'web-production');
    expect(app.spec?.syncPolicy?.automated).toBeTruthy();

    // history: the initial sync, the promotion, the rollback — in that order
    const h = capture();
    expect(await appHistory(cli(env, h), 'web-production')).toBe(0);
    const shas = [promoted, reverted].map((s) => s.slice(0, 7));
    console.info(`gantry app history web-production:\n${h.text()}`);
    const rows = h.text().split('\n');
    const iPromoted = rows.findIndex((l) => l.includes(shas[0]!));
    const iReverted = rows.findIndex((l) => l.includes(shas[1]!));
    expect(iPromoted, h.text()).toBeGreaterThan(1);
    expect(iReverted, h.text()).toBeGreaterThan(iPromoted);
    // the rollback's row says what it reverted
    expect(rows[iReverted], h.text()).toMatch(new RegExp(`\\(${shas[1]}\\)\\s+${shas[0]}\\s*$`));
  }, 240_000);

  it('an image tag change is picked up within one poll: OutOfSync → Syncing → Synced/Progressing → Healthy, v3 served', async () => {
    const port = env.nodePort('production/web');
    expect(versionOf(await httpGet(port))).toBe('v1');
    await work.replace(PROD_DEPLOY, 'gantry.local/demo/web:v1', 'gantry.local/demo/web:v3');
    const mark = prod.mark();
    const pushedAt = performance.now();
    const sha = await work.commitAndPush('web production: v3');

    const seen = await prod.waitFor((s) => s.revision === sha, 'the new revision', POLL_MS + SLACK_MS, mark);
    console.info(
      `poll every ${POLL_MS} ms: push → new revision seen in ${(seen.at - pushedAt).toFixed(0)} ms`,
    );
    expect(seen.at - pushedAt).toBeLessThanOrEqual(POLL_MS + SLACK_MS);
    await prod.waitFor(healthyAt(sha), 'Healthy at the new revision', 90_000, mark);
    const trail = prod.since(mark).filter((s) => s.revision === sha || s.opRevision === sha);
    const text = trail.map(describeState).join(' → ');
    console.info(`web-production: ${text}`);
    const iOut = trail.findIndex((s) => s.sync === 'OutOfSync');
    const iSyncing = trail.findIndex((s) => s.phase === 'Running' && s.opRevision === sha);
    const iSynced = trail.findIndex((s) => s.sync === 'Synced');
    const iHealthy = trail.findIndex((s) => s.sync === 'Synced' && s.health === 'Healthy');
    expect(iOut, text).toBeGreaterThanOrEqual(0);
    expect(iSyncing, text).toBeGreaterThanOrEqual(iOut);
    expect(iSynced, text).toBeGreaterThan(iOut);
    expect(iHealthy, text).toBeGreaterThanOrEqual(iSynced);
    // the sync finished before the rollout did: Synced while the Deployment was still Progressing
    expect(
      trail.some((s) => s.sync === 'Synced' && s.health === 'Progressing'),
      text,
    ).toBe(true);
    await waitServing(port, 'v3', { timeoutMs: 30_000 });
    expect(await deploymentImage(env, 'production')).toBe('gantry.local/demo/web:v3');
  }, 120_000);

  it('a commit with one broken manifest among valid ones applies nothing and names the file and line; the next good commit syncs', async () => {
    const before = await env.client.get(R.configmaps, 'production', 'web-settings');
    await work.write(`${PROD_DIR}/settings.yaml`, configMap('web-settings', { greeting: 'bonjour' }));
    await work.write(`${PROD_DIR}/feature.yaml`, configMap('web-feature', { enabled: 'true' }));
    const broken = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web-broken',
      'spec:',
      '  ports:',
      '    - name: http',
      '      port: eighty',
    ].join('\n');
    await work.write(`${PROD_DIR}/broken.yaml`, `${broken}\n`);
    const mark = prod.mark();
    const bad = await work.commitAndPush('web production: settings, feature flag and a broken service');

    const rejected = await prod.waitFor(
      (s) => s.revision === bad && s.conditions.some((c) => c.startsWith('ComparisonError')),
      'the revision rejected',
      POLL_MS + SLACK_MS + 5000,
      mark,
    );
    const cond = rejected.conditions.find((c) => c.startsWith('ComparisonError'))!;
    expect(cond).toContain(`${PROD_DIR}/broken.yaml:8`);
    expect(cond).toContain('nothing applied');

    // `gantry app get web-production` tells the user the same
    const out = capture();
    expect(await appGet(cli(env, out), 'web-production')).toBe(0);
    expect(out.text()).toContain(`${PROD_DIR}/broken.yaml:8`);
    expect(out.text()).toMatch(/spec\.ports\[0\]\.port|ports\.0\.port|port/);

    // two more polls: still nothing of that revision in the cluster
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    const after = await env.client.get(R.configmaps, 'production', 'web-settings');
    expect(after.data).toEqual(before.data);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await getOrUndefined(env, R.configmaps, 'production', 'web-feature')).toBeUndefined();
    expect(await getOrUndefined(env, R.services, 'production', 'web-broken')).toBeUndefined();
    expect(prod.since(mark).some((s) => s.phase === 'Running' && s.opRevision === bad)).toBe(false);

    // the fix: the next good commit syncs all of it
    await work.replace(`${PROD_DIR}/broken.yaml`, 'port: eighty', 'port: 80');
    const good = await work.commitAndPush('web production: fix the service port');
    await prod.waitFor(syncedAt(good), 'Synced at the fixed revision', POLL_MS + SLACK_MS + 10_000, mark);
    expect((await env.client.get(R.configmaps, 'production', 'web-settings')).data).toEqual({
      greeting: 'bonjour',
    });
    expect((await env.client.get(R.configmaps, 'production', 'web-feature')).data).toEqual({
      enabled: 'true',
    });
    expect((await env.client.get(R.services, 'production', 'web-broken')).spec?.ports?.[0]?.port).toBe(80);
    expect(prod.current?.conditions.some((c) => c.startsWith('ComparisonError'))).toBe(false);
  }, 120_000);

  it('a manifest removed from git is pruned with prune on, and reported as extra and kept with prune off', async () => {
    // prune on (the demo's policy)
    await work.remove(`${PROD_DIR}/feature.yaml`);
    const mark = prod.mark();
    const pruned = await work.commitAndPush('web production: drop the feature flag');
    await prod.waitFor(syncedAt(pruned), 'Synced after the removal', POLL_MS + SLACK_MS + 10_000, mark);
    await until(
      'web-feature deleted',
      async () => ((await getOrUndefined(env, R.configmaps, 'production', 'web-feature')) ? undefined : true),
      5000,
    );

    // prune off: patch the Application's syncPolicy as a user would
    await env.client.patch(R.applications, 'gantry', 'web-production', 'merge', {
      spec: { syncPolicy: { automated: { prune: false, selfHeal: true } } },
    });
    const settings = await env.client.get(R.configmaps, 'production', 'web-settings');
    await work.remove(`${PROD_DIR}/settings.yaml`);
    const mark2 = prod.mark();
    const kept = await work.commitAndPush('web production: drop the settings');
    const extra = await prod.waitFor(
      (s) => s.revision === kept && s.sync === 'OutOfSync',
      'OutOfSync with an extra resource',
      POLL_MS + SLACK_MS + 5000,
      mark2,
    );
    const resources = (extra.app.status?.resources ?? []) as {
      kind: string;
      name: string;
      status: string;
      requiresPruning?: boolean;
      reason?: string;
    }[];
    expect(resources.find((r) => r.kind === 'ConfigMap' && r.name === 'web-settings')).toMatchObject({
      status: 'OutOfSync',
      requiresPruning: true,
    });
    // a few polls later it is still there, untouched, and still reported
    await new Promise((r) => setTimeout(r, 2 * POLL_MS + 500));
    const still = await env.client.get(R.configmaps, 'production', 'web-settings');
    expect(still.metadata.uid).toBe(settings.metadata.uid);
    expect(still.metadata.deletionTimestamp).toBeUndefined();
    const app = await env.client.get(R.applications, 'gantry', 'web-production');
    expect(app.status?.sync?.status).toBe('OutOfSync');
    const out = capture();
    await appGet(cli(env, out), 'web-production');
    expect(out.text()).toMatch(/ConfigMap\s+production\s+web-settings\s+OutOfSync/);

    // prune back on: now it goes, and the app is Synced
    const mark3 = prod.mark();
    await env.client.patch(R.applications, 'gantry', 'web-production', 'merge', {
      spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } },
    });
    await prod.waitFor(syncedAt(kept), 'Synced once prune is back on', POLL_MS + SLACK_MS + 10_000, mark3);
    await until(
      'web-settings deleted',
      async () =>
        (await getOrUndefined(env, R.configmaps, 'production', 'web-settings')) ? undefined : true,
      5000,
    );
  }, 120_000);

  // The controller writes OutOfSync before it starts a self-heal (src/sync/reconcile.ts maybeStart);
  // before that it could heal within the pass that saw the drift and the OutOfSync state was never
  // stored (~1 run in 3). The retry stays for the revert's deadline on a loaded machine.
  it('self-heal: kubectl scale of a synced Deployment is reverted within one poll', {
    retry: 2,
    timeout: 90_000,
  }, async () => {
    // start from a settled app: no sync operation still running (it would re-apply the
    // Deployment as part of its own work, and that is not self-heal)
    await prod.waitFor(
      (s) => s.sync === 'Synced' && s.phase !== 'Running' && s.health === 'Healthy',
      'Synced, Healthy, no operation running',
      30_000,
      prod.mark() - 1,
    );
    const before = await env.client.get(R.deployments, 'production', 'web');
    expect(before.spec?.replicas).toBe(3);
    const mark = prod.mark();
    const scaledAt = performance.now();
    await kubectl(env, '-n', 'production', 'scale', 'deployment/web', '--replicas=1');
    const reverted = await until(
      'replicas back at 3',
      async () => {
        const d: KObject = await env.client.get(R.deployments, 'production', 'web');
        return d.spec?.replicas === 3 && d.metadata.generation !== before.metadata.generation
          ? performance.now()
          : undefined;
      },
      POLL_MS + SLACK_MS,
    );
    expect(reverted - scaledAt).toBeLessThanOrEqual(POLL_MS + SLACK_MS);
    const trail = prod.since(mark);
    expect(
      trail.some((s) => s.sync === 'OutOfSync'),
      trail.map(describeState).join(' → '),
    ).toBe(true);
    await prod.waitFor(
      (s) => s.sync === 'Synced' && s.health === 'Healthy',
      'Synced and Healthy again',
      60_000,
      mark,
    );
    const out = await kubectl(
      env,
      '-n',
      'production',
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(out.trim()).toBe('3');
  });
});

describe('GitOps end to end with the webhook (poll every 120 s)', () => {
  let env: GitopsEnv;
  let work: GitWorkspace;
  let prod: AppTimeline;

  beforeAll(async () => {
    env = await startGitopsEnv({ pollMs: 120_000, apps: ['production/web'], label: 'hook' });
    prod = await AppTimeline.start(env.client, 'web-production');
    work = await env.clone();
    await prod.waitFor(healthyAt(await work.head()), 'web-production Synced and Healthy', 90_000);
  }, 180_000);

  afterAll(async () => {
    prod?.stop();
    const left = await env?.stop();
    expect(left ?? []).toEqual([]);
  }, 120_000);

  it('a badly signed push event is refused with 401 and changes nothing', async () => {
    await work.replace(PROD_DEPLOY, 'gantry.local/demo/web:v1', 'gantry.local/demo/web:v2');
    const sha = await work.commitAndPush('web production: v2');
    const mark = prod.mark();
    const res = await env.webhookPush(sha, { secret: 'not-the-secret' });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 3000));
    expect(prod.since(mark).some((s) => s.revision === sha)).toBe(false);
    expect(await deploymentImage(env, 'production')).toBe('gantry.local/demo/web:v1');
  }, 60_000);

  it('a signed GitHub push event syncs the pushed commit in well under a second', async () => {
    // the commit from the previous test is still waiting for the next poll (two minutes away)
    const sha = await work.head();
    const mark = prod.mark();
    const t0 = performance.now();
    const res = await env.webhookPush(sha);
    expect(res.status, res.body).toBe(200);
    const synced = await prod.waitFor(syncedAt(sha), 'Synced at the pushed commit', 5000, mark);
    const latency = synced.at - t0;
    console.info(`webhook POST → Synced: ${latency.toFixed(0)} ms`);
    expect(latency).toBeLessThan(1000);
    await prod.waitFor(healthyAt(sha), 'Healthy at the pushed commit', 90_000, mark);
    await waitServing(env.nodePort('production/web'), 'v2', { timeoutMs: 30_000 });

    // and once more end to end: push → webhook → Synced
    await work.replace(PROD_DEPLOY, 'gantry.local/demo/web:v2', 'gantry.local/demo/web:v3');
    const mark2 = prod.mark();
    const t1 = performance.now();
    const sha2 = await work.commitAndPush('web production: v3');
    expect((await env.webhookPush(sha2)).status).toBe(200);
    const synced2 = await prod.waitFor(syncedAt(sha2), 'Synced at the second push', 5000, mark2);
    console.info(`git push + webhook → Synced: ${(synced2.at - t1).toFixed(0)} ms`);
    expect(synced2.at - t1).toBeLessThan(2500);
    await waitServing(env.nodePort('production/web'), 'v3', { timeoutMs: 60_000 });
  }, 120_000);
});
