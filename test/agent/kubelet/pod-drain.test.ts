// Draining a deleted pod before SIGTERM: the pure step (planDrain through planPod), the kubelet
// over fakes (no SIGTERM while the node's service rules still route to the pod), and ServiceSync's
// record of which IPs the applied rules route to.
import { afterEach, describe, expect, it } from 'vitest';
import { planPod } from '../../../src/agent/kubelet/pod-plan.js';
import { ServiceSync } from '../../../src/agent/kubelet/service-sync.js';
import type { ServicePortRule, ServiceProxy } from '../../../src/agent/types.js';
import type { KObject } from '../../../src/api/types.js';
import { InProcessClient } from '../../../src/client/in-process.js';
import { R } from '../../../src/client/resources.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { waitFor } from '../../cluster/controllers/core-harness.js';
import { type KubeletHarness, newKubeletHarness } from './harness.js';
import { at, input, obs, pod, ready } from './plan-fixtures.js';

const deleting = pod(
  { terminationGracePeriodSeconds: 30 },
  { deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 },
);
const running = [obs('app', 0, 'running')];
const drain = (serving: boolean) => ({ serving, delayMs: 1000, timeoutMs: 10_000 });

describe('planDrain (pure, through planPod)', () => {
  it('a deleted pod still in the service rules is drained first: no SIGTERM yet', () => {
    const plan = planPod(input(deleting, running, { drain: drain(true) }));
    expect(plan.actions).toEqual([{ kind: 'beginDrain' }]);
    const memory = ready();
    memory.drain = { startedAt: at(0) };
    const waiting = planPod(input(deleting, running, { memory, now: at(2), drain: drain(true) }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(8000); // until the drain timeout; a rules change kicks earlier
  });

  it('out of the rules: waits the drain delay, then terminates with the grace counted from the drain', () => {
    const memory = ready();
    memory.drain = { startedAt: at(0) };
    const out = planPod(input(deleting, running, { memory, now: at(2), drain: drain(false) }));
    expect(out.actions).toEqual([{ kind: 'endDrain', timedOut: false }]);
    memory.drain = { startedAt: at(0), outAt: at(2) };
    const settling = planPod(input(deleting, running, { memory, now: at(2.5), drain: drain(false) }));
    expect(settling.actions).toEqual([]);
    expect(settling.requeueAfterMs).toBe(500);
    const term = planPod(input(deleting, running, { memory, now: at(3), drain: drain(false) }));
    expect(term.actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 27_000, startedAt: at(0) },
    ]);
    // the SIGKILL deadline is drain start + grace
    memory.termination = { startedAt: at(0) };
    const kill = planPod(input(deleting, running, { memory, now: at(3), drain: drain(false) }));
    expect(kill.actions).toEqual([
      expect.objectContaining({ kind: 'killContainer', signal: 'SIGTERM', graceMs: 27_000 }),
    ]);
  });

  it('a pod the proxy dropped just before the kubelet saw the deletion still gets the drain delay', () => {
    const justLeft = { ...drain(false), leftAt: at(-0.25) };
    const plan = planPod(input(deleting, running, { drain: justLeft }));
    expect(plan.actions).toEqual([{ kind: 'beginDrain', outAt: at(-0.25) }]);
    const memory = ready();
    memory.drain = { startedAt: at(0), outAt: at(-0.25) };
    const waiting = planPod(input(deleting, running, { memory, now: at(0.1), drain: justLeft }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(650);
    // long gone from the rules: no delay
    const old = { ...drain(false), leftAt: at(-5) };
    expect(planPod(input(deleting, running, { drain: old })).actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 30_000 },
    ]);
  });

  it('gives up waiting for the rules after the drain timeout', () => {
    const memory = ready();
    memory.drain = { startedAt: at(0) };
    const plan = planPod(input(deleting, running, { memory, now: at(10), drain: drain(true) }));
    expect(plan.actions).toEqual([{ kind: 'endDrain', timedOut: true }]);
  });

  it('never waits beyond the grace period', () => {
    const short = pod(
      { terminationGracePeriodSeconds: 2 },
      { deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 2 },
    );
    const memory = ready();
    memory.drain = { startedAt: at(0) };
    expect(planPod(input(short, running, { memory, now: at(1), drain: drain(true) })).requeueAfterMs).toBe(
      1000,
    );
    memory.drain = { startedAt: at(0), outAt: at(1.5) };
    const plan = planPod(input(short, running, { memory, now: at(2), drain: drain(false) }));
    expect(plan.actions).toEqual([{ kind: 'beginTermination', preStop: [], timeoutMs: 0, startedAt: at(0) }]);
  });

  it('terminates at once when the pod receives no traffic, is force-deleted, or is gone', () => {
    expect(planPod(input(deleting, running, { drain: drain(false) })).actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 30_000 },
    ]);
    const forced = pod({}, { deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 });
    expect(planPod(input(forced, running, { drain: drain(true) })).actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 0 },
    ]);
    expect(planPod(input(undefined, running, { drain: drain(true) })).actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 2000 },
    ]);
    // without a drain input (no service proxy) nothing changes
    expect(planPod(input(deleting, running, { memory: ready() })).actions).toEqual([
      { kind: 'beginTermination', preStop: [], timeoutMs: 30_000 },
    ]);
  });
});

