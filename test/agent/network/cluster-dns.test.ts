// ClusterDns over real sockets: Node's resolver against it on loopback (UDP), TCP queries,
// forwarding to an upstream (another instance on loopback), and busybox nslookup from a pod netns.
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeNetwork } from '../../../src/agent/network/bridge-network.js';
import { ClusterDns } from '../../../src/agent/network/cluster-dns.js';
import {
  aRecordIp,
  DnsClass,
  DnsType,
  decodeMessage,
  encodeMessage,
  Rcode,
} from '../../../src/agent/network/dns-message.js';
import { podResolvConf } from '../../../src/agent/network/resolv-conf.js';
import { canUseKernel, run } from './net-helpers.js';

const services = new Map<string, string[]>([['web.default.svc.cluster.local', ['10.96.0.10']]]);
const lookup = (name: string) => services.get(name);

function resolverFor(port: number): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

function tcpQuery(port: number, name: string): Promise<Buffer> {
  const q = encodeMessage({
    id: 4242,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
    questions: [{ name, type: DnsType.A, class: DnsClass.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length);
    let got = Buffer.alloc(0);
    sock.on('connect', () => sock.write(Buffer.concat([len, q])));
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        sock.destroy();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    sock.on('error', reject);
    sock.setTimeout(3000, () => sock.destroy(new Error('tcp query timed out')));
  });
}

describe('ClusterDns on loopback', () => {
  let upstream: ClusterDns;
  let dns: ClusterDns;
  let lonely: ClusterDns;
  let port: number;

  beforeAll(async () => {
    upstream = new ClusterDns({
      listen: { address: '127.0.0.1', port: 0 },
      lookup: (name) => (name === 'api.upstream.test' ? ['192.0.2.44'] : undefined),
      domain: 'upstream.test',
      upstream: [],
    });
    const up = await upstream.start();
    dns = new ClusterDns({
      listen: { address: '127.0.0.1', port: 0 },
      lookup,
      upstream: [`127.0.0.1:${up.port}`],
    });
    port = (await dns.start()).port;
    lonely = new ClusterDns({ listen: { address: '127.0.0.1', port: 0 }, lookup, upstream: [] });
    await lonely.start();
  });

  afterAll(async () => {
    await Promise.all([dns?.stop(), upstream?.stop(), lonely?.stop()]);
  });

  it('answers A for a service and NXDOMAIN for an unknown cluster name', async () => {
    const r = resolverFor(port);
    expect(await r.resolve4('web.default.svc.cluster.local')).toEqual(['10.96.0.10']);
    await expect(r.resolve4('nope.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('follows the lookup callback as services change', async () => {
    const r = resolverFor(port);
    services.set('late.default.svc.cluster.local', ['10.96.0.77']);
    try {
      expect(await r.resolve4('late.default.svc.cluster.local')).toEqual(['10.96.0.77']);
    } finally {
      services.delete('late.default.svc.cluster.local');
    }
    await expect(r.resolve4('late.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('answers over TCP', async () => {
    const reply = decodeMessage(await tcpQuery(port, 'web.default.svc.cluster.local'));
    expect(reply.id).toBe(4242);
    expect(reply.answers.map(aRecordIp)).toEqual(['10.96.0.10']);
  });

  it('forwards other names upstream over UDP and TCP', async () => {
    expect(await resolverFor(port).resolve4('api.upstream.test')).toEqual(['192.0.2.44']);
    await expect(resolverFor(port).resolve4('nope.upstream.test')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
    const reply = decodeMessage(await tcpQuery(port, 'api.upstream.test'));
    expect(reply.id).toBe(4242);
    expect(reply.answers.map(aRecordIp)).toEqual(['192.0.2.44']);
  });

  it('fails with SERVFAIL when there is no upstream, or it does not answer in time', async () => {
    const lonelyPort = lonely.address?.port ?? 0;
    await expect(resolverFor(lonelyPort).resolve4('example.com')).rejects.toMatchObject({
      code: 'ESERVFAIL',
    });
    // An upstream that never answers: a bound UDP port nobody reads from.
    const silent = new ClusterDns({ listen: { address: '127.0.0.1', port: 0 }, lookup, upstream: [] });
    const deaf = await silent.start();
    const slow = new ClusterDns({
      listen: { address: '127.0.0.1', port: 0 },
      lookup,
      upstream: [`127.0.0.1:${deaf.port}`],
      forwardTimeoutMs: 200,
    });
    const slowPort = (await slow.start()).port;
    try {
      // The silent server answers SERVFAIL itself for non-cluster names: not a timeout. Make it deaf.
      await silent.stop();
      const started = Date.now();
      const raw = await slow.handle(
        encodeMessage({
          id: 7,
          qr: false,
          opcode: 0,
          aa: false,
          tc: false,
          rd: true,
          ra: false,
          rcode: 0,
          questions: [{ name: 'example.com', type: DnsType.A, class: DnsClass.IN }],
          answers: [],
          authorities: [],
          additionals: [],
        }),
        'udp',
      );
      expect(Date.now() - started).toBeLessThan(1500);
      expect(raw && decodeMessage(raw).rcode).toBe(Rcode.SERVFAIL);
      expect(slowPort).toBeGreaterThan(0);
    } finally {
      await slow.stop();
    }
  });

  it('answers FORMERR to garbage and ignores runts', async () => {
    const garbage = Buffer.alloc(20, 0xff);
    garbage.writeUInt16BE(99, 0);
    garbage.writeUInt16BE(0x0100, 2);
    const reply = await dns.handle(garbage, 'udp');
    expect(reply && decodeMessage(reply)).toMatchObject({ id: 99, qr: true, rcode: Rcode.FORMERR });
    expect(await dns.handle(Buffer.alloc(3), 'udp')).toBeUndefined();
  });
});

describe.skipIf(!canUseKernel)('ClusterDns from a pod netns (real kernel)', () => {
  const BRIDGE = 'gtdns0';
  const PREFIX = 'gtdns-';
  const podUid = '0000d5d5-0000-4000-8000-00000000d000';
  let stateDir: string;
  let net: BridgeNetwork;
  let dns: ClusterDns;
  let ns: string;
  const hadEtcNetns = existsSync('/etc/netns');

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'gantry-dns-'));
    net = new BridgeNetwork({ stateDir, bridgeName: BRIDGE, netnsPrefix: PREFIX, vethPrefix: 'gtdns' });
    await net.init('10.250.13.0/24');
    await net.setup({ metadata: { name: 'p', namespace: 'default', uid: podUid } });
    ns = net.netnsName(podUid);
    dns = new ClusterDns({ listen: { address: net.gateway ?? '', port: 53 }, lookup, upstream: [] });
    await dns.start();
    // `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf.
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns}/resolv.conf`, podResolvConf('default', net.gateway ?? ''));
  });

  afterAll(async () => {
    await dns?.stop();
    if (ns) {
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    if (!hadEtcNetns) {
      try {
        rmdirSync('/etc/netns'); // only if empty: someone else may use it meanwhile
      } catch {}
    }
    await net?.shutdown().catch(() => {});
    if (existsSync(`/sys/class/net/${BRIDGE}`)) {
      run('ip', ['link', 'del', BRIDGE]);
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  // Async: the DNS server runs in this very process, so a synchronous exec would starve it.
  const nslookup = async (...args: string[]): Promise<{ ok: boolean; out: string }> =>
    promisify(execFile)('ip', ['netns', 'exec', ns, 'busybox', 'nslookup', ...args], {
      encoding: 'utf8',
      timeout: 10_000,
    }).then(
      (r) => ({ ok: true, out: r.stdout + r.stderr }),
      (err: { stdout?: string; stderr?: string }) => ({
        ok: false,
        out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );

  it('answers busybox nslookup against the bridge IP', async () => {
    const found = await nslookup('web.default.svc.cluster.local', '10.250.13.1');
    expect(found.out).toMatch(/Address:\s*10\.96\.0\.10/);
    const missing = await nslookup('nope.default.svc.cluster.local', '10.250.13.1');
    expect(missing).toMatchObject({ ok: false, out: expect.stringMatching(/NXDOMAIN/) });
  });

  it('resolves a short service name through the pod resolv.conf search list', async () => {
    const r = await nslookup('web');
    expect(r.out).toMatch(/Address:\s*10\.96\.0\.10/);
  });
});
