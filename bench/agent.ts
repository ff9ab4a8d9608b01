// Node agent benchmark (issue 3): pod start latency (created → Running, image cached) for one pod
// and for a burst created at once, beside bare `runc run -d` of the same bundle in the same run;
// HTTP requests/s through a Service's ClusterIP and NodePort vs to a pod IP (wrk); the agent
// process's RSS with 50 running pods. Prints the machine, the command and every figure, replaces
// the "Node agent" section of bench/RESULTS.md, and leaves nothing behind (it checks).
//
//   npm run bench:agent                  # build, run, write bench/RESULTS.md (needs root, runc, nft)
//   node dist/bench/agent.js --no-write  # print only
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Agent, agentPodLogSource, CLUSTER_POD_CIDR, startAgent } from '../src/agent/agent.js';
import { buildHttpdImage } from '../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../src/agent/images/local-image-store.js';
import { BridgeNetwork } from '../src/agent/network/bridge-network.js';
import { NftServiceProxy } from '../src/agent/network/nft-service-proxy.js';
import { removeCgroup } from '../src/agent/runtime/cgroups.js';
import { defaultShimPath, RuncRuntime } from '../src/agent/runtime/runc-runtime.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/resources.js';
import { TokenStore } from '../src/cluster/auth/index.js';
import { type ControlPlane, startControlPlane } from '../src/cluster/control-plane.js';
import { backendService, httpThroughput } from './lib/agent-http.js';
import {
  agentMemory,
  burstStarts,
  CONTAINER,
  podManifest,
  type StartEnv,
  singleStarts,
} from './lib/agent-phases.js';
import { type AgentProcess, spawnAgentProcess } from './lib/agent-process.js';
import { type AgentBenchResults, agentAnalysis, agentFigures, agentNotes } from './lib/agent-report.js';
import { StartTrace, TimedImages, TimedNetwork, TimedRuntime, timedClient } from './lib/agent-timing.js';
import { bareRunc } from './lib/bare-runc.js';
import { runIfMain, safeRead } from './lib/entry.js';
import { shebangNodeFlags } from './lib/entry-flags.js';
import { CLI, REPO_ROOT, type ServerProcess, startServer } from './lib/gantry-server.js';
import {
  describeMachine,
  describePressure,
  machineInfo,
  pressure,
  procMemory,
  procMemoryParts,
} from './lib/machine.js';
import { PodTracker } from './lib/pod-tracker.js';
import {
  findSection,
  formatValue,
  previousFigures,
  renderSection,
  replaceSection,
} from './lib/results-md.js';
import { sleep } from './lib/stats.js';
import { ensureWrk } from './lib/wrk.js';

const SECTION = 'Node agent';
const RESULTS = join(REPO_ROOT, 'bench/RESULTS.md');
const NS = 'bench-agent';
const IMAGE = 'gantry.local/bench/web:v1';
const PAGE = '<h1>gantry agent bench</h1>\n';
const BACKENDS = 3;

const log = (s: string) => process.stdout.write(`${s}\n`);

