// The web dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core)
// against a real `gantry up` (control plane, sync engine, agent with runc pods) on a copy of the
// demo: log in with the tokened URL, read the Applications list, open an Application (tree, diff,
// Sync, Refresh, Rollback), promote the blue/green shop Rollout, look at Nodes and a pod's logs.
// Every step is a click or a read of what the page shows; git pushes are what a user would do.
// Screenshots of the main pages go to test-results/screenshots/.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GitWorkspace } from '../../bench/lib/git-workspace.js';
import { type GitopsEnv, REPO_ROOT, startGitopsEnv } from '../../bench/lib/gitops-env.js';
import { R } from '../../src/client/resources.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
const UI_DIR = join(REPO_ROOT, 'ui');
const UI_INDEX = join(REPO_ROOT, 'dist', 'ui', 'index.html');
const PROD_WEB = 'manifests/production/web/deployment.yaml';
const PROD_SHOP = 'manifests/production/shop/rollout.yaml';
const V1 = 'gantry.local/demo/web:v1';
const V2 = 'gantry.local/demo/web:v2';
/** Long: the Applications only look at git when the test clicks Refresh. */
const POLL_MS = 600_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ui (Vite) when it is missing or older than a source under ui/. */
async function ensureUiBuilt(): Promise<void> {
  if (existsSync(UI_INDEX) && statSync(UI_INDEX).mtimeMs >= newestMtime(UI_DIR)) {
    return;
  }
  await run('npx', ['vite', 'build', '-c', join(UI_DIR, 'vite.config.ts')], {
    cwd: REPO_ROOT,
    timeout: 120_000,
  });
}

/** Waits until the locator's text matches `re` (the page updates over watches, not reloads). */
async function waitText(loc: Locator, re: RegExp, timeout = 60_000): Promise<string> {
  let text = '';
  await expect
    .poll(
      async () => {
        text = (await loc.textContent({ timeout: 1000 }).catch(() => '')) ?? '';
        return text;
      },
      { timeout, interval: 250 },
    )
    .toMatch(re);
  return text;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * page.goto, repeated (at most twice) when Chromium cuts the navigation with ERR_NETWORK_CHANGED:
 * it does so whenever this host's interfaces change, which the agent under test does for pods.
 */
async function gotoPage(page: Page, url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (e) {
      if (attempt >= 2 || !/ERR_NETWORK_CHANGED/.test(String((e as Error).message))) {
        throw e;
      }
    }
  }
}

