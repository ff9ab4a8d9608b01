import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookHandler, normalizeRepoURL, type PushEvent, sameRepo } from '../../src/sync/webhook.js';

const SECRET = 'It is a s3cret!';

function sign(body: string | Buffer, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Reply {
  status: number;
  body: any;
}

function request(
  base: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
  opts: { method?: string; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method: opts.method ?? 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(body !== undefined && !opts.chunked
            ? { 'Content-Length': String(Buffer.byteLength(body)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined && opts.chunked) {
      // Send in pieces without a Content-Length so the limit is enforced while streaming.
      const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
      for (let i = 0; i < buf.length; i += 256 * 1024) {
        req.write(buf.subarray(i, i + 256 * 1024));
      }
      req.end();
    } else {
      req.end(body);
    }
  });
}

const pushPayload = JSON.stringify({
  ref: 'refs/heads/main',
  before: '1111111111111111111111111111111111111111',
  after: '9f2c1e4b7a0d3c5e6f8a9b0c1d2e3f4a5b6c7d8e',
  repository: {
    id: 42,
    name: 'gitops',
    full_name: 'acme/gitops',
    html_url: 'https://github.com/acme/gitops',
    clone_url: 'https://github.com/acme/gitops.git',
    ssh_url: 'git@github.com:acme/gitops.git',
    git_url: 'git://github.com/acme/gitops.git',
  },
  pusher: { name: 'dev' },
  commits: [{ id: '9f2c1e4b7a0d3c5e6f8a9b0c1d2e3f4a5b6c7d8e', message: 'bump web to 1.2.4' }],
});

describe('webhook handler over HTTP', () => {
  let server: http.Server;
  let base = '';
  let pushes: PushEvent[] = [];
  let secret: string | undefined = SECRET;

  beforeAll(async () => {
    const handler = createWebhookHandler({ secret: () => secret, onPush: (e) => void pushes.push(e) });
    server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    pushes = [];
    secret = SECRET;
  });

  it('a signed GitHub push calls onPush with every URL of the repository', async () => {
    const r = await request(base, '/api/webhook', pushPayload, {
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': sign(pushPayload),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success', code: 200 });
    expect(pushes).toEqual([
      {
        repoURLs: [
          'https://github.com/acme/gitops.git',
          'git@github.com:acme/gitops.git',
          'https://github.com/acme/gitops',
          'git://github.com/acme/gitops.git',
        ],
        ref: 'refs/heads/main',
        after: '9f2c1e4b7a0d3c5e6f8a9b0c1d2e3f4a5b6c7d8e',
      },
    ]);
  });

  it('a wrong signature gets 401 and changes nothing', async () => {
    for (const signature of [
      sign(pushPayload, 'another secret'),
      sign(`${pushPayload} `),
      'sha256=deadbeef',
      'sha1=0123456789abcdef0123456789abcdef01234567',
      sign(pushPayload).toUpperCase(),
    ]) {
      const r = await request(base, '/api/webhook', pushPayload, {
        'X-GitHub-Event': 'push',
        'X-Hub-Signature-256': signature,
      });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
    expect(pushes).toEqual([]);
  });

  it('a missing signature gets 401 when a secret is configured', async () => {
    const r = await request(base, '/api/webhook', pushPayload, { 'X-GitHub-Event': 'push' });
    expect(r.status).toBe(401);
    expect(pushes).toEqual([]);
  });

  it('without a secret, unsigned pushes are accepted', async () => {
    secret = undefined;
    const r = await request(base, '/api/webhook', pushPayload, { 'X-GitHub-Event': 'push' });
    expect(r.status).toBe(200);
    expect(pushes).toHaveLength(1);
  });

  it('ping answers 200, other events 202, neither refreshes', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const r1 = await request(base, '/api/webhook', ping, {
      'X-GitHub-Event': 'ping',
      'X-Hub-Signature-256': sign(ping),
    });
    expect(r1.status).toBe(200);
    const issue = JSON.stringify({ action: 'opened' });
    const r2 = await request(base, '/api/webhook', issue, {
      'X-GitHub-Event': 'issues',
      'X-Hub-Signature-256': sign(issue),
    });
    expect(r2.status).toBe(202);
    expect(r2.body.message).toMatch(/ignored event "issues"/);
    expect(pushes).toEqual([]);
  });

  it('accepts a form-encoded GitHub payload, signed over the raw body', async () => {
    const body = new URLSearchParams({ payload: pushPayload }).toString();
    const r = await request(base, '/api/webhook', body, {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': sign(body),
    });
    expect(r.status).toBe(200);
    expect(pushes[0]?.ref).toBe('refs/heads/main');
  });

  it('a push payload without a repository is a 400', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const r = await request(base, '/api/webhook', body, {
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': sign(body),
    });
    expect(r.status).toBe(400);
    expect(pushes).toEqual([]);
  });

  it('the generic endpoint takes {repoURL, revision}', async () => {
    const body = JSON.stringify({ repoURL: 'file:///srv/git/gitops.git', revision: 'main' });
    const r = await request(base, '/api/webhook/generic', body, { 'X-Hub-Signature-256': sign(body) });
    expect(r.status).toBe(200);
    expect(pushes).toEqual([{ repoURLs: ['file:///srv/git/gitops.git'], ref: 'main' }]);

    const sha = '0123456789abcdef0123456789abcdef01234567';
    const body2 = JSON.stringify({ repoURL: 'https://git.example.com/a/b', revision: sha });
    await request(base, '/api/webhook/generic', body2, { 'X-Hub-Signature-256': sign(body2) });
    expect(pushes[1]).toEqual({ repoURLs: ['https://git.example.com/a/b'], ref: sha, after: sha });
  });

  it('the generic endpoint verifies the same signature', async () => {
    const body = JSON.stringify({ repoURL: 'file:///srv/git/gitops.git', revision: 'main' });
    const bad = await request(base, '/api/webhook/generic', body, { 'X-Hub-Signature-256': sign('{}') });
    expect(bad.status).toBe(401);
    const none = await request(base, '/api/webhook/generic', body);
    expect(none.status).toBe(401);
    expect(pushes).toEqual([]);
  });

  it('malformed JSON is a 400; a body without repoURL too', async () => {
    const broken = '{"repoURL": "file:///x",';
    const r = await request(base, '/api/webhook/generic', broken, { 'X-Hub-Signature-256': sign(broken) });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ reason: 'BadRequest' });
    expect(r.body.message).toMatch(/malformed JSON/);
    const empty = JSON.stringify({ revision: 'main' });
    const r2 = await request(base, '/api/webhook/generic', empty, { 'X-Hub-Signature-256': sign(empty) });
    expect(r2.status).toBe(400);
    expect(r2.body.message).toMatch(/repoURL/);
    expect(pushes).toEqual([]);
  });

  it('bodies over 1 MiB get 413, declared or streamed', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    const declared = await request(base, '/api/webhook/generic', big, { 'X-Hub-Signature-256': sign(big) });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ reason: 'RequestEntityTooLarge', code: 413 });
    const streamed = await request(
      base,
      '/api/webhook',
      big,
      { 'X-GitHub-Event': 'push' },
      { chunked: true },
    );
    expect(streamed.status).toBe(413);
    // Exactly the limit is fine (and then fails as malformed JSON, after the signature check).
    const edge = Buffer.alloc(1024 * 1024, ' ');
    const atLimit = await request(base, '/api/webhook/generic', edge, { 'X-Hub-Signature-256': sign(edge) });
    expect(atLimit.status).toBe(400);
    expect(pushes).toEqual([]);
  });

  it('only POST on the webhook paths', async () => {
    const get = await request(base, '/api/webhook', undefined, {}, { method: 'GET' });
    expect(get.status).toBe(405);
    const other = await request(base, '/api/webhooks', '{}', {});
    expect(other.status).toBe(404);
  });

  it('an onPush failure is a 500', async () => {
    const handler = createWebhookHandler({
      onPush: () => {
        throw new Error('queue closed');
      },
    });
    const s = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      const body = JSON.stringify({ repoURL: 'file:///x' });
      const r = await request(url, '/api/webhook/generic', body);
      expect(r.status).toBe(500);
      expect(r.body.message).toBe('webhook failed: queue closed');
    } finally {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
});