/** Names that keep this run's kernel objects apart from any other agent on the machine. */
function names(tag: string, octet: number) {
  return {
    bridge: `gb${tag}`,
    netnsPrefix: `gantry-bench-${tag}-`,
    vethPrefix: `gb${tag.slice(0, 4)}`,
    nftTable: `gantry-bench-${tag}`,
    podCidr: `10.252.${octet}.0/24`,
  };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      'no-write': { type: 'boolean', default: false },
      single: { type: 'string', default: '10' },
      pods: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const singleRuns = Number(args.single);
  const burst = Number(args.pods);
  const durationS = Number(args.duration);
  const rounds = Number(args.rounds);
  const wrkOpts = { threads: 2, connections: 32, durationS, rounds, backends: BACKENDS };
  const machine = machineInfo();
  const command = ['node dist/bench/agent.js', ...argv].join(' ');
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  log(`# gantry node agent benchmark — ${date}`);
  log(
    `machine: ${describeMachine(machine)} (load average ${machine.loadAvg1.toFixed(2)}; waiting in the last minute: ${describePressure(machine.pressure)})`,
  );
  log(`command: ${command}`);
  if (process.getuid?.() !== 0) {
    throw new Error('the agent bench needs root (runc, network namespaces, nftables)');
  }
  if (!existsSync(defaultShimPath())) {
    throw new Error(`${defaultShimPath()} is missing: run \`bash scripts/bootstrap.sh\` first`);
  }
  await ensureWrk(log);
  const runcVersion = execFileSync('runc', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'runc';

  const tag = randomBytes(3).toString('hex');
  const octet = (Number.parseInt(tag, 16) % 200) + 20;
  const inProc = names(tag, octet);
  const child = {
    bridge: `gc${tag}`,
    netnsPrefix: `gantry-bench-${tag}c-`,
    vethPrefix: `gc${tag.slice(0, 4)}`,
    nftTable: `gantry-bench-${tag}c`,
    podCidr: `10.252.${octet + 1}.0/24`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-agent-'));
  const runcRoots = [join(dir, 'runc'), join(dir, 'bare-runc'), join(dir, 'child-runc')];
  const bareNetns = `gantry-bench-${tag}b-`;
  const bareCgroup = `/gantry-bench-${tag}`;
  const closers: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((e: unknown) => log(`cleanup step failed: ${(e as Error)?.message ?? e}`));
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let written = false;
  try {
    log(`image: building ${IMAGE} (busybox httpd) …`);
    const built = await buildHttpdImage(join(dir, 'layout'), IMAGE, PAGE);

    // ---- 1 + 2: control plane and agent in this process, steps timed ------------------------
    let cp: ControlPlane | undefined;
    let agent: Agent | undefined;
    closers.push(async () => {
      await agent?.stop({ removePods: true });
      await cp?.stop();
    });
    cp = await startControlPlane({ dataDir: join(dir, 'server'), port: 0, logs: agentPodLogSource });
    const agentDir = join(dir, 'agent');
    const images = new LocalImageStore({ root: join(agentDir, 'images') });
    await images.importLayout(built.dir, IMAGE);
    const trace = new StartTrace();
    agent = await startAgent({
      apiServer: cp.url,
      token: cp.adminToken,
      caPem: cp.caPem,
      client: timedClient(cp.client, trace),
      nodeName: `bench-${tag}`,
      dataDir: agentDir,
      podCidr: inProc.podCidr,
      address: '127.0.0.1',
      port: 0,
      dns: false,
      images: new TimedImages(images, trace),
      runtime: new TimedRuntime(
        new RuncRuntime({ root: join(agentDir, 'containers'), runcRoot: runcRoots[0] }),
        trace,
      ),
      network: new TimedNetwork(
        new BridgeNetwork({
          stateDir: join(agentDir, 'network'),
          bridgeName: inProc.bridge,
          netnsPrefix: inProc.netnsPrefix,
          vethPrefix: inProc.vethPrefix,
          noMasqueradeCidrs: [CLUSTER_POD_CIDR],
        }),
        trace,
      ),
      proxy: new NftServiceProxy({ tableName: inProc.nftTable, nodeIPs: ['127.0.0.1'] }),
    });
    log(`agent in-process: node ${agent.nodeName}, pod CIDR ${agent.podCidr}, bridge ${inProc.bridge}`);
    await cp.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const tracker = new PodTracker(cp.client, NS);
    await tracker.start();
    closers.push(async () => tracker.stop());

    // a pod that runs throughout: its bundle is the bare runc peer's (and warms the node up)
    tracker.sent('base');
    await cp.client.create(R.pods, podManifest('base', NS, IMAGE));
    await tracker.waitRunning(['base'], 60_000);
    const baseUid = tracker.times('base').uid ?? '';
    const bare = bareRunc({
      sourceBundle: join(agentDir, 'containers', `${baseUid}-${CONTAINER}-0`),
      dir: join(dir, 'bare'),
      runcRoot: runcRoots[1]!,
      netnsPrefix: bareNetns,
      cgroupParent: bareCgroup,
    });
    closers.push(async () => {
      for (const id of bare.pending()) {
        await bare.remove(id);
      }
      await removeCgroup(bareCgroup);
    });
    await bare.prepare('bare-warmup');
    await bare.run('bare-warmup');
    await bare.remove('bare-warmup');
    const env: StartEnv = {
      client: cp.client,
      tracker,
      trace,
      namespace: NS,
      image: IMAGE,
      containersDir: join(agentDir, 'containers'),
      bare,
      log,
    };
    log(`pod start: ${singleRuns} single pods, each followed by a bare runc run -d of pod "base"'s bundle`);
    const single = await singleStarts(env, singleRuns);
    log(`pod start: ${burst} pods at once, then ${burst} bare runc run -d at once`);
    const many = await burstStarts(env, burst, BACKENDS);
    const kept = many.kept;

    log(
      `HTTP: NodePort Service over ${BACKENDS} pods; wrk -t${wrkOpts.threads} -c${wrkOpts.connections} -d${durationS}s, ${rounds} rounds`,
    );
    const targets = await backendService(env, kept, PAGE, inProc.nftTable);
    const http = await httpThroughput(targets, wrkOpts, log);
    await cleanup(); // in-process agent and control plane down (pods, bridge, rules removed)

    // ---- 3: gantry server + an agent process, RSS with `burst` pods ------------------------
    const serverDir = join(dir, 'server2');
    mkdirSync(serverDir, { recursive: true, mode: 0o700 });
    const nodeToken = new TokenStore(serverDir).createNodeToken(); // the server loads it on start
    let server: ServerProcess | undefined;
    let agentProc: AgentProcess | undefined;
    let client: HttpClient | undefined;
    closers.push(async () => {
      client?.close();
      const code = await agentProc?.stop();
      if (code !== undefined && code !== 0 && code !== null) {
        log(`agent process exited with ${code}:\n${agentProc?.output().slice(-4000)}`);
      }
      await server?.stop();
    });
    server = await startServer({ dataDir: serverDir });
    const childDir = join(dir, 'agent2');
    await new LocalImageStore({ root: join(childDir, 'images') }).importLayout(built.dir, IMAGE);
    agentProc = await spawnAgentProcess({
      server: server.url,
      token: nodeToken,
      caFile: join(serverDir, 'pki', 'ca.crt'),
      nodeName: `bench-${tag}-proc`,
      dataDir: childDir,
      podCidr: child.podCidr,
      bridgeName: child.bridge,
      netnsPrefix: child.netnsPrefix,
      vethPrefix: child.vethPrefix,
      nftTable: child.nftTable,
      runcRoot: runcRoots[2]!,
    });
    client = new HttpClient({ server: server.url, token: server.token, caPem: server.caPem });
    await client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await sleep(3000);
    const idle = procMemory(agentProc.pid);
    const st = agentProc.startup;
    log(
      `agent process (pid ${agentProc.pid}) joined, no pods: VmRSS ${idle.rssMB.toFixed(1)} MB (start-up: node ${st.nodeBaseMB.toFixed(1)}, + agent modules ${st.agentModulesMB.toFixed(1)}, + CLI modules ${st.cliModulesMB.toFixed(1)}, joined ${st.joinedMB.toFixed(1)} MB)`,
    );
    const mem = await agentMemory(client, NS, IMAGE, burst, agentProc.pid, server.pid, 5000);
    log(
      `agent process with ${burst} pods: VmRSS ${mem.rssMB.toFixed(1)} MB, VmHWM ${mem.hwmMB.toFixed(1)} MB (all Running after ${mem.startAllMs.toFixed(0)} ms)`,
    );
    const parts = procMemoryParts(agentProc.pid);
    const heap = await agentProc.heap();
    if (process.env.GANTRY_BENCH_AGENT_HEAPSNAPSHOT) {
      await sleep(15_000); // the child writes its heap snapshot before it is stopped
    }
    await cleanup();

    const left = leftovers(dir, runcRoots, [inProc, child], [bareNetns]);
    if (left.length > 0) {
      throw new Error(`the bench left things behind:\n${left.join('\n')}`);
    }
    log('cleanup verified: no containers, netns, links, nft tables or mounts of this run are left');

    const results: AgentBenchResults = {
      machine,
      loadEnd: os.loadavg()[0] ?? Number.NaN,
      pressureEnd: pressure(),
      runcVersion,
      cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1,
      singleRuns,
      burst,
      single,
      many: many.result,
      http,
      memory: {
        pods: burst,
        idleRssMB: idle.rssMB,
        rssMB: mem.rssMB,
        hwmMB: mem.hwmMB,
        peakSampledRssMB: mem.peakSampledRssMB,
        startAllMs: mem.startAllMs,
        agentCpuMsPerPod: mem.cpuMsPerPod,
        serverRssMB: mem.serverRssMB,
        parts,
        nodeFlags: shebangNodeFlags(CLI),
        stages: { ...agentProc.startup, ...heap },
      },
    };
    const figures = agentFigures(results);
    const previousSection = findSection(safeRead(RESULTS), SECTION);
    const section = renderSection(
      {
        heading: SECTION,
        date,
        machine: describeMachine(machine),
        command,
        notes: agentNotes(results),
        figures,
        analysis: agentAnalysis(results),
      },
      previousSection === undefined ? undefined : previousFigures(previousSection),
    );
    log('');
    log(`${'figure'.padEnd(64)}value`);
    for (const f of figures) {
      log(`${f.label.replaceAll('**', '').padEnd(64)}${formatValue(f.value, f.digits, f.unit)}`);
    }
    log('');
    log(section);
    if (!args['no-write']) {
      writeFileSync(RESULTS, replaceSection(safeRead(RESULTS), SECTION, section));
      written = true;
      log(`wrote the "${SECTION}" section of ${RESULTS}`);
    }
  } finally {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!written && !args['no-write']) {
      log(`${RESULTS} left unchanged`);
    }
  }
}

/** What this run may have left: containers, netns, links, nft tables, mounts. */
function leftovers(
  dir: string,
  runcRoots: readonly string[],
  nets: readonly ReturnType<typeof names>[],
  extraNetns: readonly string[],
): string[] {
  const out: string[] = [];
  for (const root of runcRoots.filter((r) => existsSync(r))) {
    const ids = execFileSync('runc', ['--root', root, 'list', '-q'], { encoding: 'utf8' }).trim();
    if (ids) {
      out.push(`runc containers in ${root}: ${ids.replaceAll('\n', ' ')}`);
    }
  }
  const prefixes = [...nets.map((n) => n.netnsPrefix), ...extraNetns];
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => prefixes.some((p) => l.startsWith(p)));
  if (netns.length > 0) {
    out.push(`netns: ${netns.join(', ')}`);
  }
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => nets.some((n) => l.includes(`: ${n.bridge}`) || l.includes(`: ${n.vethPrefix}`)));
  if (links.length > 0) {
    out.push(`links: ${links.join(' | ')}`);
  }
  const tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => nets.some((n) => l.endsWith(` ${n.nftTable}`) || l.endsWith(` gantry-nat-${n.bridge}`)));
  if (tables.length > 0) {
    out.push(`nft tables: ${tables.join(', ')}`);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
  if (mounts.length > 0) {
    out.push(`mounts: ${mounts.join(', ')}`);
  }
  return out;
}

runIfMain(import.meta.url, 'bench/agent', main);
