// GitOps sync benchmark (issue 5): how long a pushed commit takes to be Synced — with the webhook,
// and with polling at 2 s and 15 s — and how long until a 3-replica rolling update serves only
// the new version on its NodePort. A real `gantry up` per mode (control plane, sync engine,
// webhook, local agent with runc, bridge network, nftables NodePorts) on a copy of the bundled
// demo (production/web only), isolated from other work on the machine; real git (commit, push to
// the demo's bare repository over file://). The Application is followed through a watch, the
// NodePort through HTTP GETs from this process. Prints the machine, the command and the figures,
// and replaces the "GitOps sync" section of bench/RESULTS.md.
//
//   npm run bench:sync                 # build, run, write bench/RESULTS.md
//   node dist/bench/sync.js --no-write # print only
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AppState, AppTimeline } from './lib/app-timeline.js';
import { previousRun, writeSection } from './lib/entry.js';
import type { GitWorkspace } from './lib/git-workspace.js';
import { type GitopsEnv, probeNodePort, REPO_ROOT, startGitopsEnv } from './lib/gitops-env.js';
import { describeMachine, describePressure, machineInfo, pressure } from './lib/machine.js';
import { type Figure, renderSection } from './lib/results-md.js';
import { type Distribution, distribution, sleep } from './lib/stats.js';

const SECTION = 'GitOps sync';
const RESULTS = join(REPO_ROOT, 'bench/RESULTS.md');
const COMMITS = 5;
const ROLLOUTS = 3;
const POLLS_MS = [2000, 15_000];
const DEPLOY = 'manifests/production/web/deployment.yaml';
const SETTINGS = 'manifests/production/web/bench-settings.yaml';
const APP = 'web-production';