describe('normalizeRepoURL / sameRepo', () => {
  it.each([
    ['https://github.com/acme/gitops.git', 'github.com/acme/gitops'],
    ['https://github.com/acme/gitops/', 'github.com/acme/gitops'],
    ['https://GitHub.COM/acme/gitops', 'github.com/acme/gitops'],
    ['https://user:token@github.com/acme/gitops.git', 'github.com/acme/gitops'],
    ['https://github.com:443/acme/gitops', 'github.com/acme/gitops'],
    ['git@github.com:acme/gitops.git', 'github.com/acme/gitops'],
    ['ssh://git@github.com/acme/gitops.git', 'github.com/acme/gitops'],
    ['ssh://git@github.com:22/acme/gitops', 'github.com/acme/gitops'],
    ['ssh://git@git.example.com:2222/acme/gitops', 'git.example.com:2222/acme/gitops'],
    ['git://github.com/acme/gitops.git', 'github.com/acme/gitops'],
    ['http://127.0.0.1:8080/repo.git', '127.0.0.1:8080/repo'],
    ['file:///srv/git/gitops.git', 'file:///srv/git/gitops'],
    ['/srv/git/gitops.git/', 'file:///srv/git/gitops'],
    ['  https://github.com/acme/gitops  ', 'github.com/acme/gitops'],
  ])('%s → %s', (url, want) => {
    expect(normalizeRepoURL(url)).toBe(want);
  });

  it('matches the same repository however it is spelled', () => {
    const spellings = [
      'https://github.com/acme/gitops',
      'https://github.com/Acme/GitOps.git',
      'git@github.com:acme/gitops.git',
      'ssh://git@github.com/acme/gitops/',
      'git://github.com/acme/gitops.git',
    ];
    for (const a of spellings) {
      for (const b of spellings) {
        expect(sameRepo(a, b)).toBe(true);
      }
    }
  });

  it('tells different repositories apart', () => {
    expect(sameRepo('https://github.com/acme/gitops', 'https://github.com/acme/gitops-prod')).toBe(false);
    expect(sameRepo('https://github.com/acme/gitops', 'https://gitlab.com/acme/gitops')).toBe(false);
    expect(sameRepo('file:///srv/Repo', 'file:///srv/repo')).toBe(false);
    expect(sameRepo('file:///srv/repo.git', '/srv/repo')).toBe(true);
    expect(sameRepo('', '')).toBe(false);
  });
});
