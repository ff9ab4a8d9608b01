// Registry authentication and failure handling: a small fake Distribution server written here that
// speaks the real protocol (challenges, token endpoint, cross-origin blob redirects, faults), and the
// real docker-registry behind token auth.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltImage, buildBusyboxImage } from '../../../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../../../src/agent/images/local-image-store.js';
import { MediaType } from '../../../src/agent/images/manifest.js';
import { ImageError } from '../../../src/agent/types.js';
import { startRegistry } from '../../helpers/registry.js';

interface FakeOptions {
  auth: 'none' | 'bearer' | 'basic';
  /** The token endpoint wants Basic credentials (bearer mode). */
  tokenNeedsCreds?: boolean;
  /** Status answered for requests whose path matches. */
  fault?: { path: RegExp; status: number };
  /** Requests whose path matches get headers but never a body. */
  stall?: RegExp;
}

interface Fake {
  host: string;
  log: { path: string; authorization?: string }[];
  tokenLog: { query: string; authorization?: string }[];
  storageLog: { path: string; authorization?: string }[];
  close(): Promise<void>;
}

const USER = 'alice';
const PASS = 's3cret';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

let work: string;
let image: BuiltImage;

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

/** A Distribution v2 server for one repository (`demo/app`) over the blobs of an OCI layout. */
async function startFake(layoutDir: string, opts: FakeOptions): Promise<Fake> {
  const blob = (digest: string) => readFile(join(layoutDir, 'blobs/sha256', digest.replace(/^sha256:/, '')));
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const manifestDigest = index.manifests[0]!.digest;
  const log: Fake['log'] = [];
  const tokenLog: Fake['tokenLog'] = [];
  const storageLog: Fake['storageLog'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const token = `tok-${Math.random().toString(36).slice(2)}`;

  // Blob storage on another origin, like a CDN or S3: refuses requests that carry registry credentials.
  const storage = await listen(async (req, res) => {
    storageLog.push({
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (req.headers.authorization) {
      res.writeHead(400).end('credentials must not be forwarded');
      return;
    }
    try {
      const data = await blob((req.url ?? '').split('/').pop() ?? '');
      res
        .writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length })
        .end(data);
    } catch {
      res.writeHead(404).end();
    }
  });

  const registry = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const authorization = req.headers.authorization;
    if (url.pathname === '/token') {
      tokenLog.push({ query: url.search, ...(authorization ? { authorization } : {}) });
      if (opts.tokenNeedsCreds && authorization !== BASIC) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ access_token: token, expires_in: 300 }));
      return;
    }
    log.push({ path: url.pathname, ...(authorization ? { authorization } : {}) });
    const ok =
      opts.auth === 'none' ||
      (opts.auth === 'bearer' && authorization === `Bearer ${token}`) ||
      (opts.auth === 'basic' && authorization === BASIC);
    if (!ok) {
      const { port } = registry;
      const challenge =
        opts.auth === 'bearer'
          ? `Bearer realm="http://127.0.0.1:${port}/token",service="fake-registry",scope="repository:demo/app:pull"`
          : 'Basic realm="fake"';
      res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (opts.fault?.path.test(url.pathname)) {
      res.writeHead(opts.fault.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'FAULT', message: `injected ${opts.fault.status}` }] }));
      return;
    }
    const m = /^\/v2\/demo\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN' }] }));
      return;
    }
    if (opts.stall?.test(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 1000 });
      res.write('x');
      return; // never finishes
    }
    if (m[1] === 'manifests') {
      const digest = m[2] === 'v1' ? manifestDigest : m[2]!;
      if (digest !== manifestDigest) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
        return;
      }
      const data = await blob(digest);
      res
        .writeHead(200, { 'Content-Type': MediaType.ociManifest, 'Docker-Content-Digest': digest })
        .end(data);
      return;
    }
    res.writeHead(307, { Location: `http://127.0.0.1:${storage.port}/data/${m[2]}` }).end();
  });
  for (const s of [registry.server, storage.server]) {
    s.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
  }
  return {
    host: `127.0.0.1:${registry.port}`,
    log,
    tokenLog,
    storageLog,
    async close() {
      for (const s of sockets) {
        s.destroy();
      }
      await Promise.all(
        [registry.server, storage.server].map(
          (s) => new Promise<void>((resolve) => s.close(() => resolve())),
        ),
      );
    },
  };
}