function settings(n: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench-settings\ndata:\n  commit: "${n}"\n`;
}

interface Env {
  readonly env: GitopsEnv;
  readonly work: GitWorkspace;
  readonly app: AppTimeline;
}

async function start(pollMs: number, label: string): Promise<Env> {
  const env = await startGitopsEnv({
    pollMs,
    apps: ['production/web'],
    label,
    logLevel: 'warn',
    extraFiles: { 'production/web/bench-settings.yaml': settings(0) },
  });
  try {
    const app = await AppTimeline.start(env.client, APP);
    const work = await env.clone();
    const head = await work.head();
    await app.waitFor(
      (s) => s.sync === 'Synced' && s.revision === head && s.health === 'Healthy',
      'Synced and Healthy at startup',
      120_000,
    );
    return { env, work, app };
  } catch (e) {
    await stop({ env } as Env);
    throw e;
  }
}

async function stop(e: Env): Promise<void> {
  e.app?.stop();
  const left = await e.env.stop();
  if (left.length > 0) {
    throw new Error(`left behind by the ${e.env.names.nodeName} daemon: ${left.join('; ')}`);
  }
}

const syncedAt = (sha: string) => (s: AppState) => s.sync === 'Synced' && s.revision === sha;

interface CommitSample {
  /** git push started (the commit exists locally) → Synced seen through the watch. */
  readonly toSynced: number;
  readonly push: number;
  /** Webhook POST sent → Synced (webhook mode only). */
  readonly hookToSynced?: number;
}

/** COMMITS ConfigMap changes, each pushed and (with `hook`) announced; Synced measured per commit. */
async function commitToSynced(e: Env, hook: boolean, pollMs: number): Promise<CommitSample[]> {
  const out: CommitSample[] = [];
  for (let i = 1; i <= COMMITS; i++) {
    if (!hook) {
      // a commit lands at a random moment of the poll cycle, as users' commits do
      await sleep(Math.random() * pollMs);
    }
    await e.work.write(SETTINGS, settings(Date.now()));
    await e.work.commit(`bench: commit ${i}`);
    const mark = e.app.mark();
    const t0 = performance.now();
    await e.work.push();
    const pushed = performance.now();
    const sha = await e.work.head();
    let hookAt: number | undefined;
    if (hook) {
      hookAt = performance.now();
      const res = await e.env.webhookPush(sha);
      if (res.status !== 200) {
        throw new Error(`webhook answered ${res.status}: ${res.body}`);
      }
    }
    const s = await e.app.waitFor(syncedAt(sha), `Synced at commit ${i}`, pollMs + 30_000, mark);
    out.push({
      toSynced: s.at - t0,
      push: pushed - t0,
      ...(hookAt !== undefined ? { hookToSynced: s.at - hookAt } : {}),
    });
    console.log(
      `  commit ${i}: push ${(pushed - t0).toFixed(0)} ms, commit → Synced ${(s.at - t0).toFixed(0)} ms`,
    );
  }
  return out;
}

interface RolloutSample {
  /** push → from then on the NodePort answers only the new version. */
  readonly toServingOnlyNew: number;
  /** push → first answer from the new version. */
  readonly toFirstNew: number;
  readonly toSynced: number;
  readonly toHealthy: number;
  readonly requests: number;
  readonly failed: number;
}

/**
 * One rolling update of the 3-replica Deployment to `version`: push + webhook, probe the NodePort
 * sequentially until the app is Healthy and 2 s more; the latency is to the first new answer
 * after the last answer that was not the new version.
 */
async function rollout(e: Env, from: string, to: string): Promise<RolloutSample> {
  const port = e.env.nodePort('production/web');
  await e.work.replace(DEPLOY, `gantry.local/demo/web:${from}`, `gantry.local/demo/web:${to}`);
  await e.work.commit(`bench: web ${to}`);
  const sha = await e.work.head();
  const mark = e.app.mark();
  const prober = probeNodePort(port);
  const t0 = performance.now();
  await e.work.push();
  const res = await e.env.webhookPush(sha);
  if (res.status !== 200) {
    await prober.stop();
    throw new Error(`webhook answered ${res.status}: ${res.body}`);
  }
  try {
    const synced = await e.app.waitFor(syncedAt(sha), `Synced at web ${to}`, 30_000, mark);
    const healthy = await e.app.waitFor(
      (s) => syncedAt(sha)(s) && s.health === 'Healthy',
      `Healthy at web ${to}`,
      120_000,
      mark,
    );
    await sleep(2000);
    const after = (await prober.stop()).filter((a) => a.at >= t0);
    const lastOther = after.findLastIndex((a) => a.v !== to);
    const firstOnlyNew = after[lastOther + 1];
    if (!firstOnlyNew) {
      throw new Error(`web ${to}: the NodePort never answered only ${to}`);
    }
    const firstNew = after.find((a) => a.v === to)!;
    return {
      toServingOnlyNew: firstOnlyNew.at - t0,
      toFirstNew: firstNew.at - t0,
      toSynced: synced.at - t0,
      toHealthy: healthy.at - t0,
      requests: after.length,
      failed: after.filter((a) => a.v === 'error' || a.v === 'other').length,
    };
  } finally {
    await prober.stop();
  }
}

function ms(id: string, label: string, value: number, goal?: Figure['goal']): Figure {
  return { id, label, value, unit: 'ms', digits: 0, ...(goal ? { goal } : {}) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-write': { type: 'boolean' } } });
  const machine = machineInfo();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  console.log(
    `machine: ${describeMachine(machine)}; load ${machine.loadAvg1.toFixed(2)}, PSI ${describePressure(machine.pressure)}`,
  );
  console.log('command: node dist/bench/sync.js');

  // 1. webhook (polling every 10 minutes, so it never helps) + the rolling updates
  console.log('webhook (poll interval 600 s):');
  const hookEnv = await start(600_000, 'bhook');
  let hook: CommitSample[];
  const rollouts: RolloutSample[] = [];
  try {
    hook = await commitToSynced(hookEnv, true, 600_000);
    console.log('rolling updates of 3 replicas (push + webhook):');
    const versions = ['v1', 'v2', 'v3', 'v1'];
    for (let i = 0; i < ROLLOUTS; i++) {
      const r = await rollout(hookEnv, versions[i]!, versions[i + 1]!);
      rollouts.push(r);
      console.log(
        `  ${versions[i]} → ${versions[i + 1]}: Synced ${r.toSynced.toFixed(0)} ms, first new answer ${r.toFirstNew.toFixed(0)} ms, ` +
          `only new ${r.toServingOnlyNew.toFixed(0)} ms, Healthy ${r.toHealthy.toFixed(0)} ms; ${r.requests} requests, ${r.failed} failed`,
      );
    }
  } finally {
    await stop(hookEnv);
  }

  // 2. polling
  const polled = new Map<number, CommitSample[]>();
  for (const pollMs of POLLS_MS) {
    console.log(`polling every ${pollMs / 1000} s:`);
    const e = await start(pollMs, `bpoll${pollMs / 1000}`);
    try {
      polled.set(pollMs, await commitToSynced(e, false, pollMs));
    } finally {
      await stop(e);
    }
  }
  const end = pressure();

  const dist = (xs: readonly number[]): Distribution => distribution(xs);
  const hookD = dist(hook.map((s) => s.toSynced));
  const hookPostD = dist(hook.map((s) => s.hookToSynced ?? Number.NaN));
  const pushD = dist(hook.map((s) => s.push));
  const onlyNew = dist(rollouts.map((r) => r.toServingOnlyNew));
  const firstNew = dist(rollouts.map((r) => r.toFirstNew));
  const rSynced = dist(rollouts.map((r) => r.toSynced));
  const failed = rollouts.reduce((n, r) => n + r.failed, 0);
  const requests = rollouts.reduce((n, r) => n + r.requests, 0);
  const figures: Figure[] = [
    ms('hook_p50', 'webhook: commit → Synced p50', hookD.p50, { op: '<=', target: 1000 }),
    ms('hook_max', 'webhook: commit → Synced max', hookD.max, { op: '<=', target: 1000 }),
    ms('hook_post_p50', 'webhook: POST sent → Synced p50', hookPostD.p50),
    ms('push_p50', 'git push (file://) p50, included above', pushD.p50),
  ];
  for (const pollMs of POLLS_MS) {
    const d = dist((polled.get(pollMs) ?? []).map((s) => s.toSynced));
    const s = pollMs / 1000;
    figures.push(
      ms(`poll${s}_p50`, `polling every ${s} s: commit → Synced p50`, d.p50),
      ms(`poll${s}_max`, `polling every ${s} s: commit → Synced max`, d.max, {
        op: '<=',
        target: pollMs + 1000,
      }),
    );
  }
  figures.push(
    ms('roll_synced_p50', 'rolling update (3 replicas): commit → Synced p50', rSynced.p50),
    ms('roll_first_p50', 'rolling update: commit → first answer from the new version p50', firstNew.p50),
    ms('roll_only_p50', 'rolling update: commit → NodePort serves only the new version p50', onlyNew.p50),
    ms('roll_only_max', 'rolling update: commit → NodePort serves only the new version max', onlyNew.max),
    { id: 'roll_requests', label: 'rolling update: requests probed', value: requests, unit: '', digits: 0 },
    {
      id: 'roll_failed',
      label: 'rolling update: failed requests',
      value: failed,
      unit: '',
      digits: 0,
      goal: { op: '<=', target: 0 },
    },
  );
  for (const f of figures) {
    console.log(`${f.label}: ${Number.isFinite(f.value) ? f.value.toFixed(f.digits) : 'n/a'} ${f.unit}`);
  }

  const notes = [
    `Each mode runs its own \`gantry up\` (startDaemon 'up' in this process: control plane on SQLite, sync engine, webhook at /api/webhook, local agent with runc, bridge network, nftables NodePorts) on a copy of the bundled demo reduced to production/web (Deployment of 3 replicas, RollingUpdate maxSurge 1 / maxUnavailable 0, readiness probe every 2 s) plus one ConfigMap; names, pod CIDR and NodePorts are its own, so the run can share the machine.`,
    `Commit → Synced: ${COMMITS} commits per mode, each changing the ConfigMap; the clock starts when \`git push\` to the demo's bare repository (file://) starts and stops when the Application, followed through a watch of the API server, shows sync.status Synced at the pushed SHA (the sync operation has applied it). Webhook: a GitHub push event signed with HMAC-SHA256 (X-Hub-Signature-256) POSTed over HTTPS right after the push, with the poll interval at 600 s so polling never helps. Polling: the commit is made at a random point of the poll cycle (a random wait in [0, interval)), so the expected latency is about half an interval plus the sync.`,
    `Rolling update: ${ROLLOUTS} image changes of the 3-replica Deployment (v1 → v2 → v3 → v1, images already on the node), announced by the webhook. The NodePort is probed on 127.0.0.1 by one sequential HTTP GET every ≥ 20 ms from before the push until 2 s after the Application is Healthy; "serves only the new version" is the first answer from the new version after the last answer that was not (old version, error or timeout). Failed requests are answers that were neither version (errors, timeouts).`,
    `Load average (1 min): ${machine.loadAvg1.toFixed(2)} at the start; PSI at the start ${describePressure(machine.pressure)}, at the end ${describePressure(end)} — a shared 2-core machine; the bench client, the daemon and the containers share it.`,
  ];
  const pollText = POLLS_MS.map((p) => {
    const d = dist((polled.get(p) ?? []).map((x) => x.toSynced));
    return `${p / 1000} s: p50 ${d.p50.toFixed(0)} ms, max ${d.max.toFixed(0)} ms`;
  }).join('; ');
  const analysis = [
    `With the webhook a commit is Synced ${hookD.p50.toFixed(0)} ms (p50) after the push starts, of which the push itself is ${pushD.p50.toFixed(0)} ms; from the webhook POST it is ${hookPostD.p50.toFixed(0)} ms (refresh → ls-remote → fetch → render/validate → diff → apply → status written). With polling the wait for the next poll dominates (${pollText}): about half an interval on average, at most one interval plus the sync.`,
    '',
    `A rolling update of 3 replicas serves only the new version ${onlyNew.p50.toFixed(0)} ms (p50) after the push; the sync itself is done after ${rSynced.p50.toFixed(0)} ms, so the rest (${(onlyNew.p50 - rSynced.p50).toFixed(0)} ms) is the rollout: three surge steps (maxSurge 1, maxUnavailable 0), each a new pod started, its first readiness probe passed, and an old pod taken out of the Endpoints, which the service proxy follows.`,
  ];

  const previous = previousRun(RESULTS, SECTION);
  const section = renderSection(
    {
      heading: SECTION,
      date,
      machine: describeMachine(machine),
      command: 'node dist/bench/sync.js',
      notes,
      figures,
      analysis,
    },
    previous,
  );
  if (values['no-write']) {
    console.log(section);
    return;
  }
  writeSection(RESULTS, SECTION, section);
  console.log(`wrote the "${SECTION}" section of ${RESULTS}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
