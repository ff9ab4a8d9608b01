// One pod's worker: a serialized loop that observes (runtime containers, probe results), plans
// (pod-plan.ts, pure), writes status when it changed, executes the plan's actions and plans
// again, then sleeps until a timer, a container exit, a probe change or a pod update kicks it.
// Safe to stop at any point: the next worker (after an agent restart) re-reads everything.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isApiError } from '../../api/errors.js';
import type { Container, Pod } from '../../api/types.js';
import { R } from '../../client/resources.js';
import { observePodStart } from '../../observe/kubelet-metrics.js';
import { startContainer } from './container-start.js';
import { ConfigError } from './env.js';
import { type ContainerKind, type ObservedContainer, observe, podDir, rootfsDir } from './naming.js';
import { allContainersRunning, backOffEvents, recordPodEvent } from './pod-events.js';
import { newPodMemory, type PodAction, type PodPlan, planPod, type StartFailure } from './pod-plan.js';
import { STATUS_KEYS, statusFingerprint } from './pod-status.js';
import { runHandler } from './probes.js';
import { planVolumes } from './volumes.js';
import { fetchPodObjects, type WorkerContext } from './worker-context.js';

export { ContainerIndex, type WorkerContext } from './worker-context.js';

const MAX_PASSES = 16;

export class PodWorker {
  readonly memory = newPodMemory();
  private running = false;
  private again = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private abort = new AbortController();
  private readonly watched = new Map<string, AbortController>();
  private errors = 0;
  private lastWritten?: { fingerprint: string; rvBefore: string };
  private idle: Promise<void> = Promise.resolve();
  private settle?: () => void;
  private readonly log?: Logger;
  /** When this worker first saw its pod bound here and not yet running (for the start latency). */
  private firstSeen?: bigint;
  private startMeasured = false;

  constructor(
    readonly uid: string,
    private readonly ctx: WorkerContext,
  ) {
    this.log = ctx.logger?.child({ podUid: uid });
  }

  /** Runs a pass now (or right after the current one). */
  kick(): void {
    if (this.closed) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = new Promise((r) => {
      this.settle = r;
    });
    void this.loop();
  }

  /** Aborts an image pull in flight (the pod is being deleted). */
  abortInFlight(): void {
    this.abort.abort();
    this.abort = new AbortController();
  }

  /** Stops timers and watchers; resolves once the current pass is over. Containers keep running. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const w of this.watched.values()) {
      w.abort();
    }
    this.watched.clear();
    this.abort.abort();
    await this.idle;
  }

  /** Resolves when no pass is running. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.timer) {
          clearTimeout(this.timer);
          this.timer = undefined;
        }
        let requeue: number | undefined;
        try {
          requeue = await this.sync();
          this.errors = 0;
        } catch (e) {
          this.errors++;
          requeue = Math.min(30_000, 500 * 2 ** Math.min(this.errors, 6));
          this.log?.warn({ err: (e as Error)?.message }, 'pod sync failed; retrying');
        }
        if (requeue !== undefined && !this.closed) {
          this.timer = setTimeout(() => this.kick(), Math.max(requeue, 0) + 5);
          this.timer.unref();
        }
      } while (this.again && !this.closed);
    } finally {
      this.running = false;
      this.settle?.();
    }
  }

  /** One pass; returns when to run again (undefined: on the next event only). */
  private async sync(): Promise<number | undefined> {
    for (let pass = 0; pass < MAX_PASSES && !this.closed; pass++) {
      const pod = this.ctx.getPod(this.uid);
      if (pod && !this.startMeasured && this.firstSeen === undefined) {
        if (allContainersRunning(pod, pod.status) || pod.metadata.deletionTimestamp) {
          this.startMeasured = true; // adopted or already going away: not a start
        } else {
          this.firstSeen = process.hrtime.bigint();
        }
      }
      const containers = await this.observe();
      const now = this.ctx.clock.now();
      const drain = this.ctx.drain;
      const ip = this.memory.network?.ip ?? pod?.status?.podIP;
      const plan: PodPlan = planPod({
        pod,
        containers,
        probes: this.ctx.probes.statuses(this.uid),
        memory: this.memory,
        now,
        hostIP: this.ctx.hostIP(),
        rejection: pod ? planVolumes(pod, this.ctx).error : undefined,
        orphanGraceMs: this.ctx.orphanGraceMs,
        ...(drain && pod?.metadata.deletionTimestamp
          ? {
              drain: {
                ...(ip === undefined ? { serving: false } : drain.trafficTo(ip)),
                delayMs: drain.delayMs,
                timeoutMs: drain.timeoutMs,
              },
            }
          : {}),
      });
      if (pod) {
        this.syncProbes(pod, containers);
        if (plan.status) {
          await this.writeStatus(pod, plan.status);
        }
      }
      if (plan.done) {
        this.ctx.onDone(this.uid);
        this.closed = true;
        return undefined;
      }
      if (plan.actions.length === 0) {
        return plan.requeueAfterMs;
      }
      for (const a of plan.actions) {
        if (this.closed) {
          return undefined;
        }
        await this.execute(a, pod);
      }
    }
    this.log?.warn({ passes: MAX_PASSES }, 'pod did not settle; pausing a second');
    return 1_000;
  }

