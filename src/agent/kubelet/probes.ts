// Container probes: startup, liveness and readiness with exec (runtime.exec), httpGet (to the pod
// IP; 200–399 succeeds) and tcpSocket handlers, their timing (initialDelaySeconds, periodSeconds,
// timeoutSeconds) and thresholds (successThreshold, failureThreshold). One prober per running
// container with its own timers; every change of a container's ProbeStatus calls onChange so the
// pod worker writes status at once (readiness flips reach the API within milliseconds).
// gRPC probes are not supported: such a probe is ignored (logged once), as if absent.
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { Container } from '../../api/types.js';
import type { ContainerRuntime } from '../types.js';
import type { ProbeStatus } from './pod-status.js';

export type ProbeType = 'startup' | 'liveness' | 'readiness';

export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** Kubernetes' defaults: delay 0, period 10 s, timeout 1 s, success 1, failure 3. */
export function probeTiming(probe: any): ProbeTiming {
  const n = (v: unknown, d: number, min: number) => (typeof v === 'number' && v >= min ? v : d);
  return {
    initialDelayMs: n(probe?.initialDelaySeconds, 0, 0) * 1000,
    periodMs: n(probe?.periodSeconds, 10, 1) * 1000,
    timeoutMs: n(probe?.timeoutSeconds, 1, 1) * 1000,
    successThreshold: n(probe?.successThreshold, 1, 1),
    failureThreshold: n(probe?.failureThreshold, 3, 1),
  };
}

export interface ProbeCounter {
  /** The probe's current verdict. */
  readonly ok: boolean;
  readonly successes: number;
  readonly failures: number;
}

/** Initial verdicts: readiness and startup start failing, liveness starts passing. */
export function initialCounter(type: ProbeType): ProbeCounter {
  return { ok: type === 'liveness', successes: 0, failures: 0 };
}

/** One probe result applied: the verdict flips after threshold consecutive opposite results. */
export function applyResult(c: ProbeCounter, success: boolean, t: ProbeTiming): ProbeCounter {
  if (success) {
    const successes = c.successes + 1;
    return { ok: c.ok || successes >= t.successThreshold, successes, failures: 0 };
  }
  const failures = c.failures + 1;
  return { ok: c.ok && failures < t.failureThreshold, successes: 0, failures };
}

export interface ProbeTarget {
  readonly containerId: string;
  readonly container: Container;
  readonly podIP?: string;
}

export interface ProbeOutcome {
  readonly success: boolean;
  readonly message: string;
}

