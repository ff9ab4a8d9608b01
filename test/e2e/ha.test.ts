// A highly available control plane with real processes: one etcd, three `gantry server` processes
// (the real CLI) on it with a 4 s leader lease. All serve the API; only the Lease holder runs
// controllers. The test kills the leader with SIGKILL several times, scaling up or rolling out the
// Deployment right after each kill, and checks that a standby takes over, the change completes, and
// no ReplicaSet or pod is ever duplicated. One kubeconfig/token works for every server because the
// servers 1 and 2 start with a copy of server 0's pki/ (CA and a 127.0.0.1 serving cert) and
// tokens.json. The client is one HttpClient holding all three URLs (it fails over on a connection
// error). HA_KILLS=N sets the number of kills (default 3); the failover times are printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import { readKubeconfig } from '../../src/cluster/auth/index.js';
import { LEADER_LEASE_NAME, LEADER_LEASE_NAMESPACE } from '../../src/cluster/leader.js';
import { type FakeNode, startFakeNode } from '../fake-node.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { CLI } from '../helpers/gantry-process.js';
import { freePort } from '../helpers/registry.js';

const LEASE_MS = 4_000;
const KILLS = Number(process.env.HA_KILLS ?? 3);
const cli = process.env.GANTRY_CLI ?? CLI;

interface Server {
  readonly dir: string;
  readonly port: number;
  child: ChildProcess;
  out: string;
}

function spawnServer(dir: string, port: number, etcdUrl: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    // --leader-elect is implied by the etcd store; a short lease for a quick test
    [
      cli,
      'server',
      '--data-dir',
      dir,
      '--port',
      String(port),
      '--store',
      `etcd:${etcdUrl}`,
      '--leader-lease-ms',
      String(LEASE_MS),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GANTRY_LOG_LEVEL: 'warn' },
    },
  );
  const s: Server = { dir, port, child, out: '' };
  const append = (d: Buffer) => {
    s.out = (s.out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${s.out}`)), 30_000);
    child.stdout?.on('data', () => {
      if (/API server at \S+/.test(s.out) && /kubeconfig: /.test(s.out)) {
        clearTimeout(timer);
        resolve(s);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${s.out}`));
    });
  });
}