  private async observe(): Promise<ObservedContainer[]> {
    const known = this.ctx.index.forPod(this.uid);
    const out: ObservedContainer[] = [];
    await Promise.all(
      known.map(async (c) => {
        const st = await this.ctx.runtime.state(c.id);
        if (!st) {
          this.ctx.index.delete(this.uid, c.id);
          return;
        }
        const o = observe(st) ?? { ...c, state: st };
        this.ctx.index.set(o);
        out.push(o);
      }),
    );
    for (const c of out) {
      if (c.state.status !== 'stopped' && !this.watched.has(c.id)) {
        const ac = new AbortController();
        this.watched.set(c.id, ac);
        this.ctx.runtime.waitExit(c.id, ac.signal).then(
          () => {
            this.watched.delete(c.id);
            this.kick();
          },
          () => {
            this.watched.delete(c.id);
          },
        );
      }
    }
    return out;
  }

  private syncProbes(pod: Pod, containers: readonly ObservedContainer[]): void {
    const specs = new Map(
      [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => [c.name, c]),
    );
    const reported = new Map<string, { ready: boolean; started: boolean }>();
    for (const s of [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
    ]) {
      if (typeof s?.containerID === 'string') {
        reported.set(s.containerID.replace(/^gantry:\/\//, ''), {
          ready: s.ready === true,
          started: s.started === true,
        });
      }
    }
    const running = containers
      .filter(
        (c) =>
          c.state.status === 'running' &&
          specs.has(c.name) &&
          c.kind !== 'init' &&
          !pod.metadata.deletionTimestamp,
      )
      .map((c) => ({
        id: c.id,
        spec: specs.get(c.name)!,
        startedAt: c.state.startedAt,
        reported: reported.get(c.id),
      }));
    this.ctx.probes.sync(this.uid, this.memory.network?.ip ?? pod.status?.podIP, running);
  }

  private async writeStatus(pod: Pod, status: NonNullable<Pod['status']>): Promise<void> {
    const fingerprint = statusFingerprint(status);
    if (fingerprint === statusFingerprint(pod.status)) {
      return;
    }
    const rv = pod.metadata.resourceVersion ?? '';
    if (
      this.lastWritten &&
      this.lastWritten.fingerprint === fingerprint &&
      this.lastWritten.rvBefore === rv
    ) {
      return; // written already; the cache has not caught up
    }
    const body: Record<string, unknown> = {};
    for (const k of STATUS_KEYS) {
      body[k] = status[k] ?? null;
    }
    try {
      await this.ctx.client.patch(
        R.pods,
        pod.metadata.namespace,
        pod.metadata.name ?? '',
        'merge',
        { status: body },
        { subresource: 'status' },
      );
      this.lastWritten = { fingerprint, rvBefore: rv };
      for (const e of backOffEvents(pod, pod.status, status)) {
        recordPodEvent(this.ctx.recorder, pod, e);
      }
      if (!this.startMeasured && this.firstSeen !== undefined && allContainersRunning(pod, status)) {
        this.startMeasured = true;
        observePodStart(Number(process.hrtime.bigint() - this.firstSeen) / 1e9);
      }
    } catch (e) {
      if (isApiError(e, 404)) {
        return;
      }
      throw new Error(`write status of pod ${pod.metadata.namespace}/${pod.metadata.name}`, { cause: e });
    }
  }

