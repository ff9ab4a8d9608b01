import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import {
  objectCounts,
  planQuotaStatus,
  ResourceQuotaController,
} from '../../../src/cluster/controllers/resource-quota.js';
import { quotaStatusUsed } from '../../../src/cluster/registry/index.js';
import { type Harness, newHarness, waitFor } from './core-harness.js';

const quota = (status?: Record<string, unknown>): KObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'default', uid: 'q' },
  spec: { hard: { pods: '4', 'requests.cpu': '2', 'count/configmaps': '5' } },
  ...(status ? { status } : {}),
});

describe('planQuotaStatus', () => {
  const used = new Map([
    ['pods', 2000],
    ['requests.cpu', 750],
    ['count/configmaps', 1000],
  ]);

  it('writes hard and used in Kubernetes quantities', () => {
    expect(planQuotaStatus(quota({}), used)).toEqual([
      {
        kind: 'updateStatus',
        status: {
          hard: { pods: '4', 'requests.cpu': '2', 'count/configmaps': '5' },
          used: { pods: '2', 'requests.cpu': '750m', 'count/configmaps': '1' },
        },
      },
    ]);
  });

  it('plans nothing when the status is current', () => {
    const [a] = planQuotaStatus(quota({}), used);
    expect(a).toBeDefined();
    expect(planQuotaStatus(quota(a!.status), used)).toEqual([]);
  });

  it('counts objects under count/<plural>[.<group>] and the legacy core names, never pods', () => {
    const counts = objectCounts(
      new Map([
        [R.configmaps, 3],
        [R.deployments, 2],
        [R.pods, 9],
        [R.nodes, 4],
      ]),
    );
    expect(counts).toEqual({ 'count/configmaps': 3, configmaps: 3, 'count/deployments.apps': 2 });
  });
});

describe('ResourceQuotaController (registry + informers)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await newHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  const pod = (name: string, cpu: string) =>
    h.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '64Mi' } } }],
      },
    });

  it('keeps status.used equal to what admission counts', async () => {
    const c = new ResourceQuotaController({ client: h.client, informers: h.informers });
    await h.informers.start();
    h.run(c.start());
    await h.client.create(R.resourcequotas, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute', namespace: 'default' },
      spec: {
        hard: {
          pods: '10',
          'requests.cpu': '4',
          'requests.memory': '1Gi',
          'count/configmaps': '5',
          configmaps: '5',
        },
      },
    });
    await pod('a', '250m');
    await pod('b', '500m');
    await h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'default' },
    });
    const used = async () => (await h.client.get(R.resourcequotas, 'default', 'compute')).status?.used;
    await waitFor('used reflects 2 pods', async () => (await used())?.pods === '2');
    const q = await h.client.get(R.resourcequotas, 'default', 'compute');
    expect(q.status.hard).toEqual(q.spec.hard);
    expect(q.status.used).toEqual({
      pods: '2',
      'requests.cpu': '750m',
      'requests.memory': '128Mi',
      'count/configmaps': '1',
      configmaps: '1',
    });
    expect(q.status.used).toEqual(quotaStatusUsed(q, await h.registry.usage('default')));

    // A finished pod no longer counts; a deleted one neither.
    await h.client.patch(
      R.pods,
      'default',
      'a',
      'merge',
      { status: { phase: 'Succeeded' } },
      { subresource: 'status' },
    );
    await waitFor('succeeded pod not counted', async () => (await used())?.pods === '1');
    await h.client.delete(R.pods, 'default', 'b');
    await waitFor('deleted pod not counted', async () => (await used())?.['requests.cpu'] === '0');
    const final = await h.client.get(R.resourcequotas, 'default', 'compute');
    expect(final.status.used).toEqual(quotaStatusUsed(final, await h.registry.usage('default')));
  });
});
