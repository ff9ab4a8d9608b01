// A real Distribution v2 registry (Debian's docker-registry) on loopback for tests, optionally behind
// token auth served by a tiny JWT token server; images are pushed with skopeo from OCI layouts.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The registry's storage root (`docker/registry/v2/...` below it). */
  readonly storageDir: string;
  /** Pushes an OCI layout (its only image, or the entry named refName; `all` keeps a whole index). */
  push(layoutDir: string, repoTag: string, opts?: { refName?: string; all?: boolean }): Promise<void>;
  /** Path of a blob's data file in the registry's storage. */
  blobDataPath(digest: string): string;
  /** Token requests the token server answered (token-auth registries only). */
  readonly tokenRequests: string[];
  stop(): Promise<void>;
}

export interface TokenAuthOptions {
  readonly username: string;
  readonly password: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A token server: checks Basic credentials, signs RS256 JWTs whose x5c chain is the registry's root cert. */
async function startTokenServer(
  dir: string,
  service: string,
  issuer: string,
  auth: TokenAuthOptions,
  requests: string[],
): Promise<{ server: Server; realm: string; certPath: string }> {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=gantry-test-token-issuer',
  ]);
  const key = readFileSync(keyPath, 'utf8');
  const certDer = Buffer.from(
    readFileSync(certPath, 'utf8')
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.search);
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const access = url.searchParams.getAll('scope').map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop() ?? '';
      return { type, name: rest.join(':'), actions: actions.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: auth.username,
      aud: url.searchParams.get('service') ?? service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${signingInput}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { server, realm: `http://127.0.0.1:${port}/token`, certPath };
}

export async function startRegistry(opts: { tokenAuth?: TokenAuthOptions } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-registry-'));
  const storageDir = join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const tokenRequests: string[] = [];
  let tokenServer: Server | undefined;
  let authYaml = '';
  if (opts.tokenAuth) {
    const service = 'gantry-test-registry';
    const issuer = 'gantry-test-issuer';
    const t = await startTokenServer(dir, service, issuer, opts.tokenAuth, tokenRequests);
    tokenServer = t.server;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: ${randomBytes(16).toString('hex')}
${authYaml}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (tokenServer) {
      await new Promise<void>((resolve) => tokenServer!.close(() => resolve()));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await cleanup();
      throw new Error(`docker-registry did not start on ${host}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    storageDir,
    tokenRequests,
    async push(layoutDir, repoTag, pushOpts = {}) {
      const src = `oci:${layoutDir}${pushOpts.refName ? `:${pushOpts.refName}` : ''}`;
      const args = ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--quiet'];
      if (pushOpts.all) {
        args.push('--all');
      }
      if (opts.tokenAuth) {
        args.push('--dest-creds', `${opts.tokenAuth.username}:${opts.tokenAuth.password}`);
      }
      args.push(src, `docker://${host}/${repoTag}`);
      try {
        await exec('skopeo', args, { timeout: 60_000 });
      } catch (err) {
        throw new Error(`skopeo ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? err}`);
      }
    },
    blobDataPath(digest) {
      const hex = digest.replace(/^sha256:/, '');
      return join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: cleanup,
  };
}