  private failure(
    name: string | undefined,
    kind: StartFailure['kind'],
    reason: string,
    message: string,
  ): void {
    const prev = name === undefined ? this.memory.volumeFailure : this.memory.failures.get(name);
    const f: StartFailure = {
      kind,
      reason,
      message,
      at: this.ctx.clock.now(),
      count: (prev?.count ?? 0) + 1,
    };
    if (name === undefined) {
      this.memory.volumeFailure = f;
    } else {
      this.memory.failures.set(name, f);
    }
    this.log?.info({ container: name, reason, message }, 'container start failed');
  }

  private async execute(a: PodAction, pod: Pod | undefined): Promise<void> {
    const { ctx, memory } = this;
    switch (a.kind) {
      case 'setupNetwork': {
        memory.network = await ctx.network.setup(pod!);
        memory.networkTornDown = false;
        return;
      }
      case 'setupVolumes': {
        const p = pod!;
        const objects = await fetchPodObjects(this.ctx.client, p);
        try {
          await ctx.volumes.setup({
            pod: p,
            plan: planVolumes(p, ctx),
            objects,
            podIP: memory.network!.ip,
            clusterDns: ctx.clusterDns(memory.network!.gateway),
            allowedHostPaths: ctx.allowedHostPaths,
          });
          memory.volumesReady = true;
          memory.volumeFailure = undefined;
        } catch (e) {
          if (e instanceof ConfigError) {
            this.failure(undefined, 'config', e.reason, e.message);
            return;
          }
          throw e;
        }
        return;
      }
      case 'startContainer':
        await this.start(pod!, a.container, a.containerKind, a.attempt);
        if (
          a.backoff &&
          ctx.index.forPod(this.uid).some((c) => c.name === a.container.name && c.attempt === a.attempt)
        ) {
          memory.backoff.set(a.container.name, a.backoff);
        }
        return;
      case 'killContainer': {
        const prev = memory.stopping.get(a.id);
        memory.stopping.set(a.id, {
          sigtermAt: prev?.sigtermAt ?? ctx.clock.now(),
          graceMs: prev?.graceMs ?? a.graceMs,
          sigkill: a.signal === 'SIGKILL',
        });
        this.log?.info({ container: a.name, signal: a.signal, reason: a.reason }, 'killing container');
        if (!prev && pod) {
          recordPodEvent(ctx.recorder, pod, {
            type: 'Normal',
            reason: 'Killing',
            container: a.name,
            message: a.reason.endsWith('will be restarted')
              ? `Container ${a.name} ${a.reason}`
              : `Stopping container ${a.name}`,
          });
        }
        await ctx.runtime
          .kill(a.id, a.signal)
          .catch((e) => this.log?.debug({ err: (e as Error).message }, 'kill'));
        return;
      }
      case 'removeContainer':
        await this.removeContainer(a.id, a.name, a.attempt);
        return;
      case 'beginDrain':
        memory.drain = { startedAt: ctx.clock.now(), ...(a.outAt ? { outAt: a.outAt } : {}) };
        this.log?.info(
          a.outAt ? { leftRulesAt: a.outAt.toISOString() } : {},
          a.outAt
            ? 'pod deleted just after leaving the service rules: drain delay before SIGTERM'
            : 'pod deleted while in the service rules: draining before SIGTERM',
        );
        return;
      case 'endDrain': {
        const startedAt = memory.drain?.startedAt ?? ctx.clock.now();
        memory.drain = { startedAt, outAt: ctx.clock.now() };
        const waitedMs = ctx.clock.now().getTime() - startedAt.getTime();
        if (a.timedOut) {
          this.log?.warn({ waitedMs }, 'pod still in the service rules; terminating anyway');
        } else {
          this.log?.info({ waitedMs }, 'pod out of the service rules');
        }
        return;
      }
      case 'beginTermination': {
        memory.termination = { startedAt: a.startedAt ?? ctx.clock.now() };
        await Promise.all(
          a.preStop.map(async ({ id, container }) => {
            const r = await runHandler(
              container.lifecycle?.preStop,
              { containerId: id, container, podIP: memory.network?.ip ?? pod?.status?.podIP },
              Math.max(a.timeoutMs, 1),
              ctx.runtime,
            );
            if (!r.success) {
              this.log?.warn({ container: container.name, message: r.message }, 'preStop hook failed');
            }
          }),
        );
        return;
      }
      case 'teardownNetwork':
        await ctx.network.teardown(this.uid);
        memory.network = undefined;
        memory.networkTornDown = true;
        return;
      case 'teardownPod':
        await this.teardown();
        return;
      case 'deletePod':
        try {
          await ctx.client.delete(R.pods, pod!.metadata.namespace, pod!.metadata.name ?? '', {
            gracePeriodSeconds: 0,
            preconditions: { uid: this.uid },
          });
        } catch (e) {
          if (!isApiError(e, 404) && !isApiError(e, 409)) {
            throw e;
          }
        }
        return;
    }
  }

