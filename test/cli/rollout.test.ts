// `gantry rollout` verbs against a real in-process control plane (controllers, scheduler) and
// fake nodes: a blue/green Rollout is shown, promoted, and a canary paused/aborted/retried.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { HIDE_CURSOR, SHOW_CURSOR } from '../../src/cli/live-view.js';
import { registerRolloutCommands, rolloutControl, rolloutGet, rolloutStatus } from '../../src/cli/rollout.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { startFakeNode } from '../fake-node.js';

let cp: ControlPlane;
let dir: string;
let node: { stop(): Promise<void> };
const ESC = String.fromCharCode(27);

function capture(isTTY = false) {
  let text = '';
  const write = (s: string) => {
    text += s;
  };
  return { out: { write, isTTY, columns: 200 }, text: () => text };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const template = (image: string) => ({
  metadata: { labels: { app: 'shop' } },
  spec: { containers: [{ name: 'shop', image }] },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-rollout-cli-'));
  cp = await startControlPlane({ dataDir: dir, port: 0, store: 'memory', insecureHttp: true });
  node = await startFakeNode(cp.client, { name: 'n1', leaseRenewMs: 1000 });
  for (const name of ['shop-active', 'shop-preview']) {
    await cp.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] },
    });
  }
});

afterAll(async () => {
  await node?.stop();
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gantry rollout', () => {
  it('shows a blue/green rollout and promotes it with one switch of the active service', async () => {
    const ro: KObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'shop' } },
        template: template('shop:v1'),
        strategy: {
          blueGreen: {
            activeService: 'shop-active',
            previewService: 'shop-preview',
            autoPromotionEnabled: false,
          },
        },
      },
    };
    await cp.client.create(R.rollouts, ro);
    await until('healthy', async () =>
      (await cp.client.get(R.rollouts, 'default', 'shop')).status?.phase === 'Healthy' ? true : undefined,
    );
    await cp.client.patch(R.rollouts, 'default', 'shop', 'merge', {
      spec: { template: template('shop:v2') },
    });
    await until('paused with a preview', async () =>
      (await cp.client.get(R.rollouts, 'default', 'shop')).status?.phase === 'Paused' ? true : undefined,
    );
    const shown = capture();
    expect(await rolloutGet({ client: cp.client, out: shown.out, err: shown.out }, 'default', 'shop')).toBe(
      0,
    );
    expect(shown.text()).toMatch(/Status:\s+Paused/);
    expect(shown.text()).toMatch(/Strategy:\s+BlueGreen/);
    expect(shown.text()).toContain('shop:v1 (stable, active)');
    expect(shown.text()).toContain('shop:v2 (preview)');
    expect(shown.text()).toMatch(/revision:2[\s\S]*ReplicaSet[\s\S]*revision:1/);

    const done = capture();
    await rolloutControl({ client: cp.client, out: done.out, err: done.out }, 'promote', 'default', 'shop');
    expect(done.text()).toBe("rollout 'shop' promoted\n");
    await until('active service on v2', async () => {
      const svc = await cp.client.get(R.services, 'default', 'shop-active');
      const ro2 = await cp.client.get(R.rollouts, 'default', 'shop');
      return svc.spec.selector['rollouts-pod-template-hash'] === ro2.status?.currentPodHash &&
        ro2.status?.phase === 'Healthy'
        ? true
        : undefined;
    });
  });

  it('refuses to promote an aborted rollout until it is retried, and reports unknown names', async () => {
    const c = capture();
    await rolloutControl({ client: cp.client, out: c.out, err: c.out }, 'abort', 'default', 'shop');
    await expect(
      rolloutControl({ client: cp.client, out: c.out, err: c.out }, 'promote', 'default', 'shop'),
    ).rejects.toThrow(/aborted: retry it first/);
    await rolloutControl({ client: cp.client, out: c.out, err: c.out }, 'retry', 'default', 'shop');
    expect((await cp.client.get(R.rollouts, 'default', 'shop')).status?.abort).not.toBe(true);
    await expect(
      rolloutGet({ client: cp.client, out: c.out, err: c.out }, 'default', 'nope'),
    ).rejects.toThrow(/rollout "nope" not found in namespace default/);
  });

  it('--watch redraws a live view on a terminal until the canary is Healthy (exit 0)', async () => {
    await cp.client.create(R.rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'cny', namespace: 'default' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'cny' } },
        template: {
          metadata: { labels: { app: 'cny' } },
          spec: { containers: [{ name: 'c', image: 'cny:v1' }] },
        },
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      },
    });
    await until('cny healthy', async () =>
      (await cp.client.get(R.rollouts, 'default', 'cny')).status?.phase === 'Healthy' ? true : undefined,
    );
    await cp.client.patch(R.rollouts, 'default', 'cny', 'merge', {
      spec: {
        template: {
          metadata: { labels: { app: 'cny' } },
          spec: { containers: [{ name: 'c', image: 'cny:v2' }] },
        },
      },
    });
    await until('cny paused at step 1', async () =>
      (await cp.client.get(R.rollouts, 'default', 'cny')).status?.phase === 'Paused' ? true : undefined,
    );
    const tty = capture(true);
    const watching = rolloutGet({ client: cp.client, out: tty.out, err: tty.out }, 'default', 'cny', {
      watch: true,
      pollMs: 50,
      timeoutMs: 30_000,
    });
    await until('a paused frame', async () => (tty.text().includes('step 1/2 pause') ? true : undefined));
    await rolloutControl(
      { client: cp.client, out: capture().out, err: capture().out },
      'promote',
      'default',
      'cny',
    );
    expect(await watching).toBe(0);
    const text = tty.text();
    expect(text.startsWith(HIDE_CURSOR)).toBe(true);
    expect(text.endsWith(SHOW_CURSOR)).toBe(true);
    const up = new RegExp(`${ESC}\\[\\d+A\\r`);
    expect(text).toMatch(up); // moved up over the previous frame
    expect(text).not.toContain(`${ESC}[2J`); // no full-screen clear
    const frames = text.split(up);
    const last = frames[frames.length - 1] ?? '';
    expect(last).toMatch(/Rollout default\/cny {2}Healthy/);
    expect(last).toMatch(/ {4}cny-\w+ \(rev 2, v2\) {2}■■■■ 4\/4 {2}stable/);
    expect(last).toContain('weight 100/100');
    // mid-rollout: old → new, each with its bar
    expect(text).toMatch(
      / {4}cny-\w+ \(rev 1, v1\) {2}■■ 2\/2 {2}stable.*\n {2}→ cny-\w+ \(rev 2, v2\) {2}■■ 2\/2 {2}canary/,
    );

    // not a terminal: plain timestamped lines; status-like exit codes
    const plain = capture(false);
    expect(
      await rolloutGet({ client: cp.client, out: plain.out, err: plain.out }, 'default', 'cny', {
        watch: true,
      }),
    ).toBe(0);
    expect(plain.text()).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}Rollout default\/cny {2}Healthy, step 2\/2 done\n/,
    );
    expect(plain.text()).not.toContain(ESC);
    const st = capture();
    expect(
      await rolloutStatus({ client: cp.client, out: st.out, err: st.out }, 'default', 'cny', { watch: true }),
    ).toBe(0);
    expect(st.text()).toBe('Healthy\n');
  });

  it('--watch exits 1 when the rollout is Degraded, and -o json prints the view', async () => {
    await cp.client.create(R.rollouts, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'broken', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'broken' } },
        template: {
          metadata: { labels: { app: 'broken' } },
          spec: { containers: [{ name: 'c', image: 'b:v1' }] },
        },
        strategy: { blueGreen: { activeService: 'no-such-service' } },
      },
    });
    const c = capture(false);
    expect(
      await rolloutGet({ client: cp.client, out: c.out, err: c.out }, 'default', 'broken', {
        watch: true,
        pollMs: 50,
        timeoutMs: 20_000,
      }),
    ).toBe(1);
    expect(c.text()).toMatch(/rollout "broken" is Degraded: InvalidSpec/);
    const j = capture();
    await rolloutGet({ client: cp.client, out: j.out, err: j.out }, 'default', 'broken', { output: 'json' });
    expect(JSON.parse(j.text())).toMatchObject({
      name: 'broken',
      strategy: 'blueGreen',
      status: 'Degraded',
      activeService: 'no-such-service',
    });
  });
});

describe('registerRolloutCommands', () => {
  it('reports a kubeconfig it cannot read as the verb that failed (exit 1)', async () => {
    const program = new Command().name('gantry').exitOverride();
    registerRolloutCommands(program);
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const before = process.exitCode;
    try {
      await program.parseAsync([
        'node',
        'gantry',
        'rollout',
        'get',
        'shop',
        '--kubeconfig',
        join(dir, 'none'),
      ]);
      expect(process.exitCode).toBe(1);
    } finally {
      err.mockRestore();
      process.exitCode = before;
    }
    expect(stderr).toMatch(/^gantry rollout get: read kubeconfig .*none\n$/);
  });
});
