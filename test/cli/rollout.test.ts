// `gantry rollout` verbs against a real in-process control plane (controllers, scheduler) and
// fake nodes: a blue/green Rollout is shown, promoted, and a canary paused/aborted/retried.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { rolloutControl, rolloutGet } from '../../src/cli/rollout.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { startFakeNode } from '../fake-node.js';

let cp: ControlPlane;
let dir: string;
let node: { stop(): Promise<void> };

function capture() {
  let text = '';
  const write = (s: string) => {
    text += s;
  };
  return { out: { write }, text: () => text };
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
});
