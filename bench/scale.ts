// Scale benchmark with hollow nodes (kubemark's idea): a real `gantry server` process, 100
// simulated nodes that speak the agent's protocol over HTTPS but start no containers, and 3,000
// pods created at once through 30 Deployments × 100 replicas — once on SQLite and once on a real
// etcd, in the same run. It reports scheduling throughput (pods bound per second, first pod seen
// → last pod bound), pod-bound latency (ADDED → binding, both as received by one watch in the
// bench), time until every pod is Running, and the CPU seconds and peak RSS of the server (and of
// etcd) from /proc; then it replaces the "Scale (hollow nodes)" section of bench/RESULTS.md.
//
//   npm run bench:scale                       # build, run, write bench/RESULTS.md
//   node dist/bench/scale.js --stores sqlite --deployments 10 --no-write
//   node dist/bench/scale.js --profile        # server under --cpu-prof: where its time goes
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KObject } from '../src/api/types.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/resources.js';
import { observeBindings } from './lib/bind-observer.js';
import { type CpuProfile, summarizeProfile } from './lib/cpu-profile.js';
import { writeSection } from './lib/entry.js';
import { type EtcdProcess, startEtcd } from './lib/etcd-process.js';
import { REPO_ROOT, startServer } from './lib/gantry-server.js';
import { type HollowNode, startHollowNode } from './lib/hollow-node.js';
import { describeMachine, machineInfo, procCpuMs, procMemory } from './lib/machine.js';
import { renderScaleSection, type ScaleRun, type StoreKind } from './lib/scale-report.js';
import { distribution, nowMs, runPool, sleep } from './lib/stats.js';

const RESULTS = join(REPO_ROOT, 'bench/RESULTS.md');
export const SECTION = 'Scale (hollow nodes)';
const NAMESPACE = 'scale';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    deployments: { type: 'string', default: '30' },
    replicas: { type: 'string', default: '100' },
    stores: { type: 'string', default: 'sqlite,etcd' },
    'timeout-s': { type: 'string', default: '100' },
    profile: { type: 'boolean', default: false },
    /** With --profile: also copy the server's .cpuprofile here (for a closer look). */
    'profile-dir': { type: 'string' },
    /** Write every pod's times (ms after the Deployments were created) as JSON lines to this file. */
    dump: { type: 'string' },
    /** "What changed" line for RESULTS.md (before → after, conditions). */
    note: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const NODES = Number(args.nodes);
const DEPLOYMENTS = Number(args.deployments);
const REPLICAS = Number(args.replicas);
const TIMEOUT_MS = Number(args['timeout-s']) * 1000;
const STORES = (args.stores ?? '').split(',').filter((s): s is StoreKind => s === 'sqlite' || s === 'etcd');

function log(msg: string): void {
  process.stdout.write(`[scale] ${msg}\n`);
}

