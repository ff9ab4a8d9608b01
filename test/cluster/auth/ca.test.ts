import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateHosts, ensurePki, type Pki } from '../../../src/cluster/auth/ca.js';
import { writeKubeconfig } from '../../../src/cluster/auth/kubeconfig.js';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-pki-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function listen(
  pki: Pki,
  handler?: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(
    { cert: pki.certPem, key: pki.keyPem },
    handler ?? ((_req, res) => res.end('ok')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Completes a TLS handshake (or fails) with the given trust anchor and server name. */
function handshake(
  port: number,
  ca: string,
  servername?: string,
): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, ...(servername ? { servername } : {}) });
    socket.once('secureConnect', () => {
      socket.end();
      resolve({ ok: true });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve({ ok: false, code: err.code ?? err.message });
    });
  });
}

describe('ensurePki', () => {
  it('creates a CA and a server certificate with the right shape and file modes', async () => {
    const pki = await ensurePki(dir, ['gantry.example.com', '10.1.2.3', 'fd00::10']);
    const files = ['ca.crt', 'ca.key', 'server.crt', 'server.key'].map((f) => join(dir, 'pki', f));
    expect(await readFile(files[0] as string, 'utf8')).toBe(pki.caCertPem);
    expect(await readFile(files[1] as string, 'utf8')).toBe(pki.caKeyPem);
    expect(await readFile(files[2] as string, 'utf8')).toBe(pki.certPem);
    expect(await readFile(files[3] as string, 'utf8')).toBe(pki.keyPem);
    expect(await mode(join(dir, 'pki', 'ca.key'))).toBe(0o600);
    expect(await mode(join(dir, 'pki', 'server.key'))).toBe(0o600);

    const ca = new X509Certificate(pki.caCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyType).toBe('ec');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.verify(ca.publicKey)).toBe(true);
    const caYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * DAY);
    expect(caYears).toBeGreaterThan(9.9);
    expect(caYears).toBeLessThan(10.1);

    const cert = new X509Certificate(pki.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('gantry.example.com')).toBe('gantry.example.com');
    expect(cert.checkHost('other.example.com')).toBeUndefined();
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('fd00::10')).toBe('fd00::10');
    expect(cert.checkIP('10.1.2.4')).toBeUndefined();
    expect(certificateHosts(pki.certPem).sort()).toEqual(
      ['127.0.0.1', '::1', '10.1.2.3', 'fd00::10', 'gantry.example.com', 'localhost'].sort(),
    );
  });

  it('CA carries critical basicConstraints CA:TRUE and keyCertSign (checked with openssl when present)', async (ctx) => {
    const pki = await ensurePki(dir, []);
    const caFile = join(dir, 'pki', 'ca.crt');
    let text: string;
    try {
      text = (await run('openssl', ['x509', '-in', caFile, '-noout', '-text'])).stdout;
    } catch {
      ctx.skip();
      return;
    }
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+[^\n]*Certificate Sign/);
    const verify = await run('openssl', ['verify', '-CAfile', caFile, join(dir, 'pki', 'server.crt')]);
    expect(verify.stdout).toContain('OK');
    expect(pki.caCertPem).toContain('BEGIN CERTIFICATE');
  });

  it('serves TLS that verifies against the CA, with host-name checks', async () => {
    const pki = await ensurePki(dir, ['gantry.internal']);
    const { server, port } = await listen(pki);
    try {
      expect(await handshake(port, pki.caCertPem, 'localhost')).toEqual({ ok: true });
      expect(await handshake(port, pki.caCertPem, 'gantry.internal')).toEqual({ ok: true });
      // No SNI: Node checks the IP we dialled (127.0.0.1) against the IP SANs.
      expect(await handshake(port, pki.caCertPem)).toEqual({ ok: true });
      expect(await handshake(port, pki.caCertPem, 'evil.example.com')).toEqual({
        ok: false,
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      const otherDir = await mkdtemp(join(tmpdir(), 'gantry-pki-other-'));
      try {
        const other = await ensurePki(otherDir, []);
        const res = await handshake(port, other.caCertPem, 'localhost');
        expect(res.ok).toBe(false);
      } finally {
        await rm(otherDir, { recursive: true, force: true });
      }
    } finally {
      await close(server);
    }
  });

  it('reuses the files on later starts', async () => {
    const first = await ensurePki(dir, ['gantry.example.com']);
    const again = await ensurePki(dir, ['gantry.example.com']);
    expect(again).toEqual(first);
    // A subset of the hosts (or a different spelling of ::1) is still covered.
    expect(await ensurePki(dir, ['0:0:0:0:0:0:0:1', 'LOCALHOST'])).toEqual(first);
  });

  it('re-issues only the server certificate when a host is missing', async () => {
    const first = await ensurePki(dir, ['a.example.com']);
    const next = await ensurePki(dir, ['a.example.com', '192.168.10.20']);
    expect(next.caCertPem).toBe(first.caCertPem);
    expect(next.caKeyPem).toBe(first.caKeyPem);
    expect(next.certPem).not.toBe(first.certPem);
    expect(next.keyPem).not.toBe(first.keyPem);
    expect(certificateHosts(next.certPem)).toEqual(
      expect.arrayContaining(['a.example.com', '192.168.10.20']),
    );
    expect(await readFile(join(dir, 'pki', 'server.crt'), 'utf8')).toBe(next.certPem);
    expect(await mode(join(dir, 'pki', 'server.key'))).toBe(0o600);
  });

  it('re-issues the server certificate within 30 days of expiry, not before', async () => {
    const t0 = new Date();
    const first = await ensurePki(dir, [], { now: t0 });
    const at300 = await ensurePki(dir, [], { now: new Date(t0.getTime() + 300 * DAY) });
    expect(at300.certPem).toBe(first.certPem);
    const at340 = await ensurePki(dir, [], { now: new Date(t0.getTime() + 340 * DAY) });
    expect(at340.certPem).not.toBe(first.certPem);
    expect(at340.caCertPem).toBe(first.caCertPem);
    const renewed = new X509Certificate(at340.certPem);
    expect(Date.parse(renewed.validTo)).toBeGreaterThan(t0.getTime() + 700 * DAY);
  });

  it('replaces a server key that does not match its certificate', async () => {
    const first = await ensurePki(dir, []);
    const other = await ensurePki(join(dir, 'other'), []);
    await writeFile(join(dir, 'pki', 'server.key'), other.keyPem, { mode: 0o600 });
    const fixed = await ensurePki(dir, []);
    expect(fixed.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(fixed.certPem).checkIssued(new X509Certificate(first.caCertPem))).toBe(true);
  });

  it('refuses a CA key that does not belong to the CA certificate', async () => {
    await ensurePki(dir, []);
    const other = await ensurePki(join(dir, 'other'), []);
    await writeFile(join(dir, 'pki', 'ca.key'), other.caKeyPem, { mode: 0o600 });
    await expect(ensurePki(dir, [])).rejects.toThrow(/does not belong/);
  });
});

