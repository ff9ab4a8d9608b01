// A highly available control plane with real processes: one etcd, three `gantry server` processes
// (the real CLI, started through bench/lib/ha-servers.ts) on it with a 4 s leader lease. All serve
// the API; only the Lease holder runs controllers and sync. The first test kills the leader with
// SIGKILL several times, scaling up or rolling out the Deployment right after each kill, and checks
// that a standby takes over, the change completes, and no ReplicaSet or pod is ever duplicated. The
// last one pushes a commit to a repository an Application follows (polled only every 10 minutes)
// and POSTs the signed push webhook to a standby: the standby turns it into the refresh annotation,
// the leader syncs the commit at once and clears the annotation. One kubeconfig/token works for
// every server because servers 1 and 2 start with a copy of server 0's pki/ and tokens.json; the
// client is one HttpClient holding all three URLs (it fails over on a connection error).
// HA_KILLS=N sets the number of kills (default 3); the failover times are printed (the
// distribution over more kills is bench/failover.ts's job).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HaServer,
  haClient,
  killHaServer,
  leaseHolder,
  respawnHaServer,
  serverOfIdentity,
  startHaServers,
} from '../../bench/lib/ha-servers.js';
import type { KObject } from '../../src/api/types.js';
import type { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import { REFRESH_ANNOTATION } from '../../src/sync/app-actions.js';
import { ensureApplication } from '../../src/sync/bootstrap.js';
import { APPLICATION_NAMESPACE } from '../../src/sync/types.js';
import { signBody, WEBHOOK_PATH } from '../../src/sync/webhook.js';
import { type FakeNode, startFakeNode } from '../fake-node.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { git } from '../helpers/git.js';
import { freePort } from '../helpers/registry.js';

const LEASE_MS = 4_000;
const KILLS = Number(process.env.HA_KILLS ?? 3);
const WEBHOOK_SECRET = randomBytes(12).toString('hex');
/** Applications poll their repository every 10 minutes: only the webhook can explain a quick sync. */
const POLL_MS = 600_000;

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
  const servers: HaServer[] = [];
  let client: HttpClient;
  let node: FakeNode | undefined;
  const root = mkdtempSync(join(tmpdir(), 'gantry-ha-'));

  beforeAll(async () => {
    etcd = await startEtcd({ members: 1 });
    const ports = [await freePort(), await freePort(), await freePort()];
    servers.push(
      ...(await startHaServers(root, ports, {
        store: `etcd:${etcd.endpoints[0]!}`,
        leaseMs: LEASE_MS,
        args: ['--poll-ms', String(POLL_MS), '--webhook-secret', WEBHOOK_SECRET],
      })),
    );
    client = await haClient(servers);
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    client?.close();
    await Promise.all(servers.map((s) => killHaServer(s)));
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const holder = () => leaseHolder(client);
  const serverOf = (identity: string) => serverOfIdentity(servers, identity);

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
      await killHaServer(leader!);
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
      expect(serverOf(next)!.exited()).toBe(false);
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
      servers[i] = await respawnHaServer(leader!);
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
      const one = await haClient([s]);
      try {
        const d = await one.get(R.deployments, 'default', 'web');
        expect(d.metadata.name).toBe('web');
      } finally {
        one.close();
      }
    }
  });

  it('a push webhook that reaches a standby server makes the leader sync at once', async () => {
    // a local repository every server reaches (file://), one ConfigMap in it
    const bare = join(root, 'repo.git');
    const work = join(root, 'repo-work');
    git(root, 'init', '--bare', '-b', 'main', bare);
    git(root, 'clone', bare, work);
    const settings = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hook-settings\ndata:\n  version: "${v}"\n`;
    mkdirSync(join(work, 'app'), { recursive: true });
    writeFileSync(join(work, 'app', 'settings.yaml'), settings('1'));
    git(work, 'add', '-A');
    git(work, 'commit', '-m', 'v1');
    git(work, 'push', 'origin', 'HEAD:main');
    const repoURL = `file://${bare}`;
    await ensureApplication(client, {
      name: 'hook',
      repoURL,
      path: 'app',
      targetRevision: 'main',
      namespace: 'default',
    });
    const first = git(work, 'rev-parse', 'HEAD');
    const revision = async () => {
      const app = await client.get(R.applications, APPLICATION_NAMESPACE, 'hook');
      return {
        app,
        revision: String(app.status?.sync?.revision ?? ''),
        sync: String(app.status?.sync?.status ?? ''),
      };
    };
    await until(
      'the Application Synced at the first commit',
      async () => {
        const r = await revision();
        return r.revision === first && r.sync === 'Synced' ? r : undefined;
      },
      60_000,
    );

    writeFileSync(join(work, 'app', 'settings.yaml'), settings('2'));
    git(work, 'commit', '-am', 'v2');
    git(work, 'push', 'origin', 'HEAD:main');
    const second = git(work, 'rev-parse', 'HEAD');
    const leader = serverOf(await holder());
    const standby = servers.find((s) => s !== leader && !s.exited());
    expect(leader).toBeDefined();
    expect(standby).toBeDefined();
    const res = await postPush(standby!, repoURL, second);
    expect(res.status, res.body).toBe(200);
    // the leader polls every 10 minutes: reaching the commit within a minute is the webhook's doing
    const done = await until(
      'the Application Synced at the pushed commit',
      async () => {
        const r = await revision();
        return r.revision === second && r.sync === 'Synced' ? r : undefined;
      },
      60_000,
    );
    const cm = await client.get(R.configmaps, 'default', 'hook-settings');
    expect(cm.data?.version).toBe('2');
    // the refresh request was honoured and cleared
    const cleared = await until(
      'the refresh annotation cleared',
      async () => {
        const { app } = await revision();
        return app.metadata.annotations?.[REFRESH_ANNOTATION] === undefined ? app : undefined;
      },
      30_000,
    );
    expect(cleared.metadata.annotations?.[REFRESH_ANNOTATION]).toBeUndefined();
    expect(done.revision).toBe(second);
    // the leader stayed where it was: a standby passed the push on, it did not take over
    expect(serverOf(await holder())).toBe(leader);
  }, 180_000);
});

/** POSTs a GitHub push event for `repoURL` at `after`, signed with the servers' webhook secret. */
function postPush(s: HaServer, repoURL: string, after: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after,
    repository: { name: 'repo', full_name: 'test/repo', clone_url: repoURL },
    pusher: { name: 'ha-test' },
  });
  const caPem = readFileSync(join(s.opts.dir, 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.url}${WEBHOOK_PATH}`,
      {
        method: 'POST',
        ca: caPem,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-github-event': 'push',
          'x-github-delivery': randomBytes(8).toString('hex'),
          'x-hub-signature-256': signBody(WEBHOOK_SECRET, body),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('webhook POST timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
