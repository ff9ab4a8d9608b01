// Renders the scale benchmark's runs (one per store) as the "Scale (hollow nodes)" section of
// bench/RESULTS.md: one column per store, the ratio etcd ÷ SQLite, and the comparison with
// kube-scheduler's own performance tests (hundreds of pods per second). Pure.
import type { ProfileSummary } from './cpu-profile.js';
import type { Distribution } from './stats.js';

export type StoreKind = 'sqlite' | 'etcd';

export interface ScaleRun {
  readonly store: StoreKind;
  readonly nodes: number;
  readonly target: number;
  readonly nodesReadyMs: number;
  readonly deploymentsCreateMs: number;
  readonly podsSeen: number;
  readonly bound: number;
  readonly running: number;
  /** Set when not every pod was Running in time: what the run reached. */
  readonly timedOut: string | undefined;
  /** Deployments created → first pod seen by the watch. */
  readonly firstPodMs: number;
  /** First pod seen → last pod seen (the ReplicaSet controller's creation span). */
  readonly createSpanMs: number;
  /** First pod seen → last pod bound. */
  readonly bindSpanMs: number;
  readonly bindThroughput: number;
  /** ADDED → binding, per pod (ms). */
  readonly bindLatency: Distribution;
  /** Binding → Running and Ready reported by the hollow node (ms). */
  readonly runLatency: Distribution;
  /** Deployments created → last pod Running. */
  readonly allRunningMs: number;
  readonly wallMs: number;
  readonly serverCpuMs: number;
  readonly serverHwmMB: number;
  readonly serverRssMB: number;
  readonly etcdCpuMs: number | undefined;
  readonly etcdHwmMB: number | undefined;
  readonly benchCpuMs: number;
  readonly podsPerNodeMin: number;
  readonly podsPerNodeMax: number;
  readonly wrongNode: number;
  readonly nodeErrors: number;
  /** Pods deleted while the scenario ran (none expected: no node fails, nothing scales down). */
  readonly deleted: number;
  /** 1-min load average of the machine when the run started and when it ended. */
  readonly loadStart: number;
  readonly loadEnd: number;
  profile?: ProfileSummary | undefined;
}

export interface ScaleReportInput {
  readonly date: string;
  readonly machine: string;
  readonly loadAvg1: number;
  readonly command: string;
  readonly deployments: number;
  readonly replicas: number;
  readonly runs: readonly ScaleRun[];
  /** What changed since the previous recorded run (free text, from --note). */
  readonly note?: string;
}

const STORE_LABEL: Record<StoreKind, string> = { sqlite: 'SQLite', etcd: 'etcd' };
/** kube-scheduler's scheduler_perf / density tests expect at least this many pods/s (order of magnitude). */
export const KUBE_SCHEDULER_EXPECTED_PODS_PER_S = 100;

