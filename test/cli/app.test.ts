// `gantry app` against a real in-process control plane over HTTPS with the kubeconfig it writes.
// Application status is written by hand here (the reconciler is tested on its own); `app diff`
// reads a real git repository over file://.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import {
  type AppCliContext,
  appCreate,
  appDelete,
  appDiff,
  appGet,
  appHistory,
  appList,
  appSync,
  appWait,
  buildApplication,
  clientFromKubeconfig,
  defaultKubeconfigPath,
  registerAppCommands,
} from '../../src/cli/app.js';
import type { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { applyResource, withTracking } from '../../src/sync/apply.js';

const NS = 'gantry';
const ESC = String.fromCharCode(27);
const SHA1 = '53e28ff9a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SHA2 = '9f2c1e4b7a0d3c5e6f8a9b0c1d2e3f4a5b6c7d8e';

let dir = '';
let cp: ControlPlane;
let client: HttpClient;

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): void {
    this.text += s;
  }
}

function context(extra: Partial<AppCliContext> = {}): AppCliContext & { out: Capture; err: Capture } {
  return {
    client,
    out: new Capture(),
    err: new Capture(),
    pollMs: 50,
    cacheDir: join(dir, 'cache'),
    ...extra,
  } as AppCliContext & { out: Capture; err: Capture };
}

async function putApp(app: KObject, status?: Record<string, unknown>): Promise<KObject> {
  try {
    await client.delete(R.applications, NS, app.metadata.name ?? '');
  } catch {
    // not there
  }
  const created = await client.create(R.applications, app);
  if (!status) {
    return created;
  }
  return client.patch(
    R.applications,
    NS,
    app.metadata.name ?? '',
    'merge',
    { status },
    { subresource: 'status' },
  );
}

function webApp(name = 'web', extra: Record<string, unknown> = {}): KObject {
  const a = buildApplication(name, {
    repo: 'https://github.com/acme/gitops.git',
    path: 'apps/web',
    revision: 'main',
    destNamespace: 'shop',
    syncPolicy: 'automated',
    autoPrune: true,
    selfHeal: true,
  });
  a.spec = { ...a.spec, ...extra };
  return a;
}

const syncedStatus = {
  sync: { status: 'Synced', revision: SHA1 },
  health: { status: 'Healthy' },
  resources: [
    {
      group: '',
      version: 'v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      status: 'Synced',
      health: { status: 'Healthy' },
    },
    {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      status: 'Synced',
      health: { status: 'Healthy' },
    },
  ],
  operationState: {
    operation: { sync: { revision: SHA1 }, initiatedBy: { automated: true } },
    phase: 'Succeeded',
    message: 'successfully synced (all tasks run)',
    startedAt: '2024-05-01T10:00:00Z',
    finishedAt: '2024-05-01T10:00:04Z',
    syncResult: {
      revision: SHA1,
      resources: [
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: 'shop',
          name: 'web',
          status: 'Synced',
          message: 'service/web configured',
          syncPhase: 'Sync',
        },
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          status: 'Synced',
          message: 'deployment/web configured',
          syncPhase: 'Sync',
        },
      ],
    },
  },
  history: [
    {
      id: 0,
      revision: SHA1,
      deployedAt: '2024-05-01T10:00:04Z',
      source: { repoURL: 'https://github.com/acme/gitops.git', path: 'apps/web', targetRevision: 'main' },
    },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-app-'));
  cp = await startControlPlane({ dataDir: join(dir, 'cp'), port: 0, store: 'memory' });
  client = await clientFromKubeconfig(cp.kubeconfigPath);
  for (const name of [NS, 'shop']) {
    await client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
});

