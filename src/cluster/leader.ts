// Leader election over a coordination.k8s.io/v1 Lease (`kube-system/gantry-leader`), in the manner
// of client-go's leaderelection: every replica tries to take the Lease when it is free or expired,
// the holder renews it every retry period, and a holder that cannot renew for a renew deadline
// (shorter than the lease duration) steps down before anyone else may take over. Every write goes
// through the Client with the read resourceVersion, so two candidates never both win; it works on
// any store behind the API (memory, sqlite, etcd). `leaderDecision` is the pure core.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, rfc3339Micro, systemClock } from '../api/clock.js';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';

export const LEADER_LEASE_NAMESPACE = 'kube-system';
export const LEADER_LEASE_NAME = 'gantry-leader';

/** The fields of a Lease's spec that leader election reads and writes. */
export interface LeaseSpec {
  readonly holderIdentity?: string | null;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export type LeaderDecision =
  /** We hold the Lease: write a fresh renewTime. */
  | { readonly kind: 'renew'; readonly spec: LeaseSpec }
  /** The Lease is missing, released or expired: take it. */
  | { readonly kind: 'acquire'; readonly spec: LeaseSpec }
  /** Someone else holds a live Lease: try again later. */
  | { readonly kind: 'wait'; readonly holder: string; readonly expiresAt: Date };

export interface DecisionOptions {
  /** Our lease duration, written into the Lease; also the fallback when the Lease has none. */
  readonly leaseDurationMs: number;
  /**
   * Local time at which the current record (holder, renewTime) was first seen. When given, expiry
   * counts from it rather than from the holder's renewTime, so clock skew between replicas does not
   * matter (client-go does the same).
   */
  readonly observedAt?: Date;
}

function durationSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** What a candidate `identity` should do about `lease` (undefined: no Lease object yet) at `now`. */
export function leaderDecision(
  lease: LeaseSpec | undefined,
  identity: string,
  now: Date,
  opts: DecisionOptions,
): LeaderDecision {
  const stamp = rfc3339Micro(now);
  const ourSeconds = durationSeconds(opts.leaseDurationMs);
  const holder = lease?.holderIdentity ?? '';
  if (lease !== undefined && holder === identity) {
    return {
      kind: 'renew',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: ourSeconds,
        acquireTime: lease.acquireTime ?? stamp,
        renewTime: stamp,
        leaseTransitions: lease.leaseTransitions ?? 0,
      },
    };
  }
  if (lease !== undefined && holder !== '') {
    const renewed = Date.parse(lease.renewTime ?? lease.acquireTime ?? '');
    const base = opts.observedAt?.getTime() ?? renewed;
    if (!Number.isNaN(base)) {
      const expiresAt = new Date(base + (lease.leaseDurationSeconds ?? ourSeconds) * 1000);
      if (now.getTime() < expiresAt.getTime()) {
        return { kind: 'wait', holder, expiresAt };
      }
    }
  }
  return {
    kind: 'acquire',
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: ourSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: lease === undefined ? 0 : (lease.leaseTransitions ?? 0) + 1,
    },
  };
}

export interface LeaderTimings {
  /** How long a Lease stays valid without renewal. Default 15 s. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps acting without a successful renewal. Default 10 s; < leaseDurationMs. */
  readonly renewDeadlineMs?: number;
  /** Pause between acquire/renew attempts. Default 2 s. */
  readonly retryPeriodMs?: number;
}

export interface LeaderElectorOptions extends LeaderTimings {
  readonly client: Client;
  /** Default `<hostname>_<pid>_<random>`. */
  readonly identity?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Called on gaining leadership; `signal` aborts the moment leadership is lost. */
  onStartedLeading(signal: AbortSignal): void;
  /**
   * Called on losing leadership (after `signal` aborted), also on stop() while leading; stop()
   * waits for the returned promise (the work shutting down) before it releases the Lease.
   */
  onStoppedLeading?(): void | Promise<void>;
}

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Resolves the defaults and checks renewDeadline < leaseDuration and retryPeriod < renewDeadline. */
export function leaderTimings(t: LeaderTimings = {}): Required<LeaderTimings> {
  const leaseDurationMs = t.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = t.renewDeadlineMs ?? Math.min(10_000, Math.round((leaseDurationMs * 2) / 3));
  const retryPeriodMs = t.retryPeriodMs ?? Math.min(2_000, Math.round(renewDeadlineMs / 4));
  if (!(renewDeadlineMs < leaseDurationMs)) {
    throw new Error(
      `leader election: renewDeadline (${renewDeadlineMs} ms) must be < lease duration (${leaseDurationMs} ms)`,
    );
  }
  if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs)) {
    throw new Error(
      `leader election: retryPeriod (${retryPeriodMs} ms) must be > 0 and < renewDeadline (${renewDeadlineMs} ms)`,
    );
  }
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

