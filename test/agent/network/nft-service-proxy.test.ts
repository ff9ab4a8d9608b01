// Real kernel: ClusterIP and NodePort load balancing over two backends in pod netns, readiness,
// rejection without endpoints, conntrack stickiness across rule changes, and apply time.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeNetwork } from '../../../src/agent/network/bridge-network.js';
import { NftServiceProxy } from '../../../src/agent/network/nft-service-proxy.js';
import type { PodNetworkInfo, ServicePortRule } from '../../../src/agent/types.js';
import { canUseKernel, LineClient, nsGreeter, run, stopProcess, waitFor, whoAnswers } from './net-helpers.js';

const BRIDGE = 'gtsp0';
const NETNS_PREFIX = 'gtsp-';
const TABLE = 'gantry-svc-gtsp';
const CIDR = '10.250.12.0/24';
const BRIDGE_IP = '10.250.12.1';
const SERVICE_CIDR = '10.250.112.0/24';
const CLUSTER_IP = '10.250.112.10';
const NODE_PORT = 31871;
const BACKEND_PORT = 9000;
const uid = (n: number) => `${String(n).padStart(8, '0')}-5e7c-4000-8000-00000000c000`;
const nsOf = (n: number) => `${NETNS_PREFIX}${uid(n).slice(0, 12)}`;

/** Who answered, from inside a pod netns (busybox nc; the greeter closes when nc's stdin ends). */
function whoAnswersFromPod(ns: string, host: string, port: number): string {
  return execFileSync('ip', ['netns', 'exec', ns, 'busybox', 'nc', '-w', '2', host, String(port)], {
    input: '',
    encoding: 'utf8',
    timeout: 5000,
  }).trim();
}

async function responders(host: string, port: number, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const who = await whoAnswers(host, port);
    seen.set(who, (seen.get(who) ?? 0) + 1);
  }
  return seen;
}

function connectError(host: string, port: number): Promise<{ code?: string; ms: number }> {
  const started = performance.now();
  return LineClient.open(host, port, 3000).then(
    (c) => {
      c.close();
      return { ms: performance.now() - started };
    },
    (err: NodeJS.ErrnoException) => ({ code: err.code ?? err.message, ms: performance.now() - started }),
  );
}

