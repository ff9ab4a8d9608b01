import { afterEach, describe, expect, it } from 'vitest';
import { rfc3339Micro } from '../../src/api/clock.js';
import { InProcessClient } from '../../src/client/in-process.js';
import { R } from '../../src/client/resources.js';
import {
  LEADER_LEASE_NAME,
  LEADER_LEASE_NAMESPACE,
  LeaderElector,
  type LeaseSpec,
  leaderDecision,
  leaderTimings,
} from '../../src/cluster/leader.js';
import { LeaderScope } from '../../src/cluster/leader-scope.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { MemoryStore } from '../../src/cluster/store/memory.js';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const opts = { leaseDurationMs: 15_000 };

function held(holder: string, renewedAtMs: number, extra: Partial<LeaseSpec> = {}): LeaseSpec {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: rfc3339Micro(T0),
    renewTime: rfc3339Micro(at(renewedAtMs)),
    leaseTransitions: 3,
    ...extra,
  };
}

describe('leaderDecision', () => {
  it('acquires a missing lease with zero transitions', () => {
    const d = leaderDecision(undefined, 'a', T0, opts);
    expect(d).toEqual({
      kind: 'acquire',
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: rfc3339Micro(T0),
        renewTime: rfc3339Micro(T0),
        leaseTransitions: 0,
      },
    });
  });

  it('waits while another holder is within its lease', () => {
    const d = leaderDecision(held('b', 0), 'a', at(14_999), opts);
    expect(d).toEqual({ kind: 'wait', holder: 'b', expiresAt: at(15_000) });
  });

  it("takes an expired lease and counts the transition, using the lease's own duration", () => {
    const lease = held('b', 0, { leaseDurationSeconds: 4 });
    expect(leaderDecision(lease, 'a', at(3_999), opts).kind).toBe('wait');
    const d = leaderDecision(lease, 'a', at(4_000), opts);
    expect(d.kind).toBe('acquire');
    expect(d.kind === 'acquire' && d.spec).toMatchObject({
      holderIdentity: 'a',
      acquireTime: rfc3339Micro(at(4_000)),
      leaseTransitions: 4,
    });
  });

  it('renews its own lease, keeping acquireTime and transitions', () => {
    const d = leaderDecision(held('a', 0), 'a', at(2_000), opts);
    expect(d).toEqual({
      kind: 'renew',
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: rfc3339Micro(T0),
        renewTime: rfc3339Micro(at(2_000)),
        leaseTransitions: 3,
      },
    });
  });

  it('takes a released lease (no holder) at once', () => {
    const released = held('b', 0, { holderIdentity: undefined, leaseDurationSeconds: 1 });
    const d = leaderDecision(released, 'a', at(1), opts);
    expect(d.kind).toBe('acquire');
    expect(d.kind === 'acquire' && d.spec.leaseTransitions).toBe(4);
  });

  it('counts expiry from the local observation time when given (clock skew)', () => {
    // the holder's clock runs 10 s behind: its renewTime looks old, but we only saw it change at 9 s
    const lease = held('b', 0);
    expect(leaderDecision(lease, 'a', at(16_000), opts).kind).toBe('acquire');
    const d = leaderDecision(lease, 'a', at(16_000), { ...opts, observedAt: at(9_000) });
    expect(d).toEqual({ kind: 'wait', holder: 'b', expiresAt: at(24_000) });
  });

  it('treats a lease without any timestamp as expired', () => {
    const d = leaderDecision({ holderIdentity: 'b' }, 'a', T0, opts);
    expect(d.kind).toBe('acquire');
  });

  it('rounds a sub-second lease duration up to whole seconds', () => {
    const d = leaderDecision(undefined, 'a', T0, { leaseDurationMs: 4_500 });
    expect(d.kind === 'acquire' && d.spec.leaseDurationSeconds).toBe(5);
  });
});

