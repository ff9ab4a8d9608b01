// Control-plane failover benchmark (issue 7): three real `gantry server` processes (the built CLI)
// on one real etcd, one leader by the `kube-system/gantry-leader` Lease. N times: SIGKILL the
// leader, scale a Deployment through a surviving server at once, and measure from the kill until
// (1) another server holds the Lease, (2) the new leader's controllers act on the write: the
// ReplicaSet is scaled and its new pods exist, (3) the scheduler has bound them to the (hollow)
// node. The killed server is restarted on its port before the next kill, so there are always ≥ 2.
// Throughout, ReplicaSets and live pods are counted: a duplicate (a second ReplicaSet for the one
// template, more live pods than replicas) is reported. Prints the machine, the command and the
// figures, and replaces the "Control-plane failover" section of bench/RESULTS.md.
//
//   npm run bench:failover                                     # build, run, write bench/RESULTS.md
//   node dist/bench/failover.js --kills 10 --lease-ms 5000 --no-write
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KObject } from '../src/api/types.js';
import type { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/resources.js';
import { leaderTimings } from '../src/cluster/leader.js';
import { previousRun, runIfMain, writeSection } from './lib/entry.js';
import { type EtcdProcess, freePort, startEtcd } from './lib/etcd-process.js';
import {
  type HaServer,
  haClient,
  killHaServer,
  leaseHolder,
  respawnHaServer,
  serverOfIdentity,
  startHaServers,
} from './lib/ha-servers.js';
import { type HollowNode, startHollowNode } from './lib/hollow-node.js';
import { describeMachine, describePressure, machineInfo, pressure } from './lib/machine.js';
import { type Figure, renderSection } from './lib/results-md.js';
import { distribution, nowMs, sleep } from './lib/stats.js';

const SECTION = 'Control-plane failover';
const NS = 'default';
const NAME = 'failover';
/** Give up on one kill after this long (the lease plus a slow machine's worth of margin). */
const STEP_TIMEOUT_MS = 90_000;
const POLL_MS = 50;

interface Sample {
  readonly kill: number;
  /** SIGKILL → another live server holds the Lease. */
  readonly takeover: number;
  /** SIGKILL → the ReplicaSet is at the new count and that many live pods exist. */
  readonly created: number;
  /** SIGKILL → all of them are bound to a node. */
  readonly bound: number;
  /** The most live pods seen at once while converging, and the replicas asked for. */
  readonly maxLive: number;
  readonly replicas: number;
  /** ReplicaSets of the Deployment seen at once, at most (1 when nothing was duplicated). */
  readonly maxReplicaSets: number;
}

interface Observed {
  readonly leader?: HaServer;
  readonly rsReplicas: number;
  readonly rsCount: number;
  readonly live: number;
  readonly bound: number;
}

function deployment(replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          containers: [
            { name: 'web', image: 'bench.local/failover:1', resources: { requests: { cpu: '10m' } } },
          ],
        },
      },
    },
  };
}

async function observe(client: HttpClient, servers: readonly HaServer[]): Promise<Observed> {
  const [holder, rss, pods] = await Promise.all([
    leaseHolder(client).catch(() => ''),
    client.list(R.replicasets, { namespace: NS, labelSelector: `app=${NAME}` }),
    client.list(R.pods, { namespace: NS, labelSelector: `app=${NAME}` }),
  ]);
  const live = pods.items.filter((p) => !p.metadata.deletionTimestamp);
  return {
    leader: serverOfIdentity(servers, holder),
    rsReplicas: rss.items.reduce((n, rs) => n + Number(rs.spec?.replicas ?? 0), 0),
    rsCount: rss.items.length,
    live: live.length,
    bound: live.filter((p) => Boolean(p.spec?.nodeName)).length,
  };
}