describe('web dashboard in Chromium against gantry up', () => {
  let env: GitopsEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let work: GitWorkspace;
  let token: string;
  /** The demo's first commit (what the Applications sync to at start). */
  let initial: string;
  let base: string;
  const pageErrors: string[] = [];
  /** Requests that got no answer (aborted streams left aside). */
  const failedRequests: string[] = [];
  /** Bundle/stylesheet loads Chromium cut with ERR_NETWORK_CHANGED (the agent wiring pods). */
  let assetsCut = 0;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureUiBuilt();
    env = await startGitopsEnv({
      pollMs: POLL_MS,
      apps: ['production/web', 'production/shop'],
      label: 'dash',
    });
    base = env.daemon.cp.url;
    token = env.daemon.cp.adminToken;
    // web-production syncs by hand in this test: Refresh shows OutOfSync, Sync applies it
    await env.client.patch(R.applications, 'gantry', 'web-production', 'merge', {
      spec: { syncPolicy: { automated: null } },
    });
    work = await env.clone();
    initial = await work.head();
    // Chromium fails requests in flight with ERR_NETWORK_CHANGED whenever the host's interfaces
    // change, which the agent does for every pod (veth, routes): the page is first loaded once the
    // demo's pods are up, not while they are being wired (a lost bundle request left the login
    // page blank until the step timed out).
    for (const name of ['web-production', 'shop-production']) {
      const deadline = Date.now() + 120_000;
      let state = '';
      while (state !== 'Synced/Healthy') {
        if (Date.now() > deadline) {
          throw new Error(`application ${name} not Synced/Healthy within 120 s (${state})`);
        }
        await new Promise((r) => setTimeout(r, 500));
        const a = await env.client.get(R.applications, 'gantry', name).catch(() => undefined);
        state = `${a?.status?.sync?.status}/${a?.status?.health?.status}`;
      }
    }
    // launch() gives every run a fresh, temporary user-data dir (removed on close)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('requestfailed', (r) => {
      // left aside: loads the page cancels when it moves on (ERR_ABORTED), and requests cut by a
      // pod's interfaces coming or going (ERR_NETWORK_CHANGED, see above); the steps check that the
      // page recovers from both
      const why = r.failure()?.errorText ?? '';
      if (/ERR_NETWORK_CHANGED/.test(why) && /\.(css|js)$/.test(r.url())) {
        assetsCut++;
      }
      if (!/\/log\?|watch=1/.test(r.url()) && !/ERR_ABORTED|ERR_NETWORK_CHANGED/.test(why)) {
        failedRequests.push(`${r.url()}: ${why}`);
      }
    });
  }, 240_000);

  // the steps build on each other: after a failure, the rest would only time out
  let failed = false;
  beforeEach((ctx) => {
    if (failed) {
      ctx.skip();
    }
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      failed = true;
    }
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const left = await env?.stop();
    expect(left ?? []).toEqual([]);
  }, 120_000);

  it('logs in: the form refuses a wrong token; the tokened URL signs in and leaves the address bar', async () => {
    // the bundled stylesheet is applied (system fonts, no margin on body). Chromium does not retry
    // an asset load it cut with ERR_NETWORK_CHANGED (this host's interfaces change as the agent under
    // test wires pods): only then is the page loaded again, at most twice.
    const cssApplied = () =>
      page
        .waitForFunction(
          () => (globalThis as any).getComputedStyle((globalThis as any).document.body).margin === '0px',
          undefined,
          { timeout: 10_000 },
        )
        .then(
          () => true,
          () => false,
        );
    for (let load = 0; load < 3; load++) {
      const cutBefore = assetsCut;
      await gotoPage(page, `${base}/ui/`);
      await page.getByRole('heading', { name: 'Sign in to Gantry' }).waitFor();
      if ((await cssApplied()) || assetsCut === cutBefore) {
        break;
      }
    }
    expect(
      await page.evaluate(
        () => (globalThis as any).getComputedStyle((globalThis as any).document.body).margin,
      ),
      `stylesheet not applied; asset loads cut by network changes: ${assetsCut}; failed: ${failedRequests.join(', ')}`,
    ).toBe('0px');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitText(page.getByRole('alert'), /not accepted/);
    await shot(page, 'login');

    await gotoPage(page, `${base}/ui/#token=${token}`);
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
    expect(page.url()).toBe(`${base}/ui/`);
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
        ).sessionStorage.getItem('gantry.token'),
      ),
    ).toBe(token);
  });

  it('lists the Applications Synced and Healthy with the commit message, and filters them', async () => {
    const head = initial;
    const table = page.getByRole('table', { name: 'Applications' });
    for (const app of ['web-production', 'shop-production']) {
      const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: app }) });
      const text = await waitText(row, /Synced.*Healthy/, 120_000);
      expect(text).toContain(head.slice(0, 7));
      await waitText(row, /Demo manifests: web and shop in staging and production/);
      expect(text).toContain('production');
    }
    await page.getByRole('searchbox', { name: 'Search' }).fill('shop');
    await waitText(page.getByRole('status').first(), /1 of 2 applications/);
    expect(await table.getByRole('link', { name: 'web-production' }).count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByLabel('Health').selectOption('Healthy');
    await waitText(page.getByRole('status').first(), /2 of 2 applications/);
    await shot(page, 'applications');
  }, 180_000);

  it('shows the tree, then Refresh → OutOfSync with the diff, Sync → Synced on the new image', async () => {
    await page.getByRole('link', { name: 'web-production' }).click();
    await page.getByRole('heading', { name: /Application web-production/ }).waitFor();
    const tree = page.getByRole('list', { name: 'Resources' });
    await waitText(tree, /Deployment\s*web/);
    // Deployment → ReplicaSet → Pods, nested
    const dep = tree.locator('li[data-kind="Deployment"]');
    const rs = tree.locator('li[data-kind="ReplicaSet"]');
    const pods = tree.locator('li[data-kind="Pod"]');
    await expect.poll(() => pods.count(), { timeout: 60_000 }).toBe(3);
    // style="margin-left: 1.75rem": the number of rem
    const indent = async (l: Locator) =>
      Number(
        /margin-left:\s*([\d.]+)/.exec((await l.first().getAttribute('style')) ?? '')?.[1] ?? Number.NaN,
      );
    expect(await rs.count()).toBe(1);
    const [dIn, rIn, pIn] = [await indent(dep), await indent(rs), await indent(pods)];
    expect(rIn).toBeGreaterThan(dIn);
    expect(pIn).toBeGreaterThan(rIn);
    await waitText(dep, /Healthy/);
    await shot(page, 'application');

    // a commit that changes the image; nothing happens until Refresh
    await work.replace(PROD_WEB, V1, V2);
    const bumped = await work.commitAndPush('web: production to v2');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await waitText(page.getByTestId('app-sync'), /OutOfSync/);
    const diff = page.getByRole('figure').filter({ hasText: 'Deployment production/web' });
    await waitText(diff, /web:v2/);
    expect(await diff.locator('.diff-del').allTextContents()).toContainEqual(expect.stringContaining(V1));
    expect(await diff.locator('.diff-add').allTextContents()).toContainEqual(expect.stringContaining(V2));
    await shot(page, 'application-diff');

    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    await waitText(page.getByTestId('operation'), /Succeeded|Running/);
    await waitText(page.getByTestId('app-sync'), /Synced/, 90_000);
    await waitText(page.getByTestId('app-images'), /web:v2/, 90_000);
    await waitText(page.locator('main'), new RegExp(bumped.slice(0, 7)));
    await waitText(page.getByTestId('app-health'), /Healthy/, 120_000);
    const d = await env.client.get(R.deployments, 'production', 'web');
    expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe(V2);
  }, 300_000);

  it('rolls back to the earlier revision from the history (dry-run diff in the dialog, then the revert)', async () => {
    const history = page.getByRole('table', { name: 'Sync history' });
    const row = history.locator(`tr[data-revision="${initial}"]`);
    await row.getByRole('button', { name: /Rollback/ }).click();
    const dialog = page.getByRole('dialog');
    await waitText(dialog, /web:v1/);
    expect(await dialog.locator('.diff-add').allTextContents()).toContainEqual(expect.stringContaining(V1));
    await shot(page, 'rollback-dialog');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await waitText(page.locator('main'), /The next sync rolls the application back/);
    // manual sync policy: Refresh sees the revert commit, Sync applies it
    await page.getByRole('button', { name: 'Refresh' }).click();
    await waitText(page.getByTestId('app-sync'), /OutOfSync/, 60_000);
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    await waitText(page.getByTestId('app-sync'), /Synced/, 90_000);
    await waitText(page.getByTestId('app-images'), /web:v1/, 90_000);
    const reverted = await work.pull();
    expect(await work.read(PROD_WEB)).toContain(V1);
    await waitText(page.locator('main'), new RegExp(reverted.slice(0, 7)));
    const d = await env.client.get(R.deployments, 'production', 'web');
    expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe(V1);
    // the rollback is an Event of the Application
    await waitText(page.getByRole('table', { name: 'Application events' }), /RolledBack/, 30_000);
    await shot(page, 'application-history');
  }, 300_000);

  it('promotes the blue/green shop Rollout: preview on the new image, then active switches', async () => {
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('link', { name: 'shop-production' }).click();
    const tree = page.getByRole('list', { name: 'Resources' });
    await tree.getByRole('link', { name: 'shop', exact: true }).click();
    await page.getByRole('heading', { name: /Rollout production\/shop/ }).waitFor();
    const cards = page.locator('li[data-replicaset]');
    const active = page.locator('li[data-roles~="active"]');
    await waitText(active, /web:v1/, 60_000);
    const before = await active.getAttribute('data-replicaset');

    await work.replace(PROD_SHOP, V1, V2);
    await work.commitAndPush('shop: production to v2');
    // the Rollout page has no Refresh: the Application's does it (automated sync applies it)
    await page.goBack();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: /Application shop-production/ }).waitFor();
    await tree.getByRole('link', { name: 'shop', exact: true }).click();
    const preview = page.locator('li[data-roles~="preview"]');
    await waitText(preview, /web:v2/, 120_000);
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);
    // the preview is up before it is promoted
    await waitText(preview, /Ready \(revision \d+\)\s*2\/2/, 120_000);
    await shot(page, 'rollout-preview');
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    await expect
      .poll(async () => active.getAttribute('data-replicaset').catch(() => null), { timeout: 90_000 })
      .not.toBe(before);
    await waitText(active, /web:v2/);
    await shot(page, 'rollout');
  }, 300_000);

  it('shows the node (Ready, capacity, pod CIDR) and a pod with its log, followed', async () => {
    await page.getByRole('link', { name: 'Nodes' }).click();
    const nodes = page.getByRole('table', { name: 'Nodes' });
    const row = nodes.getByRole('row').filter({ hasText: env.names.nodeName });
    await waitText(row, /Ready/);
    const text = await waitText(row, new RegExp(env.names.podCidr.replace(/\./g, '\\.')));
    expect(text).toMatch(/cpu \d+/);
    expect(text).toContain('InternalIP');
    await shot(page, 'nodes');

    await page.getByRole('link', { name: 'Pods' }).click();
    await page.getByLabel('Namespace').selectOption('production');
    expect(page.url()).toContain('/ui/pods?namespace=production');
    const pods = page.getByRole('table', { name: 'Pods' });
    const webPod = pods.getByRole('row').filter({ hasText: /web-/ }).filter({ hasText: 'Running' }).first();
    await waitText(webPod, /1\/1/, 60_000);
    await shot(page, 'pods');
    await webPod.getByRole('link').click();
    await page.getByRole('heading', { name: /Pod production\/web-/ }).waitFor();
    // the container picker fills once the pod is loaded, after the heading appears
    await expect.poll(() => page.getByLabel('Container').inputValue(), { timeout: 10_000 }).toBe('web');
    const log = page.getByTestId('log');
    // busybox httpd -v logs every request; the readiness probe asks every 2 s, so a followed log grows
    await waitText(log, /\S/, 30_000);
    const lines = async () => ((await log.textContent()) ?? '').split('\n').filter(Boolean).length;
    const n = await lines();
    await expect.poll(lines, { timeout: 30_000 }).toBeGreaterThan(n);
    await waitText(page.getByRole('status').filter({ hasText: /log/ }), /Following the log/);
    await shot(page, 'pod-logs');
    // leaving the page ends the stream
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  }, 180_000);
});
