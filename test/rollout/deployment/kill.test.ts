// "Kill at any point": a Deployment controller dies after N writes in the middle of a rolling
// update; a fresh controller on the same store finishes it, and the end state equals the one of
// an uninterrupted run: the same ReplicaSets (no duplicates), revisions, replicas and pods.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { POD_TEMPLATE_HASH, REVISION } from '../../../src/rollout/deployment/plan.js';
import {
  activePods,
  dyingClient,
  type RolloutCluster,
  replicaSetsOf,
  startCluster,
  until,
} from '../harness.js';

const body: KObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'app:v1' }] },
    },
  },
};

async function completeAt(c: RolloutCluster, image: string): Promise<void> {
  await until(`complete at ${image}`, async () => {
    const d = await c.client.get(R.deployments, 'default', 'web');
    const pods = await activePods(c.client, 'app=web');
    return (
      d.status?.observedGeneration === d.metadata.generation &&
      d.status?.updatedReplicas === 4 &&
      d.status?.availableReplicas === 4 &&
      d.status?.replicas === 4 &&
      pods.length === 4 &&
      pods.every((p) => p.spec.containers[0]?.image === image)
    );
  });
}

async function summary(c: RolloutCluster) {
  const d = await c.client.get(R.deployments, 'default', 'web');
  const rss = await replicaSetsOf(c.client, 'web');
  const pods = await activePods(c.client, 'app=web');
  return {
    revision: d.metadata.annotations?.[REVISION],
    status: {
      replicas: d.status.replicas,
      updated: d.status.updatedReplicas,
      available: d.status.availableReplicas,
    },
    replicaSets: rss.map((rs) => ({
      name: rs.metadata.name,
      replicas: rs.spec.replicas,
      revision: rs.metadata.annotations?.[REVISION],
      pods: pods.filter(
        (p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === rs.metadata.labels?.[POD_TEMPLATE_HASH],
      ).length,
    })),
  };
}

async function run(killAfter: number | undefined) {
  const c = await startCluster();
  try {
    await c.node('node-a');
    const first = await c.deployments();
    await c.client.create(R.deployments, body);
    await completeAt(c, 'app:v1');
    await first.stop();
    if (killAfter === undefined) {
      await c.deployments();
    } else {
      const dying = dyingClient(c.client, killAfter);
      const doomed = await c.deployments(dying);
      await c.client.patch(R.deployments, 'default', 'web', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'app:v2' }] } } },
      });
      await until(`controller dead after ${killAfter} writes`, async () => dying.dead);
      await doomed.stop();
      await c.deployments();
    }
    if (killAfter === undefined) {
      await c.client.patch(R.deployments, 'default', 'web', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'app:v2' }] } } },
      });
    }
    await completeAt(c, 'app:v2');
    return await summary(c);
  } finally {
    await c.dispose();
  }
}

describe('Deployment controller killed mid-rollout', () => {
  it('a fresh controller ends in the same state as an uninterrupted run', async () => {
    const expected = await run(undefined);
    expect(expected.replicaSets).toHaveLength(2);
    expect(expected.revision).toBe('2');
    for (const n of [1, 2, 3, 5, 8]) {
      expect({ killAfter: n, ...(await run(n)) }).toEqual({ killAfter: n, ...expected });
    }
  }, 30_000);
});