/** Polls until fn holds or the step times out; returns the observation that satisfied it. */
async function waitFor(
  what: string,
  client: HttpClient,
  servers: readonly HaServer[],
  fn: (o: Observed) => boolean,
  onEach: (o: Observed) => void = () => {},
): Promise<Observed> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    try {
      const o = await observe(client, servers);
      onEach(o);
      if (fn(o)) {
        return o;
      }
      last = o;
    } catch (e) {
      last = e; // the client fails over; a request may still hit the dead server once
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}`, { cause: last });
    }
    await sleep(POLL_MS);
  }
}

async function killOnce(
  k: number,
  client: HttpClient,
  servers: HaServer[],
  replicas: number,
  leaseMs: number,
): Promise<Sample> {
  const before = await waitFor('a leader', client, servers, (o) => o.leader !== undefined);
  const leader = before.leader!;
  // kill at a random point of the leader's renew cycle, as a crash would
  await sleep(Math.random() * leaderTimings({ leaseDurationMs: leaseMs }).retryPeriodMs);
  const t0 = nowMs();
  await killHaServer(leader);
  // the write goes to a surviving server at once (the client fails over on the dead URL)
  for (;;) {
    try {
      await client.patch(R.deployments, NS, NAME, 'merge', { spec: { replicas } });
      break;
    } catch (e) {
      if (nowMs() - t0 > STEP_TIMEOUT_MS) {
        throw new Error('scale after the kill', { cause: e });
      }
      await sleep(POLL_MS);
    }
  }
  let maxLive = 0;
  let maxReplicaSets = 0;
  const track = (o: Observed) => {
    maxLive = Math.max(maxLive, o.live);
    maxReplicaSets = Math.max(maxReplicaSets, o.rsCount);
  };
  let takeover: number | undefined;
  let created: number | undefined;
  await waitFor(
    `kill ${k}: a new leader and ${replicas} bound pods`,
    client,
    servers,
    (o) => {
      const now = nowMs() - t0;
      if (takeover === undefined && o.leader !== undefined && o.leader !== leader) {
        takeover = now;
      }
      if (created === undefined && o.rsReplicas === replicas && o.live >= replicas) {
        created = now;
      }
      return takeover !== undefined && created !== undefined && o.live === replicas && o.bound === replicas;
    },
    track,
  );
  const bound = nowMs() - t0;
  // back to three servers: the killed one returns on its port as a standby
  servers[servers.indexOf(leader)] = await respawnHaServer(leader);
  return { kill: k, takeover: takeover!, created: created!, bound, maxLive, replicas, maxReplicaSets };
}

function ms(id: string, label: string, value: number, goal?: Figure['goal']): Figure {
  return { id, label, value, unit: 'ms', digits: 0, ...(goal ? { goal } : {}) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: '10' },
      'lease-ms': { type: 'string', default: '5000' },
      'no-write': { type: 'boolean' },
    },
  });
  const kills = Number(values.kills);
  const leaseMs = Number(values['lease-ms']);
  if (!Number.isInteger(kills) || kills < 1 || kills > 50) {
    throw new Error(`--kills: "${values.kills}" is not an integer in 1..50`);
  }
  if (!Number.isInteger(leaseMs) || leaseMs < 1000 || leaseMs > 60_000) {
    throw new Error(`--lease-ms: "${values['lease-ms']}" is not an integer in 1000..60000`);
  }
  const command = `node dist/bench/failover.js --kills ${kills} --lease-ms ${leaseMs}`;
  const machine = machineInfo();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  console.log(
    `machine: ${describeMachine(machine)}; load ${machine.loadAvg1.toFixed(2)}, PSI ${describePressure(machine.pressure)}`,
  );
  console.log(`command: ${command}`);

  const root = mkdtempSync(join(tmpdir(), 'gantry-bench-failover-'));
  let etcd: EtcdProcess | undefined;
  let servers: HaServer[] = [];
  let client: HttpClient | undefined;
  let node: HollowNode | undefined;
  const samples: Sample[] = [];
  let final: Observed | undefined;
  const started = nowMs();
  try {
    etcd = await startEtcd();
    const ports = [await freePort(), await freePort(), await freePort()];
    servers = await startHaServers(root, ports, { store: `etcd:${etcd.endpoint}`, leaseMs });
    client = await haClient(servers);
    const c = client;
    node = await startHollowNode(c, { name: 'failover-node', address: '10.254.0.2', leaseRenewMs: 2_000 });
    let replicas = 1;
    await c.create(R.deployments, deployment(replicas));
    await waitFor('the first pod bound', c, servers, (o) => o.live === 1 && o.bound === 1);
    for (let k = 1; k <= kills; k++) {
      replicas += 1;
      const s = await killOnce(k, c, servers, replicas, leaseMs);
      samples.push(s);
      console.log(
        `  kill ${k}: takeover ${s.takeover.toFixed(0)} ms, pods created ${s.created.toFixed(0)} ms, bound ${s.bound.toFixed(0)} ms; ` +
          `max live pods ${s.maxLive}/${s.replicas}, max ReplicaSets ${s.maxReplicaSets}`,
      );
    }
    // settle: nothing appears late (a second ReplicaSet, pods beyond the count)
    await sleep(leaseMs);
    final = await observe(c, servers);
  } finally {
    await node?.stop();
    client?.close();
    await Promise.all(servers.map((s) => killHaServer(s)));
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  }
  if (final === undefined) {
    throw new Error('no final observation');
  }
  const elapsed = nowMs() - started;
  const timings = leaderTimings({ leaseDurationMs: leaseMs });
  const end = pressure();

  const takeover = distribution(samples.map((s) => s.takeover));
  const created = distribution(samples.map((s) => s.created));
  const bound = distribution(samples.map((s) => s.bound));
  const min = (xs: readonly number[]) => Math.min(...xs);
  const extraPods = Math.max(0, ...samples.map((s) => s.maxLive - s.replicas), final.live - (kills + 1));
  const extraReplicaSets = Math.max(0, ...samples.map((s) => s.maxReplicaSets - 1), final.rsCount - 1);
  const figures: Figure[] = [
    {
      id: 'lease_ms',
      label: 'leader lease duration (--leader-lease-ms)',
      value: leaseMs,
      unit: 'ms',
      digits: 0,
    },
    { id: 'kills', label: 'leader kills (SIGKILL)', value: samples.length, unit: '', digits: 0 },
    ms('takeover_min', 'kill → another server holds the Lease: min', min(samples.map((s) => s.takeover))),
    ms('takeover_p50', 'kill → another server holds the Lease: p50', takeover.p50),
    ms('takeover_p90', 'kill → another server holds the Lease: p90', takeover.p90),
    ms('takeover_max', 'kill → another server holds the Lease: max', takeover.max, {
      op: '<=',
      target: 15_000,
    }),
    ms('created_p50', 'kill → scale acted on (ReplicaSet scaled, pod created): p50', created.p50),
    ms('created_max', 'kill → scale acted on: max', created.max),
    ms(
      'bound_min',
      'kill → failover complete (new Lease holder, scale acted on, pod bound): min',
      min(samples.map((s) => s.bound)),
    ),
    ms('bound_p50', 'kill → failover complete: p50', bound.p50),
    ms('bound_p90', 'kill → failover complete: p90', bound.p90),
    ms('bound_max', 'kill → failover complete: max', bound.max, { op: '<=', target: 15_000 }),
    {
      id: 'extra_rs',
      label: 'duplicate ReplicaSets seen (beyond 1)',
      value: extraReplicaSets,
      unit: '',
      digits: 0,
      goal: { op: '<=', target: 0 },
    },
    {
      id: 'extra_pods',
      label: 'live pods beyond the replicas asked for, at most',
      value: extraPods,
      unit: '',
      digits: 0,
      goal: { op: '<=', target: 0 },
    },
  ];
  for (const f of figures) {
    console.log(`${f.label}: ${Number.isFinite(f.value) ? f.value.toFixed(f.digits) : 'n/a'} ${f.unit}`);
  }
  const notes = [
    `One etcd (Debian's etcd-server, single member, default durable settings) and three \`gantry server\` processes on it (built CLI, \`--store etcd:URL --leader-lease-ms ${leaseMs}\`, so a renew deadline of ${timings.renewDeadlineMs} ms and a retry period of ${timings.retryPeriodMs} ms); one HttpClient holding the three URLs (it fails over on a connection error); one hollow node (bench/lib/hollow-node.ts: the agent's protocol, no containers) so pods can be bound.`,
    `Per kill: wait a random 0–${timings.retryPeriodMs} ms (a crash lands anywhere in the leader's renew cycle), SIGKILL the Lease holder, scale the Deployment by one through a surviving server, then poll every ${POLL_MS} ms (Lease, ReplicaSets, pods) until another live server holds the Lease ("takeover"), the ReplicaSet is at the new count with that many pods ("scale acted on": the new leader's Deployment and ReplicaSet controllers) and every pod is bound ("bound": its scheduler). The killed server is restarted on its port before the next kill (three servers again), so the next leader may be a server that has just started.`,
    "Duplicates: at every poll the Deployment's ReplicaSets and live (not terminating) pods are counted; the template never changes, so one ReplicaSet is right and more live pods than replicas means a step ran twice. After the last kill the run waits one lease duration and counts again.",
    `${samples.length} kills in ${(elapsed / 1000).toFixed(0)} s. Load average (1 min): ${machine.loadAvg1.toFixed(2)} at the start; PSI at the start ${describePressure(machine.pressure)}, at the end ${describePressure(end)} — a shared 2-core machine.`,
  ];
  const analysis = [
    `A standby takes the Lease ${takeover.p50.toFixed(0)} ms (p50) after the leader dies, ${(takeover.max / 1000).toFixed(1)} s at most, for a ${leaseMs} ms lease. A standby counts the lease duration from the moment it saw the last renewal on its own clock (as client-go does, so clock skew between servers does not matter) — up to one retry period (${timings.retryPeriodMs} ms) after the renewal happened — and takes the Lease at its next retry after that; the leader renews every retry period, so the kill lands up to one retry period after the last renewal. Takeover is therefore the lease duration give or take a retry period, about lease + retry/2 on average; a shorter --leader-lease-ms buys a faster failover with more Lease writes.`,
    '',
    `Once the Lease is taken, the new leader's informers list and watch from scratch, and its controllers act on the scale ${(created.p50 - takeover.p50).toFixed(0)} ms later (difference of the medians; the poll runs every ${POLL_MS} ms) and its scheduler has bound the pod ${(bound.p50 - created.p50).toFixed(0)} ms after that (often within the same poll). Writes never stop: every server serves the API, only the controllers wait for the Lease.`,
  ];
  const previous = previousRun(RESULTS, SECTION);
  const section = renderSection(
    { heading: SECTION, date, machine: describeMachine(machine), command, notes, figures, analysis },
    previous,
  );
  if (values['no-write']) {
    console.log(section);
    return;
  }
  writeSection(RESULTS, SECTION, section);
  console.log(`wrote the "${SECTION}" section of ${RESULTS}`);
}

const RESULTS = join(import.meta.dirname, '..', '..', 'bench', 'RESULTS.md');

runIfMain(import.meta.url, 'bench/failover', main);