describe('leaderTimings', () => {
  it('defaults to 15 s / 10 s / 2 s and scales down with a short lease', () => {
    expect(leaderTimings()).toEqual({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(leaderTimings({ leaseDurationMs: 4_000 })).toEqual({
      leaseDurationMs: 4_000,
      renewDeadlineMs: 2_667,
      retryPeriodMs: 667,
    });
  });

  it('rejects a renew deadline that is not shorter than the lease', () => {
    expect(() => leaderTimings({ leaseDurationMs: 5_000, renewDeadlineMs: 5_000 })).toThrow(/renewDeadline/);
    expect(() => leaderTimings({ renewDeadlineMs: 1_000, retryPeriodMs: 1_000 })).toThrow(/retryPeriod/);
  });
});

describe('LeaderElector on one registry', () => {
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop({ release: false })));
  });

  const timings = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

  async function setup() {
    const registry = new Registry({ store: new MemoryStore() });
    await registry.bootstrap();
    const client = new InProcessClient(registry);
    const log: string[] = [];
    const make = (identity: string) => {
      const e = new LeaderElector({
        ...timings,
        client,
        identity,
        onStartedLeading: (signal) => {
          log.push(`start ${identity}`);
          signal.addEventListener('abort', () => log.push(`abort ${identity}`));
        },
        onStoppedLeading: () => {
          log.push(`stop ${identity}`);
        },
      });
      electors.push(e);
      return e;
    };
    const lease = async () =>
      (await client.get(R.leases, LEADER_LEASE_NAMESPACE, LEADER_LEASE_NAME)).spec as LeaseSpec;
    return { client, make, log, lease };
  }

  async function until(cond: () => boolean, ms: number): Promise<number> {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) {
        throw new Error('condition not met in time');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - t0;
  }

  it('elects exactly one leader and hands over after the lease expires when the leader dies', async () => {
    const { make, log, lease } = await setup();
    const a = make('a');
    a.start();
    await until(() => a.isLeader(), 2_000);
    const b = make('b');
    b.start();
    // b keeps waiting while a renews: several lease durations pass without a change of leader
    await new Promise((r) => setTimeout(r, 2_500));
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.currentLeader()).toBe('a');
    expect((await lease()).holderIdentity).toBe('a');
    // a "crashes": stops renewing without releasing the lease
    await a.stop({ release: false });
    expect(log).toEqual(['start a', 'abort a', 'stop a']);
    const took = await until(() => b.isLeader(), 3_000);
    // not before the lease (1 s) has run out since b last saw it renewed
    expect(took).toBeGreaterThanOrEqual(700);
    const spec = await lease();
    expect(spec.holderIdentity).toBe('b');
    expect(spec.leaseTransitions).toBe(1);
    expect(log).toEqual(['start a', 'abort a', 'stop a', 'start b']);
  });

  it('hands over at once when the leader releases the lease on stop', async () => {
    const { make, lease } = await setup();
    const a = make('a');
    a.start();
    await until(() => a.isLeader(), 2_000);
    const b = make('b');
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    await a.stop();
    expect((await lease()).holderIdentity).toBeUndefined();
    const took = await until(() => b.isLeader(), 2_000);
    expect(took).toBeLessThan(500);
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const { make, log, client } = await setup();
    const a = make('a');
    a.start();
    await until(() => a.isLeader(), 2_000);
    // someone else overwrites the lease (as after a partition): every renew now hits a live foreign lease
    const obj = await client.get(R.leases, LEADER_LEASE_NAMESPACE, LEADER_LEASE_NAME);
    await client.update(R.leases, {
      ...obj,
      spec: { ...obj.spec, holderIdentity: 'intruder', leaseDurationSeconds: 30 },
    });
    // it sees the foreign holder on its next attempt and steps down at once, not at the deadline
    const took = await until(() => !a.isLeader(), 2_000);
    expect(took).toBeLessThan(500);
    expect(log).toEqual(['start a', 'abort a', 'stop a']);
    expect(a.currentLeader()).toBe('intruder');
  });
});

describe('LeaderElector renew deadline', () => {
  it('steps down once renewals fail for the renew deadline, and campaigns again after', async () => {
    const registry = new Registry({ store: new MemoryStore() });
    await registry.bootstrap();
    const real = new InProcessClient(registry);
    let failing = false;
    const client = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') {
          return v;
        }
        return (...args: unknown[]) =>
          failing ? Promise.reject(new Error('store unreachable')) : v.apply(target, args);
      },
    });
    const events: string[] = [];
    const e = new LeaderElector({
      client,
      identity: 'a',
      leaseDurationMs: 1_000,
      renewDeadlineMs: 600,
      retryPeriodMs: 100,
      onStartedLeading: () => {
        events.push(`start ${Date.now()}`);
      },
      onStoppedLeading: () => {
        events.push(`stop ${Date.now()}`);
      },
    });
    e.start();
    try {
      const t0 = Date.now();
      while (!e.isLeader() && Date.now() - t0 < 2_000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(e.isLeader()).toBe(true);
      failing = true;
      const t1 = Date.now();
      while (e.isLeader() && Date.now() - t1 < 2_000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const took = Date.now() - t1;
      expect(e.isLeader()).toBe(false);
      // kept leading through failed renewals until the deadline (600 ms after the last success)
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(1_000);
      failing = false;
      // its own lease: it takes it back on the next successful attempt
      const t2 = Date.now();
      while (!e.isLeader() && Date.now() - t2 < 2_000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(e.isLeader()).toBe(true);
      expect(events.map((x) => x.split(' ')[0])).toEqual(['start', 'stop', 'start']);
    } finally {
      await e.stop();
    }
  });
});

describe('LeaderScope', () => {
  it('starts work on gaining leadership, stops it on loss, and never runs two copies', async () => {
    const events: string[] = [];
    let n = 0;
    const scope = new LeaderScope();
    scope.add(async () => {
      const id = ++n;
      events.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, 20));
      return {
        async stop() {
          events.push(`stop ${id}`);
        },
      };
    });
    const first = new AbortController();
    scope.started(first.signal);
    await new Promise((r) => setTimeout(r, 5));
    first.abort(); // lost while still starting
    const second = new AbortController();
    scope.started(second.signal);
    await scope.settled();
    expect(events).toEqual(['start 1', 'stop 1', 'start 2']);
    await scope.stop();
    expect(events).toEqual(['start 1', 'stop 1', 'start 2', 'stop 2']);
  });
});
