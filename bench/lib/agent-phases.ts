// The measured phases of the node agent bench (bench/agent.ts): pod starts (one at a time, then a
// burst) each beside bare `runc run -d` starts of the same bundle, and the agent process's memory
// with many pods. The HTTP phase is in agent-http.ts.
import { existsSync, readdirSync } from 'node:fs';
import type { KObject, Pod } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';
import type { StartResult, StepBreakdown } from './agent-report.js';
import type { StartTrace } from './agent-timing.js';
import type { BareRunc } from './bare-runc.js';
import { procCpuMs, procMemory } from './machine.js';
import type { PodTracker } from './pod-tracker.js';
import { distribution, nowMs, percentile, sleep } from './stats.js';

export const CONTAINER = 'web';

export function podManifest(
  name: string,
  namespace: string,
  image: string,
  labels: Record<string, string> = {},
): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench-agent', ...labels } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: CONTAINER, image, imagePullPolicy: 'Never', ports: [{ containerPort: 80 }] }],
    },
  };
}

export interface StartEnv {
  readonly client: Client;
  readonly tracker: PodTracker;
  readonly trace: StartTrace;
  readonly namespace: string;
  readonly image: string;
  /** The agent's `<data-dir>/containers`: a pod is gone from the node once no bundle is left. */
  readonly containersDir: string;
  readonly bare: BareRunc;
  readonly log: (s: string) => void;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

function breakdown(env: StartEnv, names: readonly string[]): StepBreakdown {
  const cols: Record<Exclude<keyof StepBreakdown, 'pods'>, number[]> = {
    schedule: [],
    pickup: [],
    network: [],
    volumesImage: [],
    rootfs: [],
    spec: [],
    runc: [],
    status: [],
    watch: [],
  };
  let pods = 0;
  for (const name of names) {
    const t = env.tracker.times(name);
    const s = t.uid ? env.trace.steps(t.uid) : {};
    const { network, rootfs, runc, statusRunning } = s;
    if (
      t.sentAt === undefined ||
      t.scheduledAt === undefined ||
      t.runningAt === undefined ||
      !network ||
      !rootfs ||
      !runc ||
      !statusRunning
    ) {
      continue;
    }
    pods++;
    cols.schedule.push(t.scheduledAt - t.sentAt);
    cols.pickup.push(network.start - t.scheduledAt);
    cols.network.push(network.end - network.start);
    cols.volumesImage.push(rootfs.start - network.end);
    cols.rootfs.push(rootfs.end - rootfs.start);
    cols.spec.push(runc.start - rootfs.end);
    cols.runc.push(runc.end - runc.start);
    cols.status.push(statusRunning.start - runc.end);
    cols.watch.push(t.runningAt - statusRunning.start);
  }
  const med = (k: keyof typeof cols) => (cols[k].length ? median(cols[k]) : Number.NaN);
  return {
    schedule: med('schedule'),
    pickup: med('pickup'),
    network: med('network'),
    volumesImage: med('volumesImage'),
    rootfs: med('rootfs'),
    spec: med('spec'),
    runc: med('runc'),
    status: med('status'),
    watch: med('watch'),
    pods,
  };
}

function latencies(env: StartEnv, names: readonly string[]): number[] {
  return names.map((n) => {
    const t = env.tracker.times(n);
    return (t.runningAt ?? Number.NaN) - (t.sentAt ?? Number.NaN);
  });
}

/** Deletes pods and waits until the API has them gone and the node has no bundle of theirs left. */
export async function deletePods(env: StartEnv, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const uids = names.map((n) => env.tracker.times(n).uid).filter((u): u is string => u !== undefined);
  await Promise.all(names.map((n) => env.client.delete(R.pods, env.namespace, n).catch(() => undefined)));
  await env.tracker.waitDeleted(names, timeoutMs);
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const left = existsSync(env.containersDir) ? readdirSync(env.containersDir) : [];
    if (!left.some((d) => uids.some((u) => d.startsWith(u)))) {
      return;
    }
    if (nowMs() > deadline) {
      throw new Error(`containers of deleted pods still on the node after ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

/** Pods started one after another (each deleted before the next), a bare runc start after each. */
export async function singleStarts(env: StartEnv, runs: number): Promise<StartResult> {
  const names: string[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `single-${i}`;
    names.push(name);
    env.tracker.sent(name);
    await env.client.create(R.pods, podManifest(name, env.namespace, env.image));
    await env.tracker.waitRunning([name], 30_000);
    await deletePods(env, [name]);
    const id = `bare-single-${i}`;
    await env.bare.prepare(id);
    bare.push(await env.bare.run(id));
    await env.bare.remove(id);
    env.log(
      `  single ${i}: pod ${(latencies(env, [name])[0] ?? Number.NaN).toFixed(1)} ms, bare runc ${bare[i]!.toFixed(1)} ms`,
    );
  }
  return {
    pods: distribution(latencies(env, names)),
    bare: distribution(bare),
    makespanMs: Number.NaN,
    bareMakespanMs: Number.NaN,
    steps: breakdown(env, names),
  };
}

/**
 * `count` pods created at once (the first `keep` labelled `role: backend` and left running for
 * the HTTP phase, the rest deleted afterwards), then `count` bare runc starts at once.
 */
export async function burstStarts(
  env: StartEnv,
  count: number,
  keep: number,
): Promise<{ result: StartResult; kept: string[] }> {
  const names = Array.from({ length: count }, (_, i) => `burst-${i}`);
  await Promise.all(
    names.map((name, i) => {
      env.tracker.sent(name);
      return env.client.create(
        R.pods,
        podManifest(name, env.namespace, env.image, i < keep ? { role: 'backend' } : {}),
      );
    }),
  );
  await env.tracker.waitRunning(names, 180_000);
  const first = Math.min(...names.map((n) => env.tracker.times(n).sentAt ?? Number.NaN));
  const last = Math.max(...names.map((n) => env.tracker.times(n).runningAt ?? Number.NaN));
  const pods = latencies(env, names);
  env.log(`  ${count} pods: all Running ${(last - first).toFixed(0)} ms after the first create`);

  const ids = Array.from({ length: count }, (_, i) => `bare-burst-${i}`);
  for (const id of ids) {
    await env.bare.prepare(id);
  }
  const t0 = nowMs();
  const bare = await Promise.all(ids.map((id) => env.bare.run(id)));
  const bareMakespanMs = nowMs() - t0;
  for (const id of ids) {
    await env.bare.remove(id);
  }
  env.log(`  ${count} bare runc run -d at once: all returned after ${bareMakespanMs.toFixed(0)} ms`);
  const result: StartResult = {
    pods: distribution(pods),
    bare: distribution(bare),
    makespanMs: last - first,
    bareMakespanMs,
    steps: breakdown(env, names),
  };
  await deletePods(env, names.slice(keep));
  return { result, kept: names.slice(0, keep) };
}

/**
 * Creates `count` pods at once through `client` (an agent in its own process runs them), waits for
 * all to be Running while sampling the agent's RSS, then reads its VmRSS/VmHWM after `settleMs`.
 */
export async function agentMemory(
  client: Client,
  namespace: string,
  image: string,
  count: number,
  agentPid: number,
  serverPid: number,
  settleMs: number,
): Promise<{
  rssMB: number;
  hwmMB: number;
  peakSampledRssMB: number;
  startAllMs: number;
  cpuMsPerPod: number;
  serverRssMB: number;
}> {
  const cpu0 = procCpuMs(agentPid);
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: count }, (_, i) => client.create(R.pods, podManifest(`mem-${i}`, namespace, image))),
  );
  let peak = 0;
  const deadline = t0 + 180_000;
  for (;;) {
    peak = Math.max(peak, procMemory(agentPid).rssMB);
    const pods = (await client.list(R.pods, { namespace })).items as Pod[];
    if (pods.length === count && pods.every((p) => p.status?.phase === 'Running')) {
      break;
    }
    if (nowMs() > deadline) {
      const phases = pods.map((p) => p.status?.phase ?? 'none');
      throw new Error(`pods not all Running after 180 s: ${JSON.stringify(phases)}`);
    }
    await sleep(100);
  }
  const startAllMs = nowMs() - t0;
  const cpuMsPerPod = (procCpuMs(agentPid) - cpu0) / count;
  const settleEnd = nowMs() + settleMs;
  while (nowMs() < settleEnd) {
    peak = Math.max(peak, procMemory(agentPid).rssMB);
    await sleep(100);
  }
  const mem = procMemory(agentPid);
  return {
    rssMB: mem.rssMB,
    hwmMB: mem.hwmMB,
    peakSampledRssMB: Math.max(peak, mem.rssMB),
    startAllMs,
    cpuMsPerPod,
    serverRssMB: procMemory(serverPid).rssMB,
  };
}
