// The test fake node itself: other suites (Job, DaemonSet, e2e) rely on what it reports.
import { afterEach, describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import { getCondition } from '../../../src/api/pod-helpers.js';
import type { Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { startTestCluster, type TestCluster, until } from './placement-harness.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

function pod(name: string, command: string[], restartPolicy: 'Never' | 'OnFailure' | 'Always'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'fake-1', restartPolicy, containers: [{ name: 'c', image: 'busybox:1', command }] },
  };
}

describe('fake node', () => {
  it('registers a Ready node with a lease, runs, completes and deletes pods through the API', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'fake-1', leaseRenewMs: 50, index: 7, labels: { zone: 'z1' } });
    const node = await c.client.get(R.nodes, undefined, 'fake-1');
    expect(node.spec.podCIDR).toBe('10.244.7.0/24');
    expect(node.metadata.labels).toMatchObject({ zone: 'z1', 'kubernetes.io/hostname': 'fake-1' });
    expect(node.status.allocatable).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(getCondition<{ type: string; status: string }>(node.status, 'Ready')?.status).toBe('True');
    const lease = await c.client.get(R.leases, 'kube-node-lease', 'fake-1');
    await until(
      'lease renewed',
      async () =>
        (await c.client.get(R.leases, 'kube-node-lease', 'fake-1')).spec.renewTime !== lease.spec.renewTime,
    );

    await c.client.create(R.pods, pod('serve', ['sleep', '1000'], 'Always'));
    await c.client.create(R.pods, pod('ok', ['true'], 'Never'));
    await c.client.create(R.pods, pod('bad', ['false'], 'OnFailure'));
    const serving = await until('running', async () => {
      const p = (await c.client.get(R.pods, 'default', 'serve')) as Pod;
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(serving.status?.podIP).toMatch(/^10\.244\.7\.\d+$/);
    expect(getCondition(serving.status, 'Ready')?.status).toBe('True');
    expect(serving.status?.containerStatuses?.[0]).toMatchObject({
      name: 'c',
      ready: true,
      state: { running: {} },
    });
    await until(
      'ok Succeeded',
      async () => ((await c.client.get(R.pods, 'default', 'ok')) as Pod).status?.phase === 'Succeeded',
    );
    const bad = await until('bad Failed', async () => {
      const p = (await c.client.get(R.pods, 'default', 'bad')) as Pod;
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(bad.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);

    // graceful deletion: the API only marks the pod; the node confirms and it is gone
    const marked = await c.client.delete(R.pods, 'default', 'serve');
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    await until('gone', async () => {
      try {
        await c.client.get(R.pods, 'default', 'serve');
        return false;
      } catch (e) {
        return isApiError(e, 404);
      }
    });
  });
});