/** Resolves a named container port (`http`) to its number. */
export function resolvePort(port: unknown, container: Container): number | undefined {
  if (typeof port === 'number') {
    return port;
  }
  if (typeof port === 'string' && /^\d+$/.test(port)) {
    return Number(port);
  }
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(spec: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(spec.port, target.container);
  const host = spec.host || target.podIP;
  if (port === undefined || !host) {
    return Promise.resolve({
      success: false,
      message: `httpGet probe: no ${port === undefined ? 'port' : 'address'}`,
    });
  }
  const secure = String(spec.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of spec.httpHeaders ?? []) {
    headers[String(h.name)] = String(h.value ?? '');
  }
  const path = String(spec.path ?? '/');
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      {
        host,
        port,
        path: path.startsWith('/') ? path : `/${path}`,
        method: 'GET',
        headers,
        timeout: timeoutMs,
        agent: false,
        ...(secure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ success: code >= 200 && code < 400, message: `HTTP probe returned ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', (e) =>
      resolve({ success: false, message: `Get "${host}:${port}${path}": ${e.message}` }),
    );
    req.end();
  });
}

function tcpProbe(spec: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(spec.port, target.container);
  const host = spec.host || target.podIP;
  if (port === undefined || !host) {
    return Promise.resolve({ success: false, message: 'tcpSocket probe: no port or address' });
  }
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (o: ProbeOutcome) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => done({ success: false, message: `dial tcp ${host}:${port}: i/o timeout` }),
      timeoutMs,
    );
    sock.once('connect', () => done({ success: true, message: '' }));
    sock.once('error', (e) => done({ success: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

/** Runs one probe (or lifecycle handler of the same shape) against a container. */
export async function runHandler(
  handler: any,
  target: ProbeTarget,
  timeoutMs: number,
  runtime: Pick<ContainerRuntime, 'exec'>,
): Promise<ProbeOutcome> {
  if (handler?.exec) {
    const cmd: string[] = (handler.exec.command ?? []).map(String);
    if (cmd.length === 0) {
      return { success: false, message: 'exec probe without a command' };
    }
    try {
      const r = await runtime.exec(target.containerId, cmd, timeoutMs);
      if (r.timedOut) {
        return { success: false, message: `command timed out after ${timeoutMs}ms` };
      }
      return { success: r.exitCode === 0, message: r.output.slice(0, 1024) };
    } catch (e) {
      return { success: false, message: (e as Error).message };
    }
  }
  if (handler?.httpGet) {
    return httpProbe(handler.httpGet, target, timeoutMs);
  }
  if (handler?.tcpSocket) {
    return tcpProbe(handler.tcpSocket, target, timeoutMs);
  }
  if (handler?.sleep) {
    const ms = Math.min(Number(handler.sleep.seconds ?? 0) * 1000, timeoutMs);
    await new Promise((r) => setTimeout(r, ms));
    return { success: true, message: '' };
  }
  return { success: false, message: 'unsupported handler' };
}

function supported(probe: any): boolean {
  return !!(probe && (probe.exec || probe.httpGet || probe.tcpSocket));
}

interface ContainerProber {
  readonly podUid: string;
  target: ProbeTarget;
  readonly startedAtMs: number;
  counters: Map<ProbeType, ProbeCounter>;
  timers: Map<ProbeType, NodeJS.Timeout>;
  status: ProbeStatus;
  stopped: boolean;
}

export interface ProbeManagerOptions {
  readonly runtime: Pick<ContainerRuntime, 'exec'>;
  readonly onChange: (podUid: string) => void;
  /** Every failed probe run (kubelet's Unhealthy event). */
  readonly onFailure?: (podUid: string, container: string, type: ProbeType, message: string) => void;
  readonly logger?: Logger;
  /** Replaces the real handlers (tests). */
  readonly run?: (probe: any, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
}

export interface RunningContainer {
  readonly id: string;
  readonly spec: Container;
  readonly startedAt?: Date;
  /** What was last reported for this container (adoption keeps a ready pod ready). */
  readonly reported?: { readonly ready: boolean; readonly started: boolean };
}

export class ProbeManager {
  private readonly probers = new Map<string, ContainerProber>();
  private readonly warned = new Set<string>();

  constructor(private readonly opts: ProbeManagerOptions) {}

  status(containerId: string): ProbeStatus | undefined {
    return this.probers.get(containerId)?.status;
  }

  statuses(podUid: string): Map<string, ProbeStatus> {
    const m = new Map<string, ProbeStatus>();
    for (const [id, p] of this.probers) {
      if (p.podUid === podUid) {
        m.set(id, p.status);
      }
    }
    return m;
  }

  /** Makes the probers of a pod match its running containers (new ones start, gone ones stop). */
  sync(podUid: string, podIP: string | undefined, running: readonly RunningContainer[]): void {
    const ids = new Set(running.map((r) => r.id));
    for (const [id, p] of this.probers) {
      if (p.podUid === podUid && !ids.has(id)) {
        this.stopProber(id);
      }
    }
    for (const r of running) {
      const existing = this.probers.get(r.id);
      if (existing) {
        existing.target = { containerId: r.id, container: r.spec, podIP };
        continue;
      }
      this.startProber(podUid, podIP, r);
    }
  }

  removePod(podUid: string): void {
    for (const [id, p] of this.probers) {
      if (p.podUid === podUid) {
        this.stopProber(id);
      }
    }
  }

  stop(): void {
    for (const id of [...this.probers.keys()]) {
      this.stopProber(id);
    }
  }

  private startProber(podUid: string, podIP: string | undefined, r: RunningContainer): void {
    const spec = r.spec;
    const probes: Record<ProbeType, any> = {
      startup: spec.startupProbe,
      liveness: spec.livenessProbe,
      readiness: spec.readinessProbe,
    };
    for (const [type, probe] of Object.entries(probes)) {
      if (probe && !supported(probe) && !this.warned.has(`${r.id}/${type}`)) {
        this.warned.add(`${r.id}/${type}`);
        this.opts.logger?.warn(
          { container: spec.name, probe: type },
          'unsupported probe handler (gRPC?): ignored',
        );
      }
    }
    const has = (t: ProbeType) => supported(probes[t]);
    const adopted = r.reported;
    const p: ContainerProber = {
      podUid,
      target: { containerId: r.id, container: spec, podIP },
      startedAtMs: r.startedAt?.getTime() ?? Date.now(),
      counters: new Map(),
      timers: new Map(),
      status: {
        started: !has('startup') || adopted?.started === true,
        ready: !has('readiness') || adopted?.ready === true,
        livenessFailed: false,
        startupFailed: false,
      },
      stopped: false,
    };
    for (const t of ['startup', 'liveness', 'readiness'] as const) {
      const c = initialCounter(t);
      p.counters.set(
        t,
        t === 'readiness' && p.status.ready
          ? { ...c, ok: true }
          : t === 'startup' && p.status.started
            ? { ...c, ok: true }
            : c,
      );
    }
    this.probers.set(r.id, p);
    if (has('startup') && !p.status.started) {
      this.schedule(p, 'startup', probes.startup);
    } else {
      this.startMain(p);
    }
  }

  private startMain(p: ContainerProber): void {
    const spec = p.target.container;
    if (supported(spec.livenessProbe)) {
      this.schedule(p, 'liveness', spec.livenessProbe);
    }
    if (supported(spec.readinessProbe)) {
      this.schedule(p, 'readiness', spec.readinessProbe);
    }
  }

  private schedule(p: ContainerProber, type: ProbeType, probe: any, first = true): void {
    if (p.stopped) {
      return;
    }
    const t = probeTiming(probe);
    const delay = first ? Math.max(0, p.startedAtMs + t.initialDelayMs - Date.now()) : t.periodMs;
    const timer = setTimeout(() => void this.tick(p, type, probe, t), delay);
    timer.unref();
    p.timers.set(type, timer);
  }

  private async tick(p: ContainerProber, type: ProbeType, probe: any, t: ProbeTiming): Promise<void> {
    if (p.stopped) {
      return;
    }
    const run = this.opts.run ?? ((pr, target, ms) => runHandler(pr, target, ms, this.opts.runtime));
    let outcome: ProbeOutcome;
    try {
      outcome = await run(probe, p.target, t.timeoutMs);
    } catch (e) {
      outcome = { success: false, message: (e as Error).message };
    }
    if (p.stopped) {
      return;
    }
    const before = p.status;
    const c = applyResult(p.counters.get(type) ?? initialCounter(type), outcome.success, t);
    p.counters.set(type, c);
    let next = before;
    let again = true;
    if (type === 'readiness') {
      next = { ...before, ready: c.ok };
    } else if (type === 'liveness') {
      if (!c.ok) {
        next = { ...before, livenessFailed: true };
        again = false;
      }
    } else if (c.ok) {
      next = { ...before, started: true };
      again = false;
      this.startMain(p);
    } else if (c.failures >= t.failureThreshold) {
      next = { ...before, startupFailed: true };
      again = false;
    }
    if (!outcome.success) {
      this.opts.logger?.debug(
        { container: p.target.container.name, probe: type, message: outcome.message },
        'probe failed',
      );
      this.opts.onFailure?.(p.podUid, p.target.container.name, type, outcome.message);
    }
    if (again) {
      this.schedule(p, type, probe, false);
    }
    if (
      next.ready !== before.ready ||
      next.started !== before.started ||
      next.livenessFailed !== before.livenessFailed ||
      next.startupFailed !== before.startupFailed
    ) {
      p.status = next;
      this.opts.onChange(p.podUid);
    }
  }

  private stopProber(id: string): void {
    const p = this.probers.get(id);
    if (!p) {
      return;
    }
    p.stopped = true;
    for (const t of p.timers.values()) {
      clearTimeout(t);
    }
    this.probers.delete(id);
  }
}