describe.skipIf(!canUseKernel)('NftServiceProxy (real kernel)', () => {
  let stateDir: string;
  let net: BridgeNetwork;
  let proxy: NftServiceProxy;
  const pods: PodNetworkInfo[] = [];
  const procs: ChildProcess[] = [];

  const web = (
    endpoints: ServicePortRule['endpoints'],
    nodePort: number | undefined = NODE_PORT,
  ): ServicePortRule => ({
    namespace: 'default',
    service: 'web',
    portName: 'http',
    protocol: 'TCP',
    clusterIP: CLUSTER_IP,
    port: 80,
    nodePort,
    endpoints,
  });
  const ep = (i: number, ready = true, terminating = false) => ({
    ip: pods[i]?.ip ?? 'missing',
    port: BACKEND_PORT,
    ready,
    terminating,
  });

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'gantry-svc-'));
    net = new BridgeNetwork({ stateDir, bridgeName: BRIDGE, netnsPrefix: NETNS_PREFIX, vethPrefix: 'gtsp' });
    await net.init(CIDR);
    // Keep service addresses on the test bridge even if no rule matched.
    run('ip', ['route', 'add', SERVICE_CIDR, 'dev', BRIDGE]);
    proxy = new NftServiceProxy({ tableName: TABLE, nodeIPs: [] });
    for (const n of [0, 1, 2]) {
      pods.push(await net.setup({ metadata: { name: `p${n}`, namespace: 'default', uid: uid(n) } }));
    }
    procs.push(nsGreeter(nsOf(0), 'a', BACKEND_PORT), nsGreeter(nsOf(1), 'b', BACKEND_PORT));
    for (const p of pods.slice(0, 2)) {
      await waitFor(() => whoAnswers(p.ip, BACKEND_PORT));
    }
  });

  afterAll(async () => {
    for (const p of procs) {
      await stopProcess(p);
    }
    await proxy?.shutdown().catch(() => {});
    await net?.shutdown().catch(() => {});
    if (existsSync(`/sys/class/net/${BRIDGE}`)) {
      run('ip', ['link', 'del', BRIDGE]);
    }
    if (run('nft', ['list', 'tables']).includes(TABLE)) {
      run('nft', ['delete', 'table', 'ip', TABLE]);
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('balances a ClusterIP over two backends from the host and from a pod', async () => {
    await proxy.sync([web([ep(0), ep(1)])]);
    const seen = await responders(CLUSTER_IP, 80, 40);
    expect([...seen.keys()].sort()).toEqual(['a', 'b']);
    const fromPod = new Set<string>();
    for (let i = 0; i < 24 && fromPod.size < 2; i++) {
      fromPod.add(whoAnswersFromPod(nsOf(2), CLUSTER_IP, 80));
    }
    expect([...fromPod].sort()).toEqual(['a', 'b']);
  });

  it('balances a NodePort on 127.0.0.1 and on another local address', async () => {
    await proxy.sync([web([ep(0), ep(1)])]);
    expect([...(await responders('127.0.0.1', NODE_PORT, 40)).keys()].sort()).toEqual(['a', 'b']);
    expect([...(await responders(BRIDGE_IP, NODE_PORT, 40)).keys()].sort()).toEqual(['a', 'b']);
    // From a pod to the node's address.
    expect(['a', 'b']).toContain(whoAnswersFromPod(nsOf(2), BRIDGE_IP, NODE_PORT));
  });

  it('lets a pod reach itself through its own service (hairpin)', async () => {
    await proxy.sync([web([ep(0)])]);
    expect(whoAnswersFromPod(nsOf(0), CLUSTER_IP, 80)).toBe('a');
  });

  it('stops sending new connections to an endpoint as soon as it is not ready', async () => {
    await proxy.sync([web([ep(0), ep(1, false)])]);
    expect([...(await responders(CLUSTER_IP, 80, 20)).keys()]).toEqual(['a']);
    expect([...(await responders('127.0.0.1', NODE_PORT, 10)).keys()]).toEqual(['a']);
    // Only terminating endpoints left: they still serve.
    await proxy.sync([web([ep(0, false, true), ep(1, true, true)])]);
    expect([...(await responders(CLUSTER_IP, 80, 10)).keys()]).toEqual(['b']);
  });

  it('refuses connections at once when a service has no ready endpoint', async () => {
    await proxy.sync([web([ep(0, false), ep(1, false)])]);
    for (const [host, port] of [
      [CLUSTER_IP, 80],
      ['127.0.0.1', NODE_PORT],
      [BRIDGE_IP, NODE_PORT],
    ] as const) {
      const res = await connectError(host, port);
      expect(res.code, `${host}:${port}`).toBe('ECONNREFUSED');
      expect(res.ms).toBeLessThan(1000);
    }
    expect(() => whoAnswersFromPod(nsOf(2), CLUSTER_IP, 80)).toThrow();
  });

  it('keeps established connections on their backend across a rule change', async () => {
    await proxy.sync([web([ep(0)])]);
    const conn = await LineClient.open(CLUSTER_IP, 80);
    try {
      expect(await conn.readLine()).toBe('a');
      await proxy.sync([web([ep(1)])]);
      conn.send('still-there\n');
      expect(await conn.readLine()).toBe('a:still-there');
      expect(await whoAnswers(CLUSTER_IP, 80)).toBe('b');
      conn.send('again\n');
      expect(await conn.readLine()).toBe('a:again');
    } finally {
      conn.close();
    }
  });

  it('applies 100 services in one transaction and skips unchanged rule sets', async () => {
    const rules: ServicePortRule[] = [];
    for (let i = 0; i < 100; i++) {
      rules.push({
        namespace: `ns${i % 7}`,
        service: `svc${i}`,
        portName: 'http',
        protocol: i % 5 === 0 ? 'UDP' : 'TCP',
        clusterIP: `10.250.113.${i + 1}`,
        port: 80,
        nodePort: i < 20 ? 31900 + i : undefined,
        endpoints: [
          ep(0),
          ep(1),
          { ip: `10.250.12.${200 + (i % 50)}`, port: 8080, ready: true, terminating: false },
        ],
      });
    }
    rules.push(web([ep(0), ep(1)]));
    const before = proxy.syncStats;
    await proxy.sync(rules);
    const ms = proxy.syncStats.lastApplyMs ?? Number.NaN;
    console.log(`nft apply, 101 services x 3 endpoints: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(proxy.syncStats.applied).toBe(before.applied + 1);
    await proxy.sync([...rules].reverse());
    expect(proxy.syncStats.skipped).toBe(before.skipped + 1);
    expect(proxy.syncStats.applied).toBe(before.applied + 1);
    const listed = run('nft', ['list', 'map', 'ip', TABLE, 'service-ips']);
    expect(listed).toContain('10.250.113.100 . tcp . 80');
    expect(listed).toContain('10.250.113.1 . udp . 80');
    expect(['a', 'b']).toContain(await whoAnswers(CLUSTER_IP, 80));
  });

  it('shutdown removes the table', async () => {
    await proxy.shutdown();
    expect(run('nft', ['list', 'tables'])).not.toContain(TABLE);
    await proxy.shutdown(); // idempotent
  });
});