async function kubectlPath(): Promise<string | undefined> {
  try {
    await run('kubectl', ['version', '--client', '-o', 'json']);
    return 'kubectl';
  } catch {
    return undefined;
  }
}

describe('kubectl (Go TLS) accepts the certificates', async () => {
  const kubectl = await kubectlPath();

  it.skipIf(!kubectl)('kubectl version talks to an https server using the generated kubeconfig', async () => {
    const pki = await ensurePki(dir, []);
    const token = 'test-token-0123456789';
    const seen: (string | undefined)[] = [];
    const { server, port } = await listen(pki, (req, res) => {
      seen.push(req.headers.authorization);
      if (req.url?.startsWith('/version') && req.headers.authorization === `Bearer ${token}`) {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            major: '1',
            minor: '30',
            gitVersion: 'v1.30.0-gantry',
            gitCommit: '',
            gitTreeState: 'clean',
            buildDate: '2024-05-01T00:00:00Z',
            goVersion: 'node',
            compiler: 'tsc',
            platform: 'linux/amd64',
          }),
        );
        return;
      }
      res.statusCode = 401;
      res.end('{}');
    });
    const env = { ...process.env, HOME: dir, KUBECONFIG: '' };
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const kc = join(dir, `kubeconfig-${host}`);
        await writeKubeconfig(kc, { server: `https://${host}:${port}`, caPem: pki.caCertPem, token });
        const { stdout } = await run(
          'kubectl',
          [
            '--kubeconfig',
            kc,
            '--request-timeout=10s',
            '--cache-dir',
            join(dir, 'cache'),
            'version',
            '-o',
            'json',
          ],
          { env },
        );
        expect(JSON.parse(stdout).serverVersion.gitVersion).toBe('v1.30.0-gantry');
      }
      expect(seen).toContain(`Bearer ${token}`);

      // The same server through a CA that did not sign it: Go must refuse.
      const other = await ensurePki(join(dir, 'other'), []);
      const bad = join(dir, 'kubeconfig-bad');
      await writeKubeconfig(bad, { server: `https://127.0.0.1:${port}`, caPem: other.caCertPem, token });
      const failure = await run(
        'kubectl',
        [
          '--kubeconfig',
          bad,
          '--request-timeout=10s',
          '--cache-dir',
          join(dir, 'cache'),
          'version',
          '-o',
          'json',
        ],
        { env },
      ).then(
        () => undefined,
        (err: { stderr?: string }) => err.stderr ?? '',
      );
      expect(failure).toMatch(/x509|certificate/i);
    } finally {
      await close(server);
    }
  });
});