describe('Kubelet over fakes: drain before SIGTERM', () => {
  let h: KubeletHarness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('keeps a deleted pod running while the service rules route to it, SIGTERM after the delay', async () => {
    const serving = new Set<string>();
    h = await newKubeletHarness({
      kubelet: {
        trafficTo: (ip) => ({ serving: serving.has(ip) }),
        drainDelayMs: 300,
        drainTimeoutMs: 10_000,
      },
    });
    await h.createPod({ terminationGracePeriodSeconds: 30 });
    const p = await waitFor('Running with an IP', async () => {
      const x = await h!.getPod('web');
      return x.status?.phase === 'Running' && x.status.podIP ? x : undefined;
    });
    serving.add(p.status!.podIP!);
    await h.client.delete(R.pods, 'default', 'web');
    await new Promise((r) => setTimeout(r, 500));
    await h.kubelet.idle();
    expect(h.runtime.events.filter((e) => e.startsWith('kill'))).toEqual([]);

    serving.clear();
    const out = Date.now();
    h.kubelet.serviceRulesChanged();
    await waitFor('SIGTERM', () => h!.runtime.events.some((e) => e === 'kill app#0 SIGTERM'), 5000);
    expect(Date.now() - out).toBeGreaterThanOrEqual(280);
    await waitFor('pod gone', async () => {
      try {
        await h!.getPod('web');
        return false;
      } catch {
        return true;
      }
    });
  });
});

class RecordingProxy implements ServiceProxy {
  readonly synced: (readonly ServicePortRule[])[] = [];
  async sync(rules: readonly ServicePortRule[]): Promise<void> {
    this.synced.push(rules);
  }
  async shutdown(): Promise<void> {}
}

describe('ServiceSync.servesIP / trafficTo', () => {
  it('follows the rules applied to the proxy: ready endpoints only, and calls onApplied', async () => {
    const registry = new Registry({ store: new MemoryStore() });
    await registry.bootstrap();
    const client = new InProcessClient(registry);
    const proxy = new RecordingProxy();
    let applied = 0;
    const sync = new ServiceSync({ client, proxy, onApplied: () => applied++ });
    try {
      await client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] },
      });
      const eps = (ready: string[], notReady: string[]): KObject => ({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: 'default' },
        subsets: [
          {
            ...(ready.length ? { addresses: ready.map((ip) => ({ ip })) } : {}),
            ...(notReady.length ? { notReadyAddresses: notReady.map((ip) => ({ ip })) } : {}),
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      });
      await client.create(R.endpoints, eps(['10.244.0.5', '10.244.0.6'], []));
      await sync.start();
      await waitFor(
        'both ready IPs served',
        () => sync.servesIP('10.244.0.5') && sync.servesIP('10.244.0.6'),
      );
      const before = applied;
      const cur = await client.get(R.endpoints, 'default', 'web');
      await client.update(R.endpoints, { ...eps(['10.244.0.5'], ['10.244.0.6']), metadata: cur.metadata });
      const removing = Date.now();
      await waitFor('the not-ready IP out', () => !sync.servesIP('10.244.0.6'));
      expect(sync.servesIP('10.244.0.5')).toBe(true);
      expect(sync.trafficTo('10.244.0.5')).toEqual({ serving: true });
      const left = sync.trafficTo('10.244.0.6');
      expect(left.serving).toBe(false);
      expect(left.leftAt!.getTime()).toBeGreaterThanOrEqual(removing);
      expect(sync.trafficTo('10.244.0.99')).toEqual({ serving: false });
      expect(applied).toBeGreaterThan(before);
      const last = proxy.synced[proxy.synced.length - 1]!;
      expect(last[0]?.endpoints.map((e) => [e.ip, e.ready])).toEqual([
        ['10.244.0.5', true],
        ['10.244.0.6', false],
      ]);
    } finally {
      sync.stop();
    }
  });
});
