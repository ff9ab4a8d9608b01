// API server benchmark (issue 2): create / get / list / watch-delivery rates for 10,000
// ConfigMaps through the real `gantry server` over HTTPS with a bearer token, against raw
// better-sqlite3 inserts, SqliteStore.create and Registry.create measured in the same run on the
// same filesystem; write→watch-event latency; server RSS. Prints the machine, the command and
// every figure, and replaces the "API server" section of bench/RESULTS.md.
//
//   npm run bench:api                 # build, run, write bench/RESULTS.md
//   node dist/bench/api.js --no-write # print only
//   node dist/bench/api.js --profile  # server under --cpu-prof: where its time goes, per phase
//                                     # (writes the "API server: CPU profile" section instead)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resourceByPlural } from '../src/api/resources.js';
import { HttpClient } from '../src/client/http.js';
import { apiFullList, apiGet, apiPagedList, apiWatchDelivery, apiWatchLatency } from './lib/api-phases.js';
import {
  type ApiBenchResults,
  apiAnalysis,
  apiFigures,
  apiNotes,
  type PathResult,
} from './lib/api-report.js';
import { benchConfigMap } from './lib/configmap-payload.js';
import type { CpuProfile } from './lib/cpu-profile.js';
import {
  apiCreatePath,
  type CreatePath,
  rawInsertPath,
  registryCreatePath,
  storeCreatePath,
} from './lib/create-paths.js';
import { runIfMain, safeRead } from './lib/entry.js';
import { shebangNodeFlags } from './lib/entry-flags.js';
import { CLI, REPO_ROOT, type ServerProcess, startServer } from './lib/gantry-server.js';
import {
  describeMachine,
  describePressure,
  machineInfo,
  pressure,
  procCpuMs,
  procMemory,
  procMemoryParts,
} from './lib/machine.js';
import { renderProfileSection } from './lib/profile-report.js';
import {
  findSection,
  formatValue,
  previousFigures,
  renderSection,
  replaceSection,
} from './lib/results-md.js';
import { distribution, nowMs } from './lib/stats.js';
import { TimedGetter } from './lib/timed-get.js';

const COUNT = 10_000;
const CONCURRENCY = 32;
const BLOCKS = 10;
const WARMUP = 500;
const LIST_REPEATS = 5;
const PAGE_LIMIT = 500;
const LATENCY_UPDATES = 1_000;
const LATENCY_INTERVAL_MS = 2;
const SECTION = 'API server';
const PROFILE_SECTION = 'API server: CPU profile';
const RESULTS = join(REPO_ROOT, 'bench/RESULTS.md');
const NAMESPACES = resourceByPlural('', 'namespaces')!;