async function withFake<T>(
  opts: FakeOptions,
  fn: (fake: Fake, store: LocalImageStore) => Promise<T>,
  timeoutMs?: number,
) {
  const fake = await startFake(image.dir, opts);
  const root = await mkdtemp(join(work, 'store-'));
  try {
    const store = new LocalImageStore({
      root,
      insecureRegistries: [fake.host],
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    return await fn(fake, store);
  } finally {
    await fake.close();
  }
}

async function imageError(p: Promise<unknown>): Promise<ImageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-auth-test-'));
  image = await buildBusyboxImage(join(work, 'layout'), { ref: 'fake.test/demo/app:v1' });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('registry auth against a fake Distribution server', () => {
  it('bearer: gets an anonymous token once, reuses it, follows blob redirects without leaking it', async () => {
    await withFake({ auth: 'bearer' }, async (fake, store) => {
      const img = await store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent');
      expect(img.digest).toBe(image.manifest.digest);
      expect(fake.tokenLog).toHaveLength(1);
      const q = new URLSearchParams(fake.tokenLog[0]!.query);
      expect(q.get('service')).toBe('fake-registry');
      expect(q.get('scope')).toBe('repository:demo/app:pull');
      expect(fake.tokenLog[0]!.authorization).toBeUndefined();
      expect(fake.log.filter((l) => !l.authorization)).toHaveLength(1); // only the first, challenged request
      expect(fake.storageLog.length).toBeGreaterThanOrEqual(2); // config + layer via redirect
      expect(fake.storageLog.every((l) => l.authorization === undefined)).toBe(true);
    });
  });

  it('bearer with credentials: Basic to the token service; without them a clear 401', async () => {
    await withFake({ auth: 'bearer', tokenNeedsCreds: true }, async (fake, store) => {
      const err = await imageError(store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent'));
      expect(err.reason).toBe('ErrImagePull');
      expect(err.message).toMatch(/token service http:\/\/127\.0\.0\.1:\d+ answered 401 Unauthorized/);
      const img = await store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent', {
        username: USER,
        password: PASS,
      });
      expect(img.digest).toBe(image.manifest.digest);
      expect(fake.tokenLog.at(-1)!.authorization).toBe(BASIC);
    });
  });

  it('basic auth registries get the credentials; without them the error names the registry', async () => {
    await withFake({ auth: 'basic' }, async (fake, store) => {
      const err = await imageError(store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent'));
      expect(err.message).toContain(`registry ${fake.host} answered 401 Unauthorized for manifest v1`);
      const img = await store.ensure(`${fake.host}/demo/app:v1`, 'Always', {
        username: USER,
        password: PASS,
      });
      expect(img.digest).toBe(image.manifest.digest);
      expect(fake.log.filter((l) => l.path.includes('/blobs/')).every((l) => l.authorization === BASIC)).toBe(
        true,
      );
    });
  });

  it('403 and 5xx answers become ErrImagePull with the status', async () => {
    await withFake({ auth: 'none', fault: { path: /\/manifests\//, status: 403 } }, async (fake, store) => {
      const err = await imageError(store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent'));
      expect(err.message).toMatch(
        new RegExp(`registry ${fake.host} answered 403 Forbidden for manifest v1 \\(FAULT: injected 403\\)`),
      );
    });
    await withFake({ auth: 'none', fault: { path: /\/blobs\//, status: 503 } }, async (fake, store) => {
      const err = await imageError(store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent'));
      expect(err.message).toMatch(/answered 503 Service Unavailable for blob sha256:[0-9a-f]{64}/);
    });
  });

  it('a stalled blob download times out and leaves nothing behind', async () => {
    await withFake(
      { auth: 'none', stall: /\/blobs\// },
      async (fake, store) => {
        const started = Date.now();
        const err = await imageError(store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent'));
        expect(Date.now() - started).toBeLessThan(5000);
        expect(err.message).toMatch(/stalled: no data for 300 ms/);
        expect(await readdir(join(store.content.root, 'tmp'))).toEqual([]);
        expect(await readdir(store.content.blobsDir)).toHaveLength(1); // only the manifest
      },
      300,
    );
  });

  it('a caller that gives up aborts the pull', async () => {
    await withFake({ auth: 'none', stall: /\/blobs\// }, async (fake, store) => {
      const ac = new AbortController();
      const p = store.ensure(`${fake.host}/demo/app:v1`, 'IfNotPresent', undefined, ac.signal);
      setTimeout(() => ac.abort(new Error('pod deleted')), 200);
      await expect(p).rejects.toThrow('pod deleted');
    });
  });
});

describe('the real docker-registry behind token auth', () => {
  it('pushes with skopeo and pulls with credentials through the token server', async () => {
    const registry = await startRegistry({ tokenAuth: { username: USER, password: PASS } });
    try {
      await registry.push(image.dir, 'secure/app:1');
      const store = new LocalImageStore({
        root: await mkdtemp(join(work, 'store-')),
        insecureRegistries: [registry.host],
      });
      const err = await imageError(store.ensure(`${registry.host}/secure/app:1`, 'IfNotPresent'));
      expect(err.message).toMatch(/token service .* answered 401/);
      const img = await store.ensure(`${registry.host}/secure/app:1`, 'IfNotPresent', {
        username: USER,
        password: PASS,
      });
      expect(img.digest).toBe(image.manifest.digest);
      expect(registry.tokenRequests.at(-1)).toMatch(/scope=repository%3Asecure%2Fapp%3Apull$/);
    } finally {
      await registry.stop();
    }
  });
});