  private async start(pod: Pod, container: Container, kind: ContainerKind, attempt: number): Promise<void> {
    const r = await startContainer(this.ctx, {
      pod,
      container,
      kind,
      attempt,
      network: this.memory.network!,
      signal: this.abort.signal,
    });
    if (r.kind === 'started') {
      this.memory.failures.delete(container.name);
      this.log?.info({ container: container.name, attempt }, 'container started');
    } else if (r.kind === 'failed') {
      this.failure(container.name, r.failure, r.reason, r.message);
    }
  }

  private async removeContainer(id: string, name: string, attempt: number): Promise<void> {
    const { ctx } = this;
    const st = await ctx.runtime.state(id);
    if (st && st.status !== 'stopped') {
      await ctx.runtime.kill(id, 'SIGKILL').catch(() => {});
      await this.waitStopped(id);
    }
    if (st) {
      await ctx.runtime.remove(id);
    }
    const dir = rootfsDir(ctx.dataDir, this.uid, name, attempt);
    await ctx.images.unmountRootfs(dir);
    await rm(dir, { recursive: true, force: true });
    ctx.index.delete(this.uid, id);
    this.memory.stopping.delete(id);
  }

  private async waitStopped(id: string): Promise<void> {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 5_000);
    try {
      await this.ctx.runtime.waitExit(id, ac.signal);
    } catch {
      // timed out: remove reports what is left
    } finally {
      clearTimeout(t);
    }
  }

  /** Removes everything the pod has on the node: containers, rootfs mounts, volumes, network. */
  private async teardown(): Promise<void> {
    const { ctx } = this;
    ctx.probes.removePod(this.uid);
    for (const w of this.watched.values()) {
      w.abort();
    }
    this.watched.clear();
    for (const c of ctx.index.forPod(this.uid)) {
      await this.removeContainer(c.id, c.name, c.attempt);
    }
    const containersDir = join(podDir(ctx.dataDir, this.uid), 'containers');
    for (const d of await readdir(containersDir).catch(() => [] as string[])) {
      await ctx.images.unmountRootfs(join(containersDir, d));
    }
    await ctx.volumes.teardown(this.uid);
    await ctx.network.teardown(this.uid);
    this.memory.network = undefined;
    this.memory.networkTornDown = true;
    this.memory.tornDown = true;
    this.log?.info('pod torn down');
  }
}