/** A measured stretch of the run: wall-clock window (hrtime ms) and CPU used by server and bench. */
interface Phase {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly ops: number;
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const f2 = (v: number) => v.toFixed(2);

async function phase<T>(
  phases: Phase[],
  name: string,
  ops: number,
  pid: number | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const cpu0 = process.cpuUsage();
  const s0 = pid === undefined ? 0 : procCpuMs(pid);
  const startMs = nowMs();
  const result = await fn();
  const endMs = nowMs();
  const c = process.cpuUsage(cpu0);
  const serverCpuMs = pid === undefined ? 0 : procCpuMs(pid) - s0;
  phases.push({ name, startMs, endMs, ops, serverCpuMs, clientCpuMs: (c.user + c.system) / 1000 });
  return result;
}

/** Phases of one name added up (the create blocks). */
function total(phases: readonly Phase[], name: string): Phase & { blocks: Phase[] } {
  const blocks = phases.filter((p) => p.name === name);
  const sum = (f: (p: Phase) => number) => blocks.reduce((a, p) => a + f(p), 0);
  return {
    name,
    startMs: blocks[0]?.startMs ?? 0,
    endMs: blocks[blocks.length - 1]?.endMs ?? 0,
    ops: sum((p) => p.ops),
    serverCpuMs: sum((p) => p.serverCpuMs),
    clientCpuMs: sum((p) => p.clientCpuMs),
    blocks,
  };
}

function pathResult(phases: readonly Phase[], name: string): PathResult {
  const t = total(phases, name);
  const elapsedMs = t.blocks.reduce((a, p) => a + (p.endMs - p.startMs), 0);
  return {
    name,
    ops: t.ops,
    elapsedMs,
    opsPerSec: (t.ops / elapsedMs) * 1000,
    blockRates: t.blocks.map((p) => (p.ops / (p.endMs - p.startMs)) * 1000),
  };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      'no-write': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  });
  const machine = machineInfo();
  const command = ['node dist/bench/api.js', ...argv].join(' ');
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  log(`# gantry API server benchmark — ${date}`);
  log(
    `machine: ${describeMachine(machine)} (load average ${machine.loadAvg1.toFixed(2)}; waiting in the last minute: ${describePressure(machine.pressure)})`,
  );
  log(`command: ${command}`);
  log(
    `method: ${n0(COUNT)} ConfigMaps, ${CONCURRENCY} requests in flight, ${BLOCKS} interleaved blocks, ${WARMUP} warm-up creates per path`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-api-'));
  const profDir = join(dir, 'cpu-profile');
  let server: ServerProcess | undefined;
  const closers: (() => unknown)[] = [];
  const cleanup = async () => {
    for (const close of closers.splice(0).reverse()) {
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
    }
    await server?.stop();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const phases: Phase[] = [];
  try {
    const ns = 'bench-api';
    const payloadBytes = Buffer.byteLength(JSON.stringify(benchConfigMap(ns, 1234)));
    const peers: CreatePath[] = [
      rawInsertPath(dir, ns),
      storeCreatePath(dir, ns),
      await registryCreatePath(dir, ns, CONCURRENCY),
    ];
    for (const p of peers) {
      closers.push(() => p.close());
    }

    const spawnedAt = nowMs();
    mkdirSync(join(dir, 'server'));
    server = await startServer({
      dataDir: join(dir, 'server'),
      nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    const pid = server.pid;
    const client = new HttpClient({ server: server.url, token: server.token, caPem: server.caPem });
    const watchClient = new HttpClient({ server: server.url, token: server.token, caPem: server.caPem });
    const getter = new TimedGetter(server.url, server.token, server.caPem);
    closers.push(
      () => client.close(),
      () => watchClient.close(),
      () => getter.close(),
    );
    log(`server: ${server.url} (pid ${pid}), VmRSS at start ${f2(procMemory(pid).rssMB)} MB`);
    for (const name of [ns, 'bench-watch', 'bench-latency']) {
      await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    const paths = [...peers, apiCreatePath(client, ns, CONCURRENCY)];

    // Creates: the four paths in interleaved blocks, after a warm-up each.
    for (const p of paths) {
      await p.warmup(WARMUP);
    }
    const apiLatencies: number[] = [];
    const per = COUNT / BLOCKS;
    for (let b = 0; b < BLOCKS; b++) {
      for (const p of paths) {
        const isApi = p === paths[paths.length - 1];
        const lat = await phase(phases, p.name, per, isApi ? pid : undefined, () =>
          p.run(b * per, (b + 1) * per),
        );
        if (isApi && lat) {
          apiLatencies.push(...lat);
        }
      }
    }
    for (const p of peers) {
      await p.close(); // frees the in-process stores (and their watch history) before the next phases
    }
    const [raw, store, registry, api] = paths.map((p) => pathResult(phases, p.name)) as [
      PathResult,
      PathResult,
      PathResult,
      PathResult,
    ];
    for (const r of [raw, store, registry, api]) {
      log(
        `${r.name.padEnd(26)} ${n0(r.opsPerSec).padStart(7)} /s  (blocks ${n0(Math.min(...r.blockRates))}…${n0(Math.max(...r.blockRates))} /s)`,
      );
    }
    const apiLatency = distribution(apiLatencies);
    log(
      `API create latency: p50 ${f2(apiLatency.p50)} ms, p99 ${f2(apiLatency.p99)} ms; API ÷ raw = ${(api.opsPerSec / raw.opsPerSec).toFixed(3)}`,
    );
    const memCreated = procMemory(pid);
    const memCreatedParts = procMemoryParts(pid);
    log(
      `server memory with ${n0(COUNT)} objects: VmRSS ${f2(memCreated.rssMB)} MB (anonymous ${f2(memCreatedParts.anonMB)}, file-backed ${f2(memCreatedParts.fileMB)}), VmHWM ${f2(memCreated.hwmMB)} MB`,
    );

    const get = await phase(phases, 'API get', COUNT, pid, () => apiGet(client, ns, COUNT, CONCURRENCY));
    log(
      `API get:     ${n0(get.opsPerSec)} /s (latency p50 ${f2(get.latency.p50)} ms, p99 ${f2(get.latency.p99)} ms)`,
    );
    const list = await phase(phases, 'API full list', COUNT * LIST_REPEATS, pid, () =>
      apiFullList(getter, ns, COUNT, LIST_REPEATS),
    );
    log(
      `API list (all ${n0(COUNT)}): ${f2(list.totalMs.mean)} ms/list (p50 ${f2(list.totalMs.p50)}, max ${f2(list.totalMs.max)}), ${n0(list.objectsPerSec)} objects/s; first byte ${f2(list.ttfbMs.mean)} ms, client JSON.parse ${f2(list.parseMs.mean)} ms, ${f2(list.bytes / 1e6)} MB`,
    );
    const paged = await phase(phases, 'API paged list', COUNT, pid, () =>
      apiPagedList(getter, ns, COUNT, PAGE_LIMIT),
    );
    log(
      `API paged list (limit=${PAGE_LIMIT}): ${paged.pages} pages, ${f2(paged.totalMs)} ms, ${n0(paged.objectsPerSec)} objects/s, ${f2(paged.pageMs.mean)} ms/page`,
    );
    const memListed = procMemory(pid);
    log(`server memory after the lists: VmRSS ${f2(memListed.rssMB)} MB, VmHWM ${f2(memListed.hwmMB)} MB`);

    const watch = await phase(phases, 'watch delivery (burst of creates)', COUNT, pid, () =>
      apiWatchDelivery(client, watchClient, 'bench-watch', COUNT, CONCURRENCY),
    );
    log(
      `watch delivery: ${n0(watch.eventsPerSec)} events/s, first create → last event ${f2(watch.firstCreateToLastEventMs)} ms (creates ${n0(watch.createsPerSec)} /s; last event ${f2(watch.lagAfterLastAckMs)} ms after the last ack)`,
    );
    const latency = await phase(phases, 'write → watch latency', LATENCY_UPDATES, pid, () =>
      apiWatchLatency(client, watchClient, 'bench-latency', LATENCY_UPDATES, LATENCY_INTERVAL_MS),
    );
    log(
      `write → watch event: p50 ${f2(latency.event.p50)} ms, p90 ${f2(latency.event.p90)} ms, p99 ${f2(latency.event.p99)} ms, max ${f2(latency.event.max)} ms (PATCH response p50 ${f2(latency.ack.p50)}, p99 ${f2(latency.ack.p99)} ms)`,
    );
    const memEnd = procMemory(pid);
    log(
      `server memory at the end (${n0(2 * COUNT + 1)} ConfigMaps): VmRSS ${f2(memEnd.rssMB)} MB, VmHWM ${f2(memEnd.hwmMB)} MB`,
    );

    const names = [...new Set(phases.map((p) => p.name))];
    log('');
    log(
      `${'phase'.padEnd(34)} ${'wall ms'.padStart(9)} ${'server CPU ms/op'.padStart(17)} ${'bench CPU ms/op'.padStart(16)}`,
    );
    for (const name of names) {
      const t = total(phases, name);
      const wall = t.blocks.reduce((a, p) => a + (p.endMs - p.startMs), 0);
      const server = t.blocks.some((p) => p.serverCpuMs > 0) ? (t.serverCpuMs / t.ops).toFixed(3) : '-';
      log(
        `${name.padEnd(34)} ${f2(wall).padStart(9)} ${server.padStart(17)} ${(t.clientCpuMs / t.ops).toFixed(3).padStart(16)}`,
      );
    }

    const apiTotal = total(phases, api.name);
    const results: ApiBenchResults = {
      count: COUNT,
      concurrency: CONCURRENCY,
      blocks: BLOCKS,
      warmup: WARMUP,
      payloadBytes,
      machine,
      loadEnd: os.loadavg()[0] ?? Number.NaN,
      pressureEnd: pressure(),
      raw,
      store,
      registry,
      api,
      apiLatency,
      serverCpuPerCreateMs: apiTotal.serverCpuMs / apiTotal.ops,
      clientCpuPerCreateMs: apiTotal.clientCpuMs / apiTotal.ops,
      get: { opsPerSec: get.opsPerSec, latency: get.latency },
      list,
      paged,
      watch,
      latency,
      memCreated,
      memCreatedParts,
      serverNodeFlags: shebangNodeFlags(CLI),
      memListed,
      memEnd,
    };
    const figures = apiFigures(results);
    const previousSection = findSection(safeRead(RESULTS), SECTION);
    const section = renderSection(
      {
        heading: SECTION,
        date,
        machine: describeMachine(machine),
        command,
        notes: apiNotes(results),
        figures,
        analysis: apiAnalysis(results),
      },
      previousSection === undefined ? undefined : previousFigures(previousSection),
    );

    await cleanup(); // the server writes its CPU profile when it exits
    log('');
    log(`${'figure'.padEnd(72)}value`);
    for (const f of figures) {
      log(`${f.label.replaceAll('**', '').padEnd(72)}${formatValue(f.value, f.digits, f.unit)}`);
    }
    let target = { heading: SECTION, text: section };
    if (args.profile) {
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) {
        throw new Error(`the server wrote no .cpuprofile into ${profDir}`);
      }
      const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
      // V8 stamps samples with CLOCK_MONOTONIC µs, like process.hrtime: check before cutting by time.
      const aligned = Math.abs(profile.startTime / 1000 - spawnedAt) < 5_000;
      const windows = names
        .map((name) => total(phases, name))
        .filter((t) => t.serverCpuMs > 0)
        .map((t) => ({
          name: t.name,
          ops: t.ops,
          windows: t.blocks.map((p) => ({ fromUs: p.startMs * 1000, toUs: p.endMs * 1000 })),
        }));
      target = {
        heading: PROFILE_SECTION,
        text: renderProfileSection(
          PROFILE_SECTION,
          profile,
          windows,
          { date, machine: describeMachine(machine), command },
          aligned,
        ),
      };
    }
    log('');
    log(target.text);
    if (!args['no-write']) {
      writeFileSync(RESULTS, replaceSection(safeRead(RESULTS), target.heading, target.text));
      log(`wrote the "${target.heading}" section of ${RESULTS}`);
    }
  } finally {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

runIfMain(import.meta.url, 'bench/api', main);