function killed(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((r) => {
    s.child.once('exit', () => r());
    s.child.kill('SIGKILL');
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deployment(replicas: number, image: string): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  };
}

describe('highly available control plane on etcd', () => {
  let etcd: TestEtcd;
  const servers: Server[] = [];
  let client: HttpClient;
  let node: FakeNode | undefined;
  const root = mkdtempSync(join(tmpdir(), 'gantry-ha-'));
  let etcdUrl = '';

  beforeAll(async () => {
    etcd = await startEtcd({ members: 1 });
    etcdUrl = etcd.endpoints[0]!;
    const dirs = [0, 1, 2].map((i) => join(root, `s${i}`));
    const ports = [await freePort(), await freePort(), await freePort()];
    servers.push(await spawnServer(dirs[0]!, ports[0]!, etcdUrl));
    for (const i of [1, 2]) {
      // share server 0's CA, serving cert and tokens: one kubeconfig reaches every server
      cpSync(join(dirs[0]!, 'pki'), join(dirs[i]!, 'pki'), { recursive: true });
      cpSync(join(dirs[0]!, 'tokens.json'), join(dirs[i]!, 'tokens.json'));
      servers.push(await spawnServer(dirs[i]!, ports[i]!, etcdUrl));
    }
    const creds = await readKubeconfig(join(dirs[0]!, 'kubeconfig'));
    client = new HttpClient({
      server: ports.map((p) => `https://127.0.0.1:${p}`),
      token: creds.token!,
      caPem: creds.caPem,
      timeoutMs: 5_000,
    });
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    client?.close();
    await Promise.all(servers.map(killed));
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const holder = async (): Promise<string> => {
    const lease = await client.get(R.leases, LEADER_LEASE_NAMESPACE, LEADER_LEASE_NAME);
    return String(lease.spec?.holderIdentity ?? '');
  };
  const serverOf = (identity: string) => servers.find((s) => identity.includes(`_${s.child.pid}_`));

  /** The Deployment's pods and ReplicaSets once it is complete at `replicas` of `image`. */
  const converged = (replicas: number, image: string) =>
    until(
      `web at ${replicas} x ${image}`,
      async () => {
        const d = await client.get(R.deployments, 'default', 'web');
        const st = d.status ?? {};
        if (
          st.observedGeneration !== d.metadata.generation ||
          st.updatedReplicas !== replicas ||
          st.readyReplicas !== replicas ||
          st.replicas !== replicas
        ) {
          return undefined;
        }
        const pods = (await client.list(R.pods, { namespace: 'default', labelSelector: 'app=web' })).items;
        const live = pods.filter((p) => !p.metadata.deletionTimestamp);
        const running = live.filter((p) => p.status?.phase === 'Running');
        if (live.length !== replicas || running.length !== replicas) {
          return undefined;
        }
        if (!live.every((p) => p.spec?.containers?.[0]?.image === image)) {
          return undefined;
        }
        const rss = (await client.list(R.replicasets, { namespace: 'default', labelSelector: 'app=web' }))
          .items;
        return { pods: live, rss };
      },
      60_000,
    );

  it('keeps one leader, fails over on SIGKILL within the lease, and never duplicates work', async () => {
    const first = await until('a leader', async () => serverOf(await holder()), 20_000);
    const standbys = servers.filter((s) => s !== first);
    expect(standbys).toHaveLength(2);
    node = await startFakeNode(client, { name: 'ha-node', leaseRenewMs: 2_000 });
    await client.create(R.deployments, deployment(2, 'nginx:1'));
    let replicas = 2;
    let image = 'nginx:1';
    let rollouts = 0;
    const c0 = await converged(replicas, image);
    expect(c0.rss).toHaveLength(1);

    const takeovers: number[] = [];
    const completions: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const leaderId = await holder();
      const leader = serverOf(leaderId);
      expect(leader, `leader ${leaderId} is one of ours`).toBeDefined();
      const t0 = Date.now();
      await killed(leader!);
      // the change lands in etcd through a surviving server (the client fails over)
      if (k % 2 === 0) {
        replicas += 1;
        await client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas } });
      } else {
        image = `nginx:${k + 2}`;
        rollouts += 1;
        await client.patch(R.deployments, 'default', 'web', 'merge', {
          spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
        });
      }
      const next = await until(
        'a new leader',
        async () => {
          const id = await holder();
          return id !== leaderId && serverOf(id) ? id : undefined;
        },
        LEASE_MS * 4,
      );
      takeovers.push(Date.now() - t0);
      expect(serverOf(next)!.child.exitCode).toBeNull();
      const c = await converged(replicas, image);
      completions.push(Date.now() - t0);
      // one ReplicaSet per template, the newest one owning every pod: nothing was created twice
      expect(c.rss).toHaveLength(1 + rollouts);
      const hashes = new Set(c.rss.map((rs) => rs.metadata.labels?.['pod-template-hash']));
      expect(hashes.size).toBe(c.rss.length);
      const scaled = c.rss.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
      expect(scaled).toHaveLength(1);
      expect(scaled[0]!.spec?.replicas).toBe(replicas);
      expect(c.pods).toHaveLength(replicas);
      expect(new Set(c.pods.map((p) => p.metadata.ownerReferences?.[0]?.uid))).toEqual(
        new Set([scaled[0]!.metadata.uid]),
      );
      // bring the killed server back as a standby on its old port (the client's URL list stays valid)
      const i = servers.indexOf(leader!);
      servers[i] = await spawnServer(leader!.dir, leader!.port, etcdUrl);
    }
    // after everything settles, still exactly the pods the Deployment asks for
    await new Promise((r) => setTimeout(r, 2_000));
    const final = await converged(replicas, image);
    expect(final.pods).toHaveLength(replicas);
    const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
    process.stdout.write(
      `HA failover over ${KILLS} leader kills (lease ${LEASE_MS} ms): takeover ms ${JSON.stringify(sorted(takeovers))}; change complete ms ${JSON.stringify(sorted(completions))}\n`,
    );
    for (const t of takeovers) {
      // a standby takes over once the lease has run out: within the lease plus a retry or two
      expect(t).toBeLessThan(LEASE_MS * 2);
    }
  }, 300_000);

  it('serves the API from every server, leader or not', async () => {
    for (const s of servers) {
      const one = new HttpClient({
        server: `https://127.0.0.1:${s.port}`,
        token: (await readKubeconfig(join(servers[0]!.dir, 'kubeconfig'))).token!,
        caPem: (await readKubeconfig(join(servers[0]!.dir, 'kubeconfig'))).caPem,
      });
      try {
        const d = await one.get(R.deployments, 'default', 'web');
        expect(d.metadata.name).toBe('web');
      } finally {
        one.close();
      }
    }
  });
});