function loadAvg1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function nodeAddress(i: number): string {
  return `192.168.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
}

function deployment(i: number): KObject {
  const app = `scale-${String(i).padStart(2, '0')}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: NAMESPACE, labels: { app } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.invalid/hollow/pause:3.9',
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

async function runStore(store: StoreKind): Promise<ScaleRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `gantry-bench-scale-${store}-`));
  const profDir = join(dataDir, 'prof');
  let etcd: EtcdProcess | undefined;
  const clients: HttpClient[] = [];
  const nodes: HollowNode[] = [];
  try {
    if (store === 'etcd') {
      etcd = await startEtcd();
      log(`etcd at ${etcd.endpoint} (pid ${etcd.pid})`);
    }
    const server = await startServer({
      dataDir,
      nodeArgs: args.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
      serverArgs: [
        ...(etcd ? ['--store', `etcd:${etcd.endpoint}`] : []),
        // Kubernetes' default toleration of an unreachable/not-ready node (300 s) instead of
        // Gantry's 5 s: on a saturated machine a hollow node's lease renewal can be late, and
        // evicting its pods would measure recreation, not scheduling (pods deleted are counted).
        '--pod-eviction-ms',
        '300000',
      ],
    });
    log(`${store}: gantry server at ${server.url} (pid ${server.pid})`);
    const newClient = (agent: string) => {
      const c = new HttpClient({
        server: server.url,
        token: server.token,
        caPem: server.caPem,
        userAgent: agent,
      });
      clients.push(c);
      return c;
    };
    try {
      const admin = newClient('gantry-bench-scale');
      // the nodes, each on its own client (its own connections), as separate kubelets would be
      const tNodes = nowMs();
      const addresses = new Map<string, string>();
      await runPool(NODES, 10, async (i) => {
        const name = `hollow-${String(i).padStart(3, '0')}`;
        addresses.set(name, nodeAddress(i));
        nodes.push(
          await startHollowNode(newClient(`hollow-kubelet/${name}`), { name, address: nodeAddress(i) }),
        );
      });
      const nodesMs = nowMs() - tNodes;
      log(`${store}: ${NODES} hollow nodes registered and Ready in ${(nodesMs / 1000).toFixed(1)} s`);
      await admin.create(R.namespaces, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NAMESPACE },
      });
      const observer = await observeBindings(admin, NAMESPACE, (n) => addresses.get(n));
      await sleep(500); // let the scheduler's node informer see every node

      const total = DEPLOYMENTS * REPLICAS;
      const cpu0 = procCpuMs(server.pid);
      const etcdCpu0 = etcd ? procCpuMs(etcd.pid) : 0;
      const benchCpu0 = process.cpuUsage();
      const loadStart = loadAvg1();
      const t0 = nowMs();
      await Promise.all(
        Array.from({ length: DEPLOYMENTS }, (_, i) => admin.create(R.deployments, deployment(i))),
      );
      const createdMs = nowMs() - t0;
      log(
        `${store}: ${DEPLOYMENTS} Deployments × ${REPLICAS} replicas created in ${createdMs.toFixed(0)} ms`,
      );
      const progress = setInterval(
        () =>
          log(
            `${store}: ${observer.pods.size} pods, ${observer.boundCount} bound, ${observer.runningCount} Running`,
          ),
        10_000,
      );
      let timedOut: string | undefined;
      try {
        await observer.waitRunning(total, TIMEOUT_MS);
      } catch (e) {
        timedOut = (e as Error).message;
        log(`${store}: ${timedOut}`);
      } finally {
        clearInterval(progress);
      }
      const tEnd = nowMs();
      const cpuMs = procCpuMs(server.pid) - cpu0;
      const etcdCpuMs = etcd ? procCpuMs(etcd.pid) - etcdCpu0 : undefined;
      const benchCpu = process.cpuUsage(benchCpu0);
      const mem = procMemory(server.pid);
      const etcdMem = etcd ? procMemory(etcd.pid) : undefined;
      observer.stop();

      const loadEnd = loadAvg1();
      const recs = [...observer.pods.values()];
      if (args.dump) {
        writeFileSync(
          `${args.dump}.${store}.jsonl`,
          [...observer.pods]
            .map(([name, r]) =>
              JSON.stringify({
                name,
                node: r.node,
                added: r.added === undefined ? undefined : r.added - t0,
                bound: r.bound === undefined ? undefined : r.bound - t0,
                running: r.running === undefined ? undefined : r.running - t0,
                deleted: r.deleted === undefined ? undefined : r.deleted - t0,
              }),
            )
            .join('\n'),
        );
      }
      const added = recs.map((r) => r.added!).filter((t) => t !== undefined);
      const bound = recs.filter((r) => r.bound !== undefined);
      const running = recs.filter((r) => r.running !== undefined);
      const firstAdded = Math.min(...added);
      const lastBound = Math.max(...bound.map((r) => r.bound!));
      const lastRunning = Math.max(...running.map((r) => r.running!));
      const perNode = new Map<string, number>();
      for (const r of bound) {
        perNode.set(r.node!, (perNode.get(r.node!) ?? 0) + 1);
      }
      const nodeErrors = nodes.reduce((a, n) => a + n.errors, 0);
      const result: ScaleRun = {
        store,
        nodes: NODES,
        target: total,
        nodesReadyMs: nodesMs,
        deploymentsCreateMs: createdMs,
        podsSeen: recs.length,
        bound: bound.length,
        running: running.length,
        timedOut,
        firstPodMs: firstAdded - t0,
        createSpanMs: Math.max(...added) - firstAdded,
        bindSpanMs: lastBound - firstAdded,
        bindThroughput: bound.length / ((lastBound - firstAdded) / 1000),
        bindLatency: distribution(bound.map((r) => r.bound! - r.added!)),
        runLatency: distribution(running.map((r) => r.running! - r.bound!)),
        allRunningMs: lastRunning - t0,
        wallMs: tEnd - t0,
        serverCpuMs: cpuMs,
        serverHwmMB: mem.hwmMB,
        serverRssMB: mem.rssMB,
        etcdCpuMs,
        etcdHwmMB: etcdMem?.hwmMB,
        benchCpuMs: (benchCpu.user + benchCpu.system) / 1000,
        podsPerNodeMin: perNode.size < NODES ? 0 : Math.min(...perNode.values()),
        podsPerNodeMax: Math.max(0, ...perNode.values()),
        wrongNode: observer.wrongNode,
        nodeErrors,
        deleted: recs.filter((r) => r.deleted !== undefined).length,
        loadStart,
        loadEnd,
      };
      log(
        `${store}: ${result.bound}/${total} bound at ${result.bindThroughput.toFixed(0)} pods/s, ` +
          `bind p50 ${result.bindLatency.p50.toFixed(0)} ms p99 ${result.bindLatency.p99.toFixed(0)} ms, ` +
          `all Running after ${(result.allRunningMs / 1000).toFixed(1)} s, server CPU ${(cpuMs / 1000).toFixed(1)} s, ` +
          `VmHWM ${mem.hwmMB.toFixed(0)} MB`,
      );
      await Promise.all(nodes.map((n) => n.stop()));
      for (const c of clients) {
        c.close();
      }
      await server.stop();
      if (args.profile) {
        result.profile = readProfile(profDir, [{ fromUs: t0 * 1000, toUs: tEnd * 1000 }]);
      }
      return result;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      for (const c of clients) {
        c.close();
      }
      await server.stop();
    }
  } finally {
    await etcd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function readProfile(dir: string, windows: { fromUs: number; toUs: number }[]): ScaleRun['profile'] {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    return undefined;
  }
  if (args['profile-dir']) {
    mkdirSync(args['profile-dir'], { recursive: true });
    copyFileSync(join(dir, file), join(args['profile-dir'], `${basename(dirname(dir))}-${file}`));
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return summarizeProfile(profile, windows, 15);
}

async function main(): Promise<void> {
  const machine = machineInfo();
  // the --note text goes into its own line of the report, not into the command
  const shown = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--note') && all[i - 1] !== '--note');
  const command = `node dist/bench/scale.js${shown.length > 0 ? ` ${shown.join(' ')}` : ''}`;
  log(`machine: ${describeMachine(machine)}`);
  log(`command: ${command}`);
  const runs: ScaleRun[] = [];
  for (const store of STORES) {
    runs.push(await runStore(store));
  }
  const section = renderScaleSection({
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: describeMachine(machine),
    loadAvg1: machine.loadAvg1,
    command,
    deployments: DEPLOYMENTS,
    replicas: REPLICAS,
    runs,
    note: args.note,
  });
  process.stdout.write(`\n${section}\n`);
  if (!args['no-write']) {
    writeSection(RESULTS, SECTION, section);
    log(`wrote the "${SECTION}" section of ${RESULTS}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
