// The API server's PKI: a self-signed CA (10 years) and a server certificate it signs (1 year),
// ECDSA P-256, kept under `<dir>/pki/`. Made on first start, reused afterwards; only the server
// certificate is re-issued, when a requested host is missing from its SANs or it nears expiry.
import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 365;
/** A server certificate expiring sooner than this is re-issued. */
const RENEW_BEFORE_DAYS = 30;
/** notBefore is backdated a little so that clocks slightly behind ours accept new certificates. */
const BACKDATE_MS = 5 * 60 * 1000;
const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** Canonical form of a SAN entry, so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
export function canonicalHost(host: string): string {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(h) === 6) {
    return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  }
  return isIP(h) === 4 ? h : h.toLowerCase();
}

function sanEntries(hosts: readonly string[]): x509.JsonGeneralName[] {
  const seen = new Set<string>();
  const out: x509.JsonGeneralName[] = [];
  for (const raw of [...DEFAULT_HOSTS, ...hosts]) {
    const host = canonicalHost(raw);
    if (host === '' || seen.has(host)) {
      continue;
    }
    seen.add(host);
    out.push({ type: isIP(host) ? 'ip' : 'dns', value: host });
  }
  return out;
}

/** Random positive serial (high bit clear, first byte non-zero), as Go's x509 parser requires. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 1) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string, label: string): Buffer {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m?.[1]) {
    throw new Error(`no ${label} block in PEM`);
  }
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = fromPem(pem, 'PRIVATE KEY');
  return await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, true, ['sign']);
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function createCa(now: Date): Promise<{ cert: x509.X509Certificate; keyPem: string }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=gantry-ca,O=gantry',
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keyPem: await exportKeyPem(keys.privateKey) };
}

async function createServerCert(
  ca: x509.X509Certificate,
  caKey: webcrypto.CryptoKey,
  hosts: readonly string[],
  now: Date,
): Promise<{ cert: x509.X509Certificate; keyPem: string }> {
  const keys = await newKeys();
  const notAfter = Math.min(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS, ca.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=gantry-apiserver,O=gantry',
    issuer: ca.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(sanEntries(hosts), false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return { cert, keyPem: await exportKeyPem(keys.privateKey) };
}

/** The DNS names and IPs a certificate is valid for, canonicalized. */
export function certificateHosts(certPem: string): string[] {
  const cert = new x509.X509Certificate(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) {
    return [];
  }
  return san.names
    .toJSON()
    .filter((n) => n.type === 'dns' || n.type === 'ip')
    .map((n) => canonicalHost(n.value));
}

/** Whether the private key belongs to the certificate. */
function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return new NodeX509(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** Why the server certificate must be re-issued, or undefined when it is still good. */
async function serverCertProblem(
  certPem: string,
  keyPem: string,
  ca: x509.X509Certificate,
  hosts: readonly string[],
  now: Date,
): Promise<string | undefined> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch {
    return 'unreadable';
  }
  if (!keyMatches(certPem, keyPem)) {
    return 'key does not match';
  }
  if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }))) {
    return 'issued by another CA';
  }
  if (cert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) {
    return 'expires soon';
  }
  const have = new Set(certificateHosts(certPem));
  const missing = sanEntries(hosts).find((e) => !have.has(e.value));
  return missing ? `missing host ${missing.value}` : undefined;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new Error(`read ${path}`, { cause: err });
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a PEM behind. */
async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

export interface EnsurePkiOptions {
  /** Clock, for tests. */
  now?: Date;
}

/**
 * Loads or creates `<dir>/pki/{ca.crt,ca.key,server.crt,server.key}`. The server certificate
 * covers localhost, 127.0.0.1, ::1 and `hosts` (DNS names or IPs).
 */
export async function ensurePki(dir: string, hosts: string[], opts: EnsurePkiOptions = {}): Promise<Pki> {
  const now = opts.now ?? new Date();
  const pki = join(dir, 'pki');
  await mkdir(pki, { recursive: true, mode: 0o700 });
  const paths = {
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    cert: join(pki, 'server.crt'),
    key: join(pki, 'server.key'),
  };

  let caCertPem = await readIfExists(paths.caCert);
  let caKeyPem = await readIfExists(paths.caKey);
  if (caCertPem === undefined || caKeyPem === undefined) {
    const ca = await createCa(now);
    caCertPem = ca.cert.toString('pem');
    caKeyPem = ca.keyPem;
    await writeAtomic(paths.caKey, caKeyPem, 0o600);
    await writeAtomic(paths.caCert, caCertPem, 0o644);
  }
  let ca: x509.X509Certificate;
  let caKey: webcrypto.CryptoKey;
  try {
    ca = new x509.X509Certificate(caCertPem);
    caKey = await importKeyPem(caKeyPem);
  } catch (err) {
    throw new Error(`load CA from ${pki}`, { cause: err });
  }
  if (!keyMatches(caCertPem, caKeyPem)) {
    throw new Error(`${paths.caKey} does not belong to ${paths.caCert}; restore the pair or remove both`);
  }

  let certPem = await readIfExists(paths.cert);
  let keyPem = await readIfExists(paths.key);
  if (
    certPem === undefined ||
    keyPem === undefined ||
    (await serverCertProblem(certPem, keyPem, ca, hosts, now)) !== undefined
  ) {
    const server = await createServerCert(ca, caKey, hosts, now);
    certPem = server.cert.toString('pem');
    keyPem = server.keyPem;
    await writeAtomic(paths.key, keyPem, 0o600);
    await writeAtomic(paths.cert, certPem, 0o644);
  }
  return { caCertPem, caKeyPem, certPem, keyPem };
}
