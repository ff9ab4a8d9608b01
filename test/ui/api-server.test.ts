// The dashboard's server side over real HTTP against a real in-process control plane: static files
// from a stand-in build folder (traversal refused, client-side routes get index.html), bearer-token
// auth on /ui/api, and each endpoint against a real git repository (file://): commit metadata,
// the tree of objects created through the client, the diff (equal to `gantry app diff`'s), sync
// and refresh requests, a rollback that pushes one revert commit, and a Rollout's view and controls.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { appDiff } from '../../src/cli/app.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { withTracking } from '../../src/sync/apply.js';
import { mountDashboard } from '../../src/ui/server.js';
import { git } from '../helpers/git.js';
import { makeRepo, type TestRepo } from '../sync/git-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-ui-api-'));
const SECRET = 'top-secret-file-outside-the-ui-folder';
let cp: ControlPlane;
let token: string;
let repo: TestRepo;
let v1: string;
let v2: string;
const uiDir = join(root, 'ui-build');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => any;
}

/** A request with the path sent exactly as given (fetch would normalize `..`). */
function raw(
  method: string,
  path: string,
  opts: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(cp.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(opts.token !== undefined ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const api = (method: string, path: string, body?: unknown) =>
  raw(method, `/ui/api/${path}`, {
    token,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

const deployYaml = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
`;

const otherYaml = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  password: hunter2-very-secret
`;

async function putStatus(name: string, status: Record<string, unknown>): Promise<void> {
  await cp.client.patch(R.applications, 'gantry', name, 'merge', { status }, { subresource: 'status' });
}

beforeAll(async () => {
  cp = await startControlPlane({
    dataDir: join(root, 'cp'),
    port: 0,
    store: 'memory',
    controllers: false,
    insecureHttp: true,
  });
  token = cp.adminToken;
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Gantry</title><div id="root"></div>');
  writeFileSync(join(uiDir, 'assets', 'index-3f2a1b.js'), 'console.log("app")');
  writeFileSync(join(uiDir, 'assets', 'index-3f2a1b.css'), 'body{}');
  writeFileSync(join(uiDir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(uiDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(uiDir, 'link.txt'));
  mountDashboard(cp, { dataDir: join(root, 'cp'), uiDir });
  for (const ns of ['gantry', 'shop']) {
    await cp.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  repo = makeRepo(root, 'gitops');
  v1 = repo.commit(
    { 'apps/web/deploy.yaml': deployYaml('registry.local/web:v1'), 'apps/web/other.yaml': otherYaml },
    'web v1',
  );
  v2 = repo.commit({ 'apps/web/deploy.yaml': deployYaml('registry.local/web:v2') }, 'web v2');
  await cp.client.create(R.applications, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'gantry' },
    spec: {
      project: 'default',
      source: { repoURL: repo.url, path: 'apps/web', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
    },
  });
  await putStatus('web', {
    sync: { status: 'Synced', revision: v2 },
    health: { status: 'Healthy' },
    history: [
      { id: 0, revision: v1, deployedAt: '2024-01-01T00:00:00Z', source: {} },
      { id: 1, revision: v2, deployedAt: '2024-01-02T00:00:00Z', source: {} },
    ],
    resources: [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Synced' },
      { group: '', version: 'v1', kind: 'Service', namespace: 'shop', name: 'web', status: 'Synced' },
      {
        group: '',
        version: 'v1',
        kind: 'Secret',
        namespace: 'shop',
        name: 'web-secret',
        status: 'OutOfSync',
      },
    ],
  });
});

afterAll(async () => {
  await cp?.stop();
  rmSync(root, { recursive: true, force: true });
});

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

describe('static files', () => {
  it('redirects /ui to /ui/ and serves index.html there, not cached', async () => {
    const r = await raw('GET', '/ui');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/ui/');
    expect(r.headers['content-security-policy']).toBe(CSP);
    const i = await raw('GET', '/ui/');
    expect(i.status).toBe(200);
    expect(i.body).toContain('<div id="root">');
    expect(i.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(i.headers['cache-control']).toBe('no-cache');
    expect(i.headers['content-security-policy']).toBe(CSP);
  });

  it('serves hashed assets as immutable, with the right content types', async () => {
    const js = await raw('GET', '/ui/assets/index-3f2a1b.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("app")');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await raw('GET', '/ui/assets/index-3f2a1b.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    const svg = await raw('GET', '/ui/logo.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    expect((await raw('GET', '/ui/favicon.ico')).headers['content-type']).toBe('image/x-icon');
    const head = await raw('HEAD', '/ui/assets/index-3f2a1b.js');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('18');
    expect(head.body).toBe('');
  });

  it('answers client-side routes with index.html and unknown files with 404', async () => {
    for (const p of ['/ui/applications/web', '/ui/rollouts/shop/shop', '/ui/nodes?x=1']) {
      const r = await raw('GET', p);
      expect(r.status, p).toBe(200);
      expect(r.body).toContain('<div id="root">');
    }
    expect((await raw('GET', '/ui/missing.js')).status).toBe(404);
    expect((await raw('GET', '/ui/assets/index-0000.js')).status).toBe(404);
    expect((await raw('GET', '/ui/assets/nothing')).status).toBe(404);
    const post = await raw('POST', '/ui/', { body: '{}' });
    expect(post.status).toBe(405);
  });

  it('never serves a file outside the build folder', async () => {
    const attempts = [
      '/ui/../secret.txt',
      '/ui/../../etc/passwd',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2e%2e/%2e%2e/etc/passwd',
      '/ui/..%2fsecret.txt',
      '/ui/%2e%2e%2fsecret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/ui/%252e%252e/secret.txt',
      '/ui/link.txt',
      '/ui/assets/%00.js',
      '/ui/%E0%A4%A.js',
    ];
    for (const p of attempts) {
      const r = await raw('GET', p);
      expect(r.body, p).not.toContain(SECRET);
      expect(r.body, p).not.toContain('root:x:0:0');
      expect([401, 404], p).toContain(r.status);
    }
  });

  it('says how to build the dashboard when dist/ui is missing', async () => {
    renameSync(join(uiDir, 'index.html'), join(uiDir, 'index.html.off'));
    try {
      const r = await raw('GET', '/ui/');
      expect(r.status).toBe(503);
      expect(r.body).toBe('dashboard not built: run npm run build:ui\n');
      expect(r.headers['content-security-policy']).toBe(CSP);
    } finally {
      renameSync(join(uiDir, 'index.html.off'), join(uiDir, 'index.html'));
    }
  });
});

describe('auth', () => {
  it('401 Status without a token or with a wrong one; node tokens may read but not act', async () => {
    for (const t of [undefined, 'wrong-token', '']) {
      const r = await raw('GET', '/ui/api/applications/web/tree', t === undefined ? {} : { token: t });
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 401 });
    }
    const node = cp.tokens.createNodeToken();
    const read = await raw('GET', '/ui/api/applications/web/tree', { token: node });
    expect(read.status).toBe(200);
    const act = await raw('POST', '/ui/api/applications/web/refresh', { token: node, body: '{}' });
    expect(act.status).toBe(403);
    expect(act.json()).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden' });
    const app = await cp.client.get(R.applications, 'gantry', 'web');
    expect(app.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
  });

  it('unknown endpoints and methods are Status answers too', async () => {
    const r = await api('GET', 'nothing/here');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ kind: 'Status', code: 404 });
    const m = await api('GET', 'applications/web/sync');
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('POST');
    expect((await api('GET', 'applications/..%2f..%2fx/tree')).status).toBe(400);
    expect((await api('GET', 'applications/Not_A_Name/tree')).json()).toMatchObject({
      code: 400,
      details: { causes: [{ field: 'name' }] },
    });
  });
});

describe('GET revisions/{sha}', () => {
  it('gives the commit message, author and date; 404 for an unknown commit, 400 for a non-SHA', async () => {
    const r = await api('GET', `applications/web/revisions/${v1}`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({
      sha: v1,
      message: 'web v1',
      author: 'Test',
      email: 'test@example.com',
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const short = await api('GET', `applications/web/revisions/${v2.slice(0, 7)}`);
    expect(short.json()).toMatchObject({ sha: v2, message: 'web v2' });
    const unknown = await api('GET', `applications/web/revisions/${'0'.repeat(40)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ kind: 'Status', code: 404 });
    const bad = await api('GET', 'applications/web/revisions/main');
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/sha "main" is not a commit SHA/);
    expect((await api('GET', `applications/nope/revisions/${v1}`)).status).toBe(404);
  });
});

describe('GET tree', () => {
  it('links Deployment → ReplicaSet → Pod and Service → Endpoints for objects made through the client', async () => {
    const dep = await cp.client.create(
      R.deployments,
      withTracking(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'shop' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'registry.local/web:v2' }] },
            },
          },
        },
        'web',
      ),
    );
    const owner = (o: KObject) => [
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name!,
        uid: o.metadata.uid!,
        controller: true,
      },
    ];
    const rs = await cp.client.create(R.replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', namespace: 'shop', ownerReferences: owner(dep), labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: dep.spec.template,
      },
    });
    const pod = await cp.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-abc-1', namespace: 'shop', ownerReferences: owner(rs), labels: { app: 'web' } },
      spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'registry.local/web:v2' }] },
    });
    const svc = await cp.client.create(
      R.services,
      withTracking(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
        },
        'web',
      ),
    );
    const ep = await cp.client.create(R.endpoints, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'shop' },
      subsets: [],
    });
    // another app's Deployment in the same namespace stays out
    await cp.client.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'billing', namespace: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'billing' } },
        template: {
          metadata: { labels: { app: 'billing' } },
          spec: { containers: [{ name: 'b', image: 'billing:v1' }] },
        },
      },
    });
    const r = await api('GET', 'applications/web/tree');
    expect(r.status).toBe(200);
    const nodes: { id: string; parentId?: string; kind: string; name: string; sync?: string; info: any[] }[] =
      r.json().nodes;
    const find = (kind: string, name: string) => nodes.find((n) => n.kind === kind && n.name === name);
    expect(nodes[0]).toMatchObject({ id: 'app', kind: 'Application', name: 'web', sync: 'Synced' });
    expect(find('Deployment', 'web')).toMatchObject({
      id: dep.metadata.uid,
      parentId: 'app',
      sync: 'Synced',
    });
    expect(find('ReplicaSet', 'web-abc')).toMatchObject({ id: rs.metadata.uid, parentId: dep.metadata.uid });
    expect(find('Pod', 'web-abc-1')).toMatchObject({ id: pod.metadata.uid, parentId: rs.metadata.uid });
    expect(find('Pod', 'web-abc-1')?.info).toContainEqual({ name: 'Node', value: 'n1' });
    expect(find('Service', 'web')).toMatchObject({ id: svc.metadata.uid, parentId: 'app' });
    expect(find('Endpoints', 'web')).toMatchObject({ id: ep.metadata.uid, parentId: svc.metadata.uid });
    expect(find('Secret', 'web-secret')).toMatchObject({
      id: 'missing:/Secret/shop/web-secret',
      sync: 'Missing',
    });
    expect(find('Deployment', 'billing')).toBeUndefined();
    expect((await api('GET', 'applications/nope/tree')).status).toBe(404);
  });
});

describe('GET diff', () => {
  it('is the text `gantry app diff` prints, Secrets masked, per resource too', async () => {
    const r = await api('GET', 'applications/web/diff');
    expect(r.status).toBe(200);
    const d = r.json();
    let cli = '';
    const code = await appDiff(
      {
        client: cp.client,
        out: {
          write: (s: string) => {
            cli += s;
          },
        },
        err: { write: () => undefined },
        cacheDir: join(root, 'cli-cache'),
      } as unknown as Parameters<typeof appDiff>[0],
      'web',
    );
    expect(code).toBe(1);
    expect(d.text).toBe(cli);
    expect(d.revision).toBe(v2);
    expect(d.text).not.toContain('hunter2');
    expect(d.text).not.toContain('\u001b[');
    const secret = d.resources.find((x: { kind: string }) => x.kind === 'Secret');
    expect(secret).toMatchObject({ group: '', kind: 'Secret', namespace: 'shop', name: 'web-secret' });
    expect(secret.status).not.toBe('Synced');
    expect(secret.diff).toContain('===== /Secret shop/web-secret ======');
    expect(d.text).toContain(secret.diff);
    const old = await api('GET', `applications/web/diff?revision=${v1}`);
    expect(old.status).toBe(200);
    expect(old.json().revision).toBe(v1);
    expect(old.json().text).toContain('registry.local/web:v1');
    const bad = await api('GET', 'applications/web/diff?revision=--upload-pack%3Devil');
    expect(bad.status).toBe(400);
    expect(bad.json().details.causes[0].field).toBe('revision');
    expect((await api('GET', 'applications/web/diff?revision=no-such-branch')).status).toBe(404);
  });
});

describe('POST sync and refresh', () => {
  it('sync sets the operation with the token user; a second one is refused with 409', async () => {
    const r = await api('POST', 'applications/web/sync', { prune: true, revision: v1 });
    expect(r.status).toBe(202);
    expect(r.json().message).toMatch(/sync of application 'web' requested/);
    const app = await cp.client.get(R.applications, 'gantry', 'web');
    expect(app.operation).toEqual({
      sync: { revision: v1, prune: true },
      initiatedBy: { username: 'admin' },
    });
    const again = await api('POST', 'applications/web/sync', {});
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });
    expect(again.json().message).toMatch(/another operation is already in progress/);
    await cp.client.patch(R.applications, 'gantry', 'web', 'merge', { operation: null });
  });

  it('bad bodies are a 400 naming the field and change nothing', async () => {
    const before = (await cp.client.get(R.applications, 'gantry', 'web')).metadata.resourceVersion;
    const cases: [string, RegExp][] = [
      ['{"prune":"yes"}', /field "prune" must be a boolean/],
      ['{"revision":5}', /field "revision" must be a string/],
      ['{"revison":"main"}', /unknown field "revison"/],
      ['{"prune":', /error decoding JSON body/],
      ['[true]', /must be a JSON object/],
      ['{"revision":"-x"}', /revision "-x" is not a branch, tag or commit SHA/],
    ];
    for (const [body, msg] of cases) {
      const r = await api('POST', 'applications/web/sync', body);
      expect(r.status, body).toBe(400);
      expect(r.json().message, body).toMatch(msg);
    }
    const big = await api('POST', 'applications/web/sync', `{"revision":"${'a'.repeat(1024 * 1024 + 1)}"}`);
    expect(big.status).toBe(413);
    expect((await api('POST', 'applications/web/refresh', '{"hard":1}')).status).toBe(400);
    expect((await api('POST', 'applications/nope/sync', {})).status).toBe(404);
    expect((await cp.client.get(R.applications, 'gantry', 'web')).metadata.resourceVersion).toBe(before);
  });

  it('refresh sets the refresh annotation (hard when asked)', async () => {
    const r = await api('POST', 'applications/web/refresh', { hard: true });
    expect(r.status).toBe(202);
    const app = await cp.client.get(R.applications, 'gantry', 'web');
    expect(app.metadata.annotations?.['argocd.argoproj.io/refresh']).toBe('hard');
    const empty = await raw('POST', '/ui/api/applications/web/refresh', { token });
    expect(empty.status).toBe(202);
    expect(
      (await cp.client.get(R.applications, 'gantry', 'web')).metadata.annotations?.[
        'argocd.argoproj.io/refresh'
      ],
    ).toBe('normal');
  });
});

describe('POST rollback', () => {
  it('dry run shows the revert; the real one pushes one revert commit and records an Event', async () => {
    const dry = await api('POST', 'applications/web/rollback', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json()).toMatchObject({
      toRevision: v1,
      branch: 'main',
      reverted: [{ sha: v2, subject: 'web v2' }],
    });
    expect(dry.json().commit).toBeUndefined();
    expect(dry.json().diff).toContain('-          image: registry.local/web:v2');
    expect(repo.head()).toBe(v2);

    const bad = await api('POST', 'applications/web/rollback', { to: 42 });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/field "to" must be a string/);

    const r = await api('POST', 'applications/web/rollback', {});
    expect(r.status).toBe(200);
    const res = r.json();
    expect(res.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(repo.head()).toBe(res.commit);
    expect(git(repo.bare, 'rev-list', '--count', `${v2}..main`)).toBe('1');
    expect(git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('Revert "web v2"');
    expect(git(repo.bare, 'show', 'main:apps/web/deploy.yaml')).toContain('image: registry.local/web:v1');
    const events = await cp.client.list(R.events, { namespace: 'gantry' });
    const ev = events.items.find((e) => e.reason === 'RolledBack');
    expect(ev).toMatchObject({
      type: 'Normal',
      involvedObject: { kind: 'Application', name: 'web' },
      message: `Rolled back to ${v1.slice(0, 7)} by reverting 1 commit(s): ${res.commit.slice(0, 7)}`,
    });
    // nothing left to revert on the path: a 409 that changes nothing
    const again = await api('POST', 'applications/web/rollback', { to: res.commit });
    expect(again.status).toBe(409);
    expect(repo.head()).toBe(res.commit);
    const unknown = await api('POST', 'applications/web/rollback', { to: '0123456789abcdef' });
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toMatch(/not found/);
  });
});

describe('rollouts', () => {
  it('gives the RolloutView and applies the controls the CLI applies', async () => {
    await cp.client.create(R.rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'shop' } },
        template: {
          metadata: { labels: { app: 'shop' } },
          spec: { containers: [{ name: 'shop', image: 'shop:v1' }] },
        },
        strategy: { blueGreen: { activeService: 'shop-active', previewService: 'shop-preview' } },
      },
    });
    const g = await api('GET', 'rollouts/shop/shop');
    expect(g.status).toBe(200);
    expect(g.json()).toMatchObject({
      name: 'shop',
      namespace: 'shop',
      strategy: 'blueGreen',
      paused: false,
      aborted: false,
      desired: 2,
      revisions: [],
    });
    const paused = await api('POST', 'rollouts/shop/shop/pause', {});
    expect(paused.status).toBe(200);
    expect(paused.json().paused).toBe(true);
    expect((await cp.client.get(R.rollouts, 'shop', 'shop')).spec.paused).toBe(true);
    expect((await api('POST', 'rollouts/shop/shop/resume')).json().paused).toBe(false);
    expect((await api('POST', 'rollouts/shop/shop/abort')).json().aborted).toBe(true);
    const refused = await api('POST', 'rollouts/shop/shop/promote', { full: true });
    expect(refused.status).toBe(409);
    expect(refused.json().message).toMatch(/is aborted: retry it first/);
    expect((await api('POST', 'rollouts/shop/shop/retry')).json().aborted).toBe(false);
    expect((await api('POST', 'rollouts/shop/shop/promote', { full: 'yes' })).status).toBe(400);
    expect((await api('POST', 'rollouts/shop/shop/pause', { fast: true })).status).toBe(400);
    expect((await api('POST', 'rollouts/shop/shop/undo', {})).status).toBe(404);
    expect((await api('GET', 'rollouts/shop/nope')).status).toBe(404);
    expect((await api('POST', 'rollouts/shop/nope/pause', {})).status).toBe(404);
  });
});
