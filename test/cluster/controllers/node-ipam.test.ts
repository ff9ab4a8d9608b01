import { afterEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { NodeIpamController, planNodeCidrs } from '../../../src/cluster/controllers/node-ipam.js';
import { type Harness, newHarness, waitFor } from './core-harness.js';

const node = (name: string, podCIDR?: string, created = '2025-01-01T00:00:00Z'): KObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, creationTimestamp: created },
  spec: podCIDR ? { podCIDR } : {},
});

describe('planNodeCidrs', () => {
  it('gives the lowest free /24s in creation order and keeps assigned ones', () => {
    const nodes = [
      node('c', undefined, '2025-01-03T00:00:00Z'),
      node('a', '10.244.0.0/24'),
      node('b', undefined, '2025-01-02T00:00:00Z'),
      node('d', '10.244.2.0/24'),
    ];
    expect(planNodeCidrs(nodes)).toEqual([
      { node: 'b', cidr: '10.244.1.0/24' },
      { node: 'c', cidr: '10.244.3.0/24' },
    ]);
  });

  it('plans nothing when every node has a CIDR (converged)', () => {
    expect(planNodeCidrs([node('a', '10.244.0.0/24')])).toEqual([]);
  });

  it('stops at the end of the range', () => {
    const nodes = [node('a'), node('b'), node('c')];
    expect(planNodeCidrs(nodes, '10.0.0.0/23', 24)).toEqual([
      { node: 'a', cidr: '10.0.0.0/24' },
      { node: 'b', cidr: '10.0.1.0/24' },
    ]);
    expect(() => planNodeCidrs(nodes, 'nonsense')).toThrow(/invalid cluster CIDR/);
  });
});

describe('NodeIpamController', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('assigns distinct subnets to nodes registering at once, and reuses freed ones', async () => {
    h = await newHarness();
    const c = new NodeIpamController({ client: h.client, informers: h.informers });
    await h.informers.start();
    h.run(c.start());
    await Promise.all(
      ['n1', 'n2', 'n3'].map((n) =>
        h!.client.create(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } }),
      ),
    );
    const cidrs = await waitFor('all assigned', async () => {
      const list = await h!.client.list(R.nodes);
      const got = list.items.map((n) => n.spec?.podCIDR);
      return got.every(Boolean) ? got : undefined;
    });
    expect([...cidrs].sort()).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    const n2 = await h.client.get(R.nodes, undefined, 'n2');
    expect(n2.spec.podCIDRs).toEqual([n2.spec.podCIDR]);
    await h.client.delete(R.nodes, undefined, 'n2');
    await h.client.create(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n4' } });
    const n4 = await waitFor(
      'n4 assigned',
      async () => (await h!.client.get(R.nodes, undefined, 'n4')).spec?.podCIDR,
    );
    expect(n4).toBe(n2.spec.podCIDR);
  });
});