function fmt(v: number | undefined, digits: number, unit = ''): string {
  if (v === undefined || !Number.isFinite(v)) {
    return 'n/a';
  }
  const s = v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

interface Row {
  readonly label: string;
  readonly value: (r: ScaleRun) => number | undefined;
  readonly digits: number;
  readonly unit: string;
  /** Show etcd ÷ SQLite for this row. */
  readonly ratio?: boolean;
}

const ROWS: readonly Row[] = [
  { label: 'hollow nodes registered and Ready', value: (r) => r.nodesReadyMs / 1000, digits: 1, unit: 's' },
  { label: 'Deployments created (all at once)', value: (r) => r.deploymentsCreateMs, digits: 0, unit: 'ms' },
  { label: 'Deployments created → first pod', value: (r) => r.firstPodMs, digits: 0, unit: 'ms' },
  { label: 'pods seen', value: (r) => r.podsSeen, digits: 0, unit: '' },
  {
    label: 'pod creation rate (first → last pod seen)',
    value: (r) => r.podsSeen / (r.createSpanMs / 1000),
    digits: 0,
    unit: 'pods/s',
  },
  { label: 'pods bound', value: (r) => r.bound, digits: 0, unit: '' },
  { label: 'pods Running and Ready', value: (r) => r.running, digits: 0, unit: '' },
  { label: 'pods deleted during the run', value: (r) => r.deleted, digits: 0, unit: '' },
  {
    label: '**scheduling throughput** (first pod seen → last bound)',
    value: (r) => r.bindThroughput,
    digits: 0,
    unit: 'pods/s',
    ratio: true,
  },
  { label: 'first pod seen → last pod bound', value: (r) => r.bindSpanMs / 1000, digits: 1, unit: 's' },
  { label: 'pod-bound latency p50 (ADDED → bound)', value: (r) => r.bindLatency.p50, digits: 0, unit: 'ms' },
  {
    label: '**pod-bound latency p99**',
    value: (r) => r.bindLatency.p99,
    digits: 0,
    unit: 'ms',
    ratio: true,
  },
  { label: 'pod-bound latency max', value: (r) => r.bindLatency.max, digits: 0, unit: 'ms' },
  {
    label: 'bound → Running p50 (hollow node report)',
    value: (r) => r.runLatency.p50,
    digits: 0,
    unit: 'ms',
  },
  { label: 'bound → Running p99', value: (r) => r.runLatency.p99, digits: 0, unit: 'ms' },
  {
    label: '**Deployments created → all pods Running**',
    value: (r) => (r.running === r.target ? r.allRunningMs / 1000 : undefined),
    digits: 1,
    unit: 's',
    ratio: true,
  },
  {
    label: '**server CPU** (utime+stime, during the scenario)',
    value: (r) => r.serverCpuMs / 1000,
    digits: 1,
    unit: 's',
    ratio: true,
  },
  {
    label: '**server CPU per scheduled pod** (CPU-ms per pod bound; less noise-sensitive than pods/s)',
    value: (r) => r.serverCpuMs / Math.max(1, r.bound),
    digits: 2,
    unit: 'ms',
    ratio: true,
  },
  {
    label: 'etcd process CPU (during the scenario)',
    value: (r) => r.etcdCpuMs && r.etcdCpuMs / 1000,
    digits: 1,
    unit: 's',
  },
  { label: '**server peak RSS** (VmHWM)', value: (r) => r.serverHwmMB, digits: 0, unit: 'MB', ratio: true },
  { label: 'server RSS at the end', value: (r) => r.serverRssMB, digits: 0, unit: 'MB' },
  { label: 'etcd peak RSS (VmHWM)', value: (r) => r.etcdHwmMB, digits: 0, unit: 'MB' },
  {
    label: 'bench process CPU (hollow nodes + watcher)',
    value: (r) => r.benchCpuMs / 1000,
    digits: 1,
    unit: 's',
  },
  { label: 'pods per node, min / max', value: () => undefined, digits: 0, unit: '' },
  { label: 'pods reported by a node they were not bound to', value: (r) => r.wrongNode, digits: 0, unit: '' },
  { label: 'hollow-node write errors', value: (r) => r.nodeErrors, digits: 0, unit: '' },
  { label: '1-min load average, run start / end', value: () => undefined, digits: 0, unit: '' },
];

export function renderScaleSection(input: ScaleReportInput): string {
  const { runs } = input;
  const sqlite = runs.find((r) => r.store === 'sqlite');
  const etcd = runs.find((r) => r.store === 'etcd');
  const both = sqlite !== undefined && etcd !== undefined;
  const target = input.deployments * input.replicas;
  const nodes = runs[0]?.nodes ?? 0;
  const out: string[] = [
    '## Scale (hollow nodes)',
    '',
    `- Date: ${input.date}`,
    `- Machine: ${input.machine} (1-min load ${fmt(input.loadAvg1, 2)} at the start; the bench shares the cores with the server)`,
    `- Command: \`${input.command}\` (\`npm run bench:scale\`)`,
    `- Scenario: a real \`gantry server\` process per store (\`--store etcd:URL\` against a real single-member etcd with its default durable settings; \`--pod-eviction-ms 300000\`, Kubernetes' default toleration of an unreachable node, so a hollow node starved of CPU is not evicted), ${nodes} hollow nodes (bench/lib/hollow-node.ts: register the Node, wait for the IPAM controller's pod CIDR, renew a Lease in kube-node-lease every 10 s, watch their own pods with \`fieldSelector=spec.nodeName=NAME\` on their own HTTPS client, report each pod Running+Ready with an IP through \`pods/status\`, 4 writes in flight per node), then ${input.deployments} Deployments × ${input.replicas} replicas = ${target.toLocaleString('en-US')} pods created at once (10m CPU / 16Mi requested each).`,
    "- Timing: the server stamps times in whole seconds, so every time is the bench's monotonic clock at which one watch on the namespace received the event: ADDED (the pod exists), the first event carrying `spec.nodeName` (bound), the first showing Running with Ready=True. Throughput = pods bound ÷ (last bound − first pod seen).",
  ];
  if (input.note) {
    out.push(`- What changed: ${input.note}`);
  }
  out.push('');
  const timedOut = runs.filter((r) => r.timedOut);
  for (const r of timedOut) {
    out.push(`- **${STORE_LABEL[r.store]} did not finish:** ${r.timedOut}; figures are what it reached.`);
  }
  if (timedOut.length > 0) {
    out.push('');
  }
  const header = ['Figure', ...runs.map((r) => STORE_LABEL[r.store])];
  if (both) {
    header.push('etcd ÷ SQLite');
  }
  out.push(`| ${header.join(' | ')} |`);
  out.push(
    `| --- | ${header
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
  );
  for (const row of ROWS) {
    const cells = [row.label];
    for (const r of runs) {
      cells.push(
        row.label.startsWith('pods per node')
          ? `${r.podsPerNodeMin} / ${r.podsPerNodeMax}`
          : row.label.startsWith('1-min load')
            ? `${fmt(r.loadStart, 2)} / ${fmt(r.loadEnd, 2)}`
            : fmt(row.value(r), row.digits, row.unit),
      );
    }
    if (both) {
      const a = row.value(sqlite);
      const b = row.value(etcd);
      cells.push(row.ratio && a !== undefined && b !== undefined && a !== 0 ? fmt(b / a, 2) : '');
    }
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
  const expected = KUBE_SCHEDULER_EXPECTED_PODS_PER_S;
  const compare = runs
    .map(
      (r) =>
        `${STORE_LABEL[r.store]} ${fmt(r.bindThroughput, 0)} pods/s (${fmt(r.bindThroughput / expected, 2)}× the ${expected} pods/s floor)`,
    )
    .join(', ');
  out.push(
    `**Against kube-scheduler:** its own performance tests (scheduler_perf, the density/SLO tests) expect hundreds of pods bound per second — ${expected} pods/s is the floor they treat as healthy, on far bigger machines and with the API server, etcd and the load generator on separate cores. Here: ${compare}, with the control plane, the store and ${nodes} hollow kubelets sharing 2 cores.`,
  );
  out.push('');
  for (const r of runs) {
    if (!r.profile) {
      continue;
    }
    const p = r.profile;
    out.push(
      `**Server CPU profile, ${STORE_LABEL[r.store]}** (\`--profile\`: the server ran under \`--cpu-prof\`, which slows it — read shares, not rates; scenario window only): ${fmt(p.busyMs, 0)} ms busy, ${fmt(p.idleMs, 0)} ms idle.`,
    );
    out.push('');
    out.push('| Category | self ms | share |');
    out.push('| --- | ---: | ---: |');
    for (const c of p.categories.filter((c) => c.ms >= p.busyMs * 0.02)) {
      out.push(`| ${c.name} | ${fmt(c.ms, 0)} | ${fmt((c.ms / p.busyMs) * 100, 1)}% |`);
    }
    out.push('');
    out.push('Top functions by self time:');
    out.push('');
    for (const t of p.top.slice(0, 10)) {
      out.push(`- ${fmt(t.ms, 0)} ms — \`${t.name}\` (${t.category})`);
    }
    out.push('');
  }
  return out.join('\n');
}