function recordKey(spec: LeaseSpec | undefined): string {
  return spec === undefined
    ? ''
    : `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseTransitions ?? 0}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly timings: Required<LeaderTimings>;
  private readonly clock: Clock;
  private readonly namespace: string;
  private readonly name: string;
  private leading: AbortController | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private observed = { key: '', at: new Date(0) };
  private holder: string | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private stoppedLeading: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LeaderElectorOptions) {
    this.identity = opts.identity ?? defaultIdentity();
    this.timings = leaderTimings(opts);
    this.clock = opts.clock ?? systemClock;
    this.namespace = opts.namespace ?? LEADER_LEASE_NAMESPACE;
    this.name = opts.name ?? LEADER_LEASE_NAME;
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder last seen in the Lease (ourselves while leading). */
  currentLeader(): string | undefined {
    return this.holder;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops campaigning; while leading, steps down and (by default) releases the Lease at once. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    if (this.leading) {
      this.stepDown('stopped');
      await this.stoppedLeading;
      if (opts.release !== false) {
        await this.release().catch((e) =>
          this.opts.logger?.warn({ err: (e as Error).message }, 'release leader lease failed'),
        );
      }
    }
  }

  private async loop(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.timings;
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.withTimeout(this.tryAcquireOrRenew(), renewDeadlineMs);
      } catch (e) {
        this.opts.logger?.warn({ err: (e as Error).message }, 'leader lease: acquire/renew failed');
      }
      if (this.stopped) {
        break;
      }
      if (this.leading && this.holder !== this.identity) {
        // someone else holds a live Lease: acting any longer could double up with them
        this.stepDown(`lease held by ${this.holder}`);
      }
      if (ok) {
        this.armDeadline();
        if (!this.leading) {
          this.becomeLeader();
        }
      }
      // candidates wait a little longer at random so they do not all hit the Lease together
      const jitter = this.leading ? 0 : Math.random() * 0.2 * retryPeriodMs;
      await this.sleep(retryPeriodMs + jitter);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client } = this.opts;
    const lease = await client.get(R.leases, this.namespace, this.name).catch((e) => {
      if (isApiError(e, 404)) {
        return undefined;
      }
      throw e;
    });
    const spec = lease?.spec as LeaseSpec | undefined;
    const now = this.clock.now();
    const key = recordKey(spec);
    if (key !== this.observed.key) {
      this.observed = { key, at: now };
    }
    const d = leaderDecision(spec, this.identity, now, {
      leaseDurationMs: this.timings.leaseDurationMs,
      observedAt: this.observed.at,
    });
    if (d.kind === 'wait') {
      this.holder = d.holder;
      return false;
    }
    try {
      if (lease === undefined) {
        await client.create(R.leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.namespace },
          spec: d.spec,
        });
      } else {
        // the read resourceVersion rides along: a concurrent writer makes this a 409
        await client.update(R.leases, { ...lease, spec: { ...lease.spec, ...d.spec } } as KObject);
      }
    } catch (e) {
      if (isApiError(e, 409)) {
        return false;
      }
      throw e;
    }
    this.holder = this.identity;
    this.observed = { key: recordKey(d.spec), at: now };
    if (d.kind === 'acquire') {
      this.opts.logger?.info(
        { identity: this.identity, transitions: d.spec.leaseTransitions },
        'acquired leader lease',
      );
    }
    return true;
  }

  private becomeLeader(): void {
    const ac = new AbortController();
    this.leading = ac;
    this.opts.logger?.info({ identity: this.identity }, 'started leading');
    try {
      this.opts.onStartedLeading(ac.signal);
    } catch (e) {
      this.opts.logger?.error({ err: (e as Error).message }, 'onStartedLeading failed');
    }
  }

  private stepDown(why: string): void {
    const ac = this.leading;
    if (ac === undefined) {
      return;
    }
    this.leading = undefined;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.opts.logger?.warn({ identity: this.identity, reason: why }, 'stopped leading');
    ac.abort(new Error(`leadership lost: ${why}`));
    this.stoppedLeading = Promise.resolve()
      .then(() => this.opts.onStoppedLeading?.())
      .catch((e) => this.opts.logger?.warn({ err: (e as Error).message }, 'onStoppedLeading failed'));
  }

  /** Steps down if no renewal succeeds within the renew deadline, even while a request hangs. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.stepDown('renew deadline passed'), this.timings.renewDeadlineMs);
    this.deadline.unref?.();
  }

  private async release(): Promise<void> {
    const lease = await this.opts.client.get(R.leases, this.namespace, this.name);
    const spec = lease.spec as LeaseSpec | undefined;
    if (spec?.holderIdentity !== this.identity) {
      return;
    }
    const stamp = rfc3339Micro(this.clock.now());
    const { holderIdentity: _held, ...rest } = spec;
    await this.opts.client.update(R.leases, {
      ...lease,
      spec: { ...rest, leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp },
    } as KObject);
  }

  private withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      t = setTimeout(() => resolve(false), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(t));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