afterAll(async () => {
  client?.close();
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('gantry app create / delete', () => {
  it('creates the Application argocd would, and refuses a duplicate', async () => {
    const ctx = context();
    const code = await appCreate(ctx, 'guestbook', {
      repo: 'file:///srv/git/gitops.git',
      path: 'guestbook',
      destNamespace: 'shop',
      syncPolicy: 'automated',
      selfHeal: true,
      syncOption: ['CreateNamespace=true'],
    });
    expect(code).toBe(0);
    expect(ctx.out.text).toBe("application 'guestbook' created\n");
    const app = await client.get(R.applications, NS, 'guestbook');
    expect(app.spec).toEqual({
      project: 'default',
      source: { repoURL: 'file:///srv/git/gitops.git', path: 'guestbook', targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await expect(
      appCreate(context(), 'guestbook', { repo: 'file:///x', path: '.', destNamespace: 'shop' }),
    ).rejects.toThrow("application 'guestbook' already exists");

    const del = context();
    expect(await appDelete(del, 'guestbook')).toBe(0);
    expect(del.out.text).toBe("application 'guestbook' deleted\n");
    await expect(appDelete(context(), 'guestbook')).rejects.toThrow("application 'guestbook' not found");
  });

  it('rejects self-heal without an automated policy', () => {
    expect(() => buildApplication('x', { repo: 'r', path: 'p', destNamespace: 'n', selfHeal: true })).toThrow(
      '--self-heal and --auto-prune need --sync-policy automated',
    );
    expect(() =>
      buildApplication('x', { repo: 'r', path: 'p', destNamespace: 'n', syncPolicy: 'sometimes' }),
    ).toThrow(/--sync-policy "sometimes"/);
  });

  it('finds the kubeconfig as argocd users expect', () => {
    expect(defaultKubeconfigPath({ KUBECONFIG: '/a/kc:/b/kc' })).toBe('/a/kc');
    expect(defaultKubeconfigPath({ GANTRY_DATA_DIR: '/data' })).toBe('/data/kubeconfig');
  });
});

describe('gantry app list / get / history', () => {
  beforeAll(async () => {
    await putApp(webApp(), syncedStatus);
    await putApp(
      buildApplication('api', {
        repo: 'file:///srv/git/gitops.git',
        path: 'apps/api',
        destNamespace: 'staging',
      }),
      {
        sync: { status: 'OutOfSync', revision: SHA2 },
        health: { status: 'Missing' },
        conditions: [{ type: 'SyncError', message: 'sync failed' }],
      },
    );
  });

  it('lists applications as a table', async () => {
    const ctx = context();
    expect(await appList(ctx)).toBe(0);
    const lines = ctx.out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'NAME',
      'CLUSTER',
      'NAMESPACE',
      'PROJECT',
      'STATUS',
      'HEALTH',
      'SYNCPOLICY',
      'CONDITIONS',
      'REPO',
      'PATH',
      'TARGET',
    ]);
    expect(lines[1]?.split(/\s{2,}/)).toEqual([
      'api',
      'https://kubernetes.default.svc',
      'staging',
      'default',
      'OutOfSync',
      'Missing',
      '<none>',
      'SyncError',
      'file:///srv/git/gitops.git',
      'apps/api',
      'HEAD',
    ]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual([
      'web',
      'https://kubernetes.default.svc',
      'shop',
      'default',
      'Synced',
      'Healthy',
      'Auto-Prune',
      '<none>',
      'https://github.com/acme/gitops.git',
      'apps/web',
      'main',
    ]);
    // Columns line up: every row's REPO starts at the same offset as the header's.
    const col = lines[0]?.indexOf('REPO');
    expect(lines[1]?.indexOf('file://')).toBe(col);
    expect(lines[2]?.indexOf('https://github')).toBe(col);
  });

  it('lists as json, yaml and names', async () => {
    const j = context();
    await appList(j, { output: 'json' });
    const parsed = JSON.parse(j.out.text) as KObject[];
    expect(parsed.map((a) => a.metadata.name)).toEqual(['api', 'web']);
    expect(parsed[0]?.kind).toBe('Application');
    const y = context();
    await appList(y, { output: 'yaml' });
    expect(y.out.text).toContain('- apiVersion: argoproj.io/v1alpha1\n  kind: Application\n');
    const n = context();
    await appList(n, { output: 'name' });
    expect(n.out.text).toBe('api\nweb\n');
    await expect(appList(context(), { output: 'xml' })).rejects.toThrow('unknown output format "xml"');
  });

  it('gets the summary and the resources table', async () => {
    const ctx = context({ now: () => new Date('2024-05-01T12:00:00Z') });
    expect(await appGet(ctx, 'web')).toBe(0);
    expect(ctx.out.text).toBe(
      [
        'Name:               gantry/web',
        'Project:            default',
        'Server:             https://kubernetes.default.svc',
        'Namespace:          shop',
        'Repo:               https://github.com/acme/gitops.git',
        'Target:             main',
        'Path:               apps/web',
        'SyncWindow:         Sync Allowed',
        'Sync Policy:        Automated (Prune, Self Heal)',
        'Sync Status:        Synced to main (53e28ff)',
        'Health Status:      Healthy',
        '',
        'GROUP  KIND        NAMESPACE  NAME  STATUS  HEALTH   HOOK  MESSAGE',
        '       Service     shop       web   Synced  Healthy        service/web configured',
        'apps   Deployment  shop       web   Synced  Healthy        deployment/web configured',
        '',
      ].join('\n'),
    );
  });

  it('shows the failed operation with the file and line, the conditions and the hooks', async () => {
    await putApp(webApp('broken'), {
      sync: { status: 'OutOfSync', revision: SHA1 },
      health: { status: 'Healthy' },
      conditions: [
        {
          type: 'ComparisonError',
          message: 'apps/web/deploy.yaml:14: spec.replicas: Invalid value: "three": must be an integer',
          lastTransitionTime: '2024-05-01T11:00:00Z',
        },
      ],
      resources: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          status: 'OutOfSync',
          health: { status: 'Healthy' },
        },
      ],
      operationState: {
        operation: { sync: { revision: SHA2 } },
        phase: 'Failed',
        message:
          'revision 9f2c1e4 is invalid: apps/web/deploy.yaml:14: spec.replicas: Invalid value: "three": must be an integer',
        startedAt: '2024-05-01T11:00:00Z',
        finishedAt: '2024-05-01T11:00:02Z',
        syncResult: {
          revision: SHA2,
          resources: [
            {
              group: 'batch',
              version: 'v1',
              kind: 'Job',
              namespace: 'shop',
              name: 'migrate',
              status: 'Synced',
              message: 'Job has reached the specified backoff limit',
              hookPhase: 'Failed',
              syncPhase: 'PreSync',
            },
          ],
        },
      },
    });
    const ctx = context({ now: () => new Date('2024-05-01T12:00:00Z') });
    await appGet(ctx, 'broken');
    const text = ctx.out.text;
    expect(text).toContain('Sync Status:        OutOfSync from main (53e28ff)\n');
    expect(text).toContain(
      [
        'Operation:          Sync',
        `Sync Revision:      ${SHA2}`,
        'Phase:              Failed',
        'Start:              2024-05-01T11:00:00Z',
        'Finished:           2024-05-01T11:00:02Z',
        'Duration:           2s',
        'Message:            revision 9f2c1e4 is invalid: apps/web/deploy.yaml:14: spec.replicas: Invalid value: "three": must be an integer',
      ].join('\n'),
    );
    expect(text).toMatch(
      /CONDITION\s+MESSAGE\s+LAST TRANSITION\nComparisonError\s+apps\/web\/deploy\.yaml:14: /,
    );
    expect(text).toMatch(
      /\nbatch\s+Job\s+shop\s+migrate\s+Failed\s+PreSync\s+Job has reached the specified backoff limit\n/,
    );
  });

  it('shows which sync window blocks the application', async () => {
    await putApp(
      webApp('frozen', {
        syncWindows: [{ kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['*'] }],
      }),
      syncedStatus,
    );
    const ctx = context({ now: () => new Date('2024-05-02T03:00:00Z') });
    await appGet(ctx, 'frozen');
    expect(ctx.out.text).toContain(
      "SyncWindow:         Sync Denied (deny window '0 22 * * *' for 8h (active until 06:00Z))\n",
    );
    const later = context({ now: () => new Date('2024-05-02T07:00:00Z') });
    await appGet(later, 'frozen');
    expect(later.out.text).toContain('SyncWindow:         Sync Allowed\n');
  });

  it('gets as json or yaml, and says when the application does not exist', async () => {
    const j = context();
    await appGet(j, 'web', { output: 'json' });
    expect((JSON.parse(j.out.text) as KObject).status.sync.revision).toBe(SHA1);
    const y = context();
    await appGet(y, 'web', { output: 'yaml' });
    expect(y.out.text).toContain(`revision: ${SHA1}`);
    await expect(appGet(context(), 'nope')).rejects.toThrow(
      "application 'nope' not found in namespace gantry",
    );
  });

  it('lists the history, with PR and REVERT-OF columns once entries carry them', async () => {
    const plain = context();
    await appHistory(plain, 'web');
    expect(plain.out.text).toBe(
      'SOURCE  https://github.com/acme/gitops.git\nID  DATE                  REVISION\n0   2024-05-01T10:00:04Z  main (53e28ff)\n',
    );
    const source = {
      repoURL: 'https://github.com/acme/gitops.git',
      path: 'apps/web',
      targetRevision: 'main',
    };
    await putApp(webApp('promoted'), {
      history: [
        { id: 0, revision: SHA1, deployedAt: '2024-05-01T10:00:04Z', source },
        {
          id: 1,
          revision: SHA2,
          deployedAt: '2024-05-02T09:30:00Z',
          source: { ...source, 'gantry.dev/pull-request': '42' },
        },
        { id: 2, revision: 'a'.repeat(40), deployedAt: '2024-05-02T10:00:00Z', source, revertOf: SHA2 },
      ],
    });
    const ctx = context();
    await appHistory(ctx, 'promoted');
    const lines = ctx.out.text.trimEnd().split('\n');
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['ID', 'DATE', 'REVISION', 'PR', 'REVERT-OF']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['1', '2024-05-02T09:30:00Z', 'main (9f2c1e4)', '42']);
    expect(lines[4]?.split(/\s{2,}/)).toEqual(['2', '2024-05-02T10:00:00Z', 'main (aaaaaaa)', '9f2c1e4']);
    const empty = context();
    await putApp(webApp('fresh'));
    await appHistory(empty, 'fresh');
    expect(empty.out.text).toBe("No history for application 'fresh'\n");
  });
});

/** Plays the reconciler for one operation: Running, then the given end phase, clearing `operation`. */
async function completeNextOperation(
  name: string,
  phase: 'Succeeded' | 'Failed',
  message: string,
): Promise<KObject> {
  for (let i = 0; i < 200; i++) {
    const app = await client.get(R.applications, NS, name);
    if (app.operation) {
      const started = new Date().toISOString();
      const op = {
        operation: app.operation,
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt: started,
        id: `op-${i}`,
        syncResult: { revision: SHA2, resources: [] },
      };
      await client.patch(
        R.applications,
        NS,
        name,
        'merge',
        { status: { operationState: op } },
        { subresource: 'status' },
      );
      await new Promise((r) => setTimeout(r, 150));
      await client.patch(
        R.applications,
        NS,
        name,
        'merge',
        { status: { operationState: { ...op, phase, message, finishedAt: new Date().toISOString() } } },
        { subresource: 'status' },
      );
      await client.patch(R.applications, NS, name, 'merge', { operation: null });
      return app;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no operation requested');
}

describe('gantry app sync / wait', () => {
  beforeEach(async () => {
    await putApp(webApp(), syncedStatus);
  });

  it('requests a sync with the operation argocd writes', async () => {
    const ctx = context();
    expect(await appSync(ctx, 'web', { prune: true, revision: SHA2 })).toBe(0);
    expect(ctx.out.text).toBe(`sync requested for application 'web' at revision ${SHA2}\n`);
    const app = await client.get(R.applications, NS, 'web');
    expect(app.operation).toEqual({
      sync: { revision: SHA2, prune: true },
      initiatedBy: { username: 'gantry-cli' },
    });
    await expect(appSync(context(), 'web')).rejects.toThrow(
      "another operation is already in progress for application 'web'",
    );
  });

  it('refuses a sync a deny window blocks, unless it allows manual syncs', async () => {
    const deny = { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['web'] };
    const at = () => new Date('2024-05-01T23:30:00Z');
    await putApp(webApp('web', { syncWindows: [deny] }), syncedStatus);
    await expect(appSync(context({ now: at }), 'web')).rejects.toThrow(
      "cannot sync application 'web': blocked by deny window '0 22 * * *' for 8h (active until 06:00Z)",
    );
    expect((await client.get(R.applications, NS, 'web')).operation).toBeUndefined();
    await putApp(webApp('web', { syncWindows: [{ ...deny, manualSync: true }] }), syncedStatus);
    expect(await appSync(context({ now: at }), 'web')).toBe(0);
  });

  it('--watch follows the operation to success', async () => {
    const ctx = context();
    const controller = completeNextOperation('web', 'Succeeded', 'successfully synced (all tasks run)');
    const code = await appSync(ctx, 'web', { watch: true, timeout: '20s' });
    await controller;
    expect(code).toBe(0);
    expect(ctx.out.text).toMatch(/Running: one or more tasks are running\n/);
    expect(ctx.out.text).toMatch(/Succeeded: successfully synced \(all tasks run\)\n/);
    expect(ctx.out.text).toContain('Phase:              Succeeded\n');
  });

  it('--watch exits 1 when the operation fails', async () => {
    const ctx = context();
    const controller = completeNextOperation(
      'web',
      'Failed',
      'apps/web/deploy.yaml:3: unknown field "spec.replica"',
    );
    const code = await appSync(ctx, 'web', { watch: true, timeout: '20s' });
    await controller;
    expect(code).toBe(1);
    expect(ctx.out.text).toContain(
      'Message:            apps/web/deploy.yaml:3: unknown field "spec.replica"\n',
    );
  });

  it('--watch gives up after the timeout', async () => {
    const ctx = context();
    expect(await appSync(ctx, 'web', { watch: true, timeout: '300ms' })).toBe(1);
    expect(ctx.err.text).toMatch(/timed out after 0s waiting for the sync of application 'web'/);
  });

  it('--watch on a terminal redraws one live view in place and ends with the result', async () => {
    const ctx = context({ out: new Capture(true) });
    const controller = completeNextOperation('web', 'Succeeded', 'successfully synced (all tasks run)');
    const code = await appSync(ctx, 'web', { watch: true, timeout: '20s' });
    await controller;
    expect(code).toBe(0);
    const text = ctx.out.text;
    expect(text).toContain(`${ESC}[?25l`); // cursor hidden while drawing
    expect(text).toMatch(new RegExp(`${ESC}\\[\\d+A\\r`)); // redrawn over the previous frame
    expect(text).toContain(`${ESC}[?25h`); // and shown again
    expect(text).not.toContain(`${ESC}[2J`);
    expect(text).toMatch(/Application web {2}Running: one or more tasks are running/);
    expect(text).toMatch(/Application web {2}Succeeded: successfully synced \(all tasks run\)/);
    expect(text).toMatch(/Deployment {2}shop {7}web {3}Synced {2}Healthy/);
    expect(text).toContain('Phase:              Succeeded\n');
  });

  it('--watch -o json prints the Application at the end, progress on stderr', async () => {
    const ctx = context();
    const controller = completeNextOperation('web', 'Succeeded', 'successfully synced (all tasks run)');
    expect(await appSync(ctx, 'web', { watch: true, timeout: '20s', output: 'json' })).toBe(0);
    await controller;
    expect(JSON.parse(ctx.out.text)).toMatchObject({ kind: 'Application', metadata: { name: 'web' } });
    expect(ctx.err.text).toMatch(/operation Succeeded/);
  });

  it('wait --operation waits for the running operation only', async () => {
    await putApp(webApp(), {
      ...syncedStatus,
      health: { status: 'Progressing' },
      operationState: { ...syncedStatus.operationState, phase: 'Running', finishedAt: undefined },
    });
    expect(await appWait(context(), 'web', { operation: true, timeout: '300ms' })).toBe(1);
    const later = new Promise((r) => setTimeout(r, 300)).then(() =>
      client.patch(
        R.applications,
        NS,
        'web',
        'merge',
        { status: { operationState: { ...syncedStatus.operationState, phase: 'Succeeded' } } },
        { subresource: 'status' },
      ),
    );
    const ctx = context();
    // health stays Progressing: --operation does not wait for it
    expect(await appWait(ctx, 'web', { operation: true, timeout: '10s' })).toBe(0);
    await later;
    expect(ctx.out.text).toBe("application 'web': sync Synced, health Progressing\n");
  });

  it('get --refresh asks for a refresh and shows the app once it was reconciled after the request', async () => {
    await putApp(webApp(), { ...syncedStatus, reconciledAt: '2024-05-01T10:00:00Z' });
    // the sync engine's part, by hand: clear the annotation, write a newer reconciledAt
    const engine = (async () => {
      for (let i = 0; i < 200; i++) {
        const app = await client.get(R.applications, NS, 'web');
        const asked = app.metadata.annotations?.['argocd.argoproj.io/refresh'];
        if (asked) {
          await client.patch(R.applications, NS, 'web', 'merge', {
            metadata: { annotations: { 'argocd.argoproj.io/refresh': null } },
          });
          await new Promise((r) => setTimeout(r, 200));
          await client.patch(
            R.applications,
            NS,
            'web',
            'merge',
            { status: { reconciledAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
            { subresource: 'status' },
          );
          return asked;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      return undefined;
    })();
    const ctx = context();
    expect(await appGet(ctx, 'web', { hardRefresh: true, output: 'json' })).toBe(0);
    expect(await engine).toBe('hard');
    const shown = JSON.parse(ctx.out.text);
    expect(Date.parse(shown.status.reconciledAt)).toBeGreaterThan(Date.parse('2024-05-01T10:00:00Z'));
    // nobody reconciles: a clear error after the timeout
    await expect(appGet(context(), 'web', { refresh: true, timeout: '300ms' })).rejects.toThrow(
      "refresh of application 'web' requested, but it reported no reconciliation within 0s",
    );
  });

  it('wait returns at once when the application is synced and healthy', async () => {
    const ctx = context();
    expect(await appWait(ctx, 'web', { timeout: '5s' })).toBe(0);
    expect(ctx.out.text).toBe("application 'web': sync Synced, health Healthy\n");
  });

  it('wait times out with exit code 1, saying what it saw', async () => {
    await putApp(webApp(), { ...syncedStatus, health: { status: 'Progressing' } });
    const ctx = context();
    expect(await appWait(ctx, 'web', { health: true, timeout: '400ms' })).toBe(1);
    expect(ctx.err.text).toBe(
      "gantry app wait: timed out after 0s waiting for application 'web' to be Healthy (sync Synced, health Progressing)\n",
    );
    // --sync alone is already satisfied.
    expect(await appWait(context(), 'web', { sync: true, timeout: '400ms' })).toBe(0);
  });

  it('wait returns once the application becomes healthy', async () => {
    await putApp(webApp(), { ...syncedStatus, health: { status: 'Progressing' } });
    const later = new Promise((r) => setTimeout(r, 300)).then(() =>
      client.patch(
        R.applications,
        NS,
        'web',
        'merge',
        { status: { health: { status: 'Healthy' } } },
        { subresource: 'status' },
      ),
    );
    const ctx = context();
    const code = await appWait(ctx, 'web', { health: true, timeout: '10s' });
    await later;
    expect(code).toBe(0);
  });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
}

const deployYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: diffweb
spec:
  replicas: 2
  selector:
    matchLabels: { app: diffweb }
  template:
    metadata:
      labels: { app: diffweb }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

const configYaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: diffweb-config
data:
  GREETING: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: diffweb-secret
stringData:
  password: hunter2-very-secret
`;

describe('gantry app diff', () => {
  let work = '';
  let remote = '';
  const appName = 'diffweb';

  beforeAll(async () => {
    work = join(dir, 'work');
    remote = join(dir, 'remote.git');
    await mkdir(join(work, 'apps', 'web'), { recursive: true });
    git(dir, 'init', '--bare', '-b', 'main', remote);
    git(dir, 'init', '-b', 'main', work);
    await writeFile(join(work, 'apps', 'web', 'deploy.yaml'), deployYaml);
    await writeFile(join(work, 'apps', 'web', 'config.yaml'), configYaml);
    git(work, 'add', '.');
    git(work, 'commit', '-m', 'web');
    git(work, 'push', remote, 'main');
    await putApp(
      buildApplication(appName, {
        repo: `file://${remote}`,
        path: 'apps/web',
        revision: 'main',
        destNamespace: 'shop',
      }),
    );
  });

  it('shows every resource as missing before the first sync, Secret values masked', async () => {
    const ctx = context();
    expect(await appDiff(ctx, appName)).toBe(1);
    const text = ctx.out.text;
    expect(text).toContain('===== apps/Deployment shop/diffweb ======');
    expect(text).toContain('===== /ConfigMap shop/diffweb-config ======');
    expect(text).toContain('+  replicas: 2');
    expect(text).toContain('===== /Secret shop/diffweb-secret ======');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    expect(text).not.toContain(ESC);
    const json = context();
    expect(await appDiff(json, appName, { output: 'json' })).toBe(1);
    const doc = JSON.parse(json.out.text);
    expect(doc.text).toBe(text);
    expect(doc.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(doc.resources).toContainEqual(
      expect.objectContaining({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'diffweb' }),
    );
    expect(json.out.text).not.toContain('hunter2');
  });

  it('is empty with exit code 0 once the live state matches, and shows a kubectl scale', async () => {
    const app = await client.get(R.applications, NS, appName);
    const { desiredObjects } = await import('../../src/cli/app-diff.js');
    const { objects } = await desiredObjects(client, app, { cacheDir: join(dir, 'cache') });
    for (const o of objects) {
      const r = await applyResource(client, o);
      expect(r.ok, r.message).toBe(true);
    }
    const ctx = context();
    expect(await appDiff(ctx, appName)).toBe(0);
    expect(ctx.out.text).toBe('');

    await client.patch(R.deployments, 'shop', 'diffweb', 'merge', { spec: { replicas: 5 } });
    const drift = context();
    expect(await appDiff(drift, appName)).toBe(1);
    expect(drift.out.text).toContain('===== apps/Deployment shop/diffweb ======');
    expect(drift.out.text).toContain('-  replicas: 5');
    expect(drift.out.text).toContain('+  replicas: 2');
    expect(drift.out.text).not.toContain('ConfigMap');
  });

  it('shows an object this application applied that git no longer has', async () => {
    const extra = withTracking(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'diffweb-old', namespace: 'shop' },
        data: { a: 'b' },
      },
      appName,
    );
    expect((await applyResource(client, extra)).ok).toBe(true);
    // Another application's object with the same label but not its tracking id is left out.
    const foreign = withTracking(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'not-mine', namespace: 'shop' },
        data: { a: 'b' },
      },
      'other-app',
    );
    foreign.metadata.labels = { 'app.kubernetes.io/instance': appName };
    expect((await applyResource(client, foreign)).ok).toBe(true);
    const ctx = context();
    expect(await appDiff(ctx, appName)).toBe(1);
    expect(ctx.out.text).toContain('===== /ConfigMap shop/diffweb-old ======');
    expect(ctx.out.text).toContain('-  a: b');
    expect(ctx.out.text).not.toContain('not-mine');
  });

  it('colours the diff on a terminal', async () => {
    const ctx = context({ out: new Capture(true) });
    expect(await appDiff(ctx, appName)).toBe(1);
    expect(ctx.out.text).toContain(`${ESC}[31m-`);
  });

  it('names file and line of a bad manifest, with exit code 2', async () => {
    await writeFile(
      join(work, 'apps', 'web', 'bad.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  replicas: three\n',
    );
    git(work, 'add', '.');
    git(work, 'commit', '-m', 'bad');
    git(work, 'push', remote, 'main');
    const ctx = context();
    expect(await appDiff(ctx, appName)).toBe(2);
    expect(ctx.err.text).toMatch(
      /^gantry app diff: revision [0-9a-f]{7} has invalid manifests:\n {2}apps\/web\/bad\.yaml:6(:\d+)?: spec\.replicas: /,
    );
    // An older revision can still be compared.
    const first = git(work, 'rev-parse', 'HEAD~1');
    const old = context();
    expect(await appDiff(old, appName, { revision: first })).toBe(1);
  });

  it('exit code 2 when the application does not exist', async () => {
    const ctx = context();
    expect(await appDiff(ctx, 'nope')).toBe(2);
    expect(ctx.err.text).toBe("gantry app diff: application 'nope' not found in namespace gantry\n");
  });
});

describe('registerAppCommands', () => {
  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const program = new Command().name('gantry').exitOverride();
    registerAppCommands(program);
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const before = process.exitCode;
    try {
      await program.parseAsync(['node', 'gantry', ...args]);
      return { code: Number(process.exitCode ?? 0), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.exitCode = before;
    }
  }

  it('runs the verbs through commander with the kubeconfig flag before or after the verb', async () => {
    await putApp(webApp(), syncedStatus);
    const list = await run(['app', '--kubeconfig', cp.kubeconfigPath, 'list', '-o', 'name']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('web');
    const get = await run(['app', 'get', 'web', '--kubeconfig', cp.kubeconfigPath]);
    expect(get.stdout).toContain('Sync Status:        Synced to main (53e28ff)');
    const missing = await run(['app', 'get', 'nope', '--kubeconfig', cp.kubeconfigPath]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("gantry app get: application 'nope' not found in namespace gantry\n");
    const badConfig = await run(['app', 'list', '--kubeconfig', join(dir, 'no-such-kubeconfig')]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/^gantry app list: read kubeconfig .*no-such-kubeconfig: ENOENT/);
  });
});
