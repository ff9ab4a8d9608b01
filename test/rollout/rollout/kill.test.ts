// "Kill at any point" for Rollouts: the controller dies after N writes during an update; a fresh
// one on the same store ends in the state of an uninterrupted run (same ReplicaSets, revisions,
// replicas, pods, Service selectors) — for a canary and for a blue/green Rollout.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { ROLLOUT_HASH_LABEL, ROLLOUT_REVISION } from '../../../src/rollout/rollout/context.js';
import {
  activePods,
  dyingClient,
  type RolloutCluster,
  replicaSetsOf,
  startCluster,
  until,
} from '../harness.js';

const strategies: Record<string, Record<string, unknown>> = {
  canary: { canary: { steps: [{ setWeight: 25 }, { setWeight: 50 }, { setWeight: 75 }] } },
  blueGreen: {
    blueGreen: { activeService: 'web-active', previewService: 'web-preview', scaleDownDelaySeconds: 0 },
  },
};

function body(strategy: Record<string, unknown>): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'app:v1' }] },
      },
      strategy,
    },
  };
}

async function healthyAt(c: RolloutCluster, image: string): Promise<void> {
  await until(`healthy at ${image}`, async () => {
    const ro = await c.client.get(R.rollouts, 'default', 'web');
    const pods = await activePods(c.client, 'app=web');
    const rss = await replicaSetsOf(c.client, 'web');
    return (
      ro.status?.phase === 'Healthy' &&
      ro.status.observedGeneration === String(ro.metadata.generation) &&
      ro.status.stableRS === ro.status.currentPodHash &&
      rss.every(
        (rs) => rs.metadata.labels?.[ROLLOUT_HASH_LABEL] === ro.status.stableRS || rs.spec.replicas === 0,
      ) &&
      pods.length === 4 &&
      pods.every((p) => p.spec.containers[0]?.image === image)
    );
  });
}

async function summary(c: RolloutCluster) {
  const ro = await c.client.get(R.rollouts, 'default', 'web');
  const rss = await replicaSetsOf(c.client, 'web');
  const pods = await activePods(c.client, 'app=web');
  const svc = async (n: string) =>
    (await c.client.get(R.services, 'default', n).catch(() => undefined))?.spec?.selector?.[
      ROLLOUT_HASH_LABEL
    ];
  return {
    status: { phase: ro.status.phase, stableRS: ro.status.stableRS, step: ro.status.currentStepIndex },
    services: { active: await svc('web-active'), preview: await svc('web-preview') },
    replicaSets: rss.map((rs) => ({
      name: rs.metadata.name,
      replicas: rs.spec.replicas,
      revision: rs.metadata.annotations?.[ROLLOUT_REVISION],
      pods: pods.filter(
        (p) => p.metadata.labels?.[ROLLOUT_HASH_LABEL] === rs.metadata.labels?.[ROLLOUT_HASH_LABEL],
      ).length,
    })),
  };
}

async function run(strategy: Record<string, unknown>, killAfter: number | undefined) {
  const c = await startCluster();
  try {
    await c.node('node-a');
    for (const n of ['web-active', 'web-preview']) {
      await c.client.create(R.services, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: n, namespace: 'default' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      });
    }
    const first = await c.rollouts();
    await c.client.create(R.rollouts, body(strategy));
    await healthyAt(c, 'app:v1');
    await first.stop();
    const dying = killAfter === undefined ? undefined : dyingClient(c.client, killAfter);
    const doomed = dying ? await c.rollouts(dying) : undefined;
    if (!dying) {
      await c.rollouts();
    }
    await c.client.patch(R.rollouts, 'default', 'web', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:v2' }] } } },
    });
    if (dying && doomed) {
      await until(`controller dead after ${killAfter} writes`, async () => dying.dead);
      await doomed.stop();
      await c.rollouts();
    }
    await healthyAt(c, 'app:v2');
    return await summary(c);
  } finally {
    await c.dispose();
  }
}

describe('Rollout controller killed mid-update', () => {
  for (const [name, strategy] of Object.entries(strategies)) {
    it(`${name}: a fresh controller ends in the same state as an uninterrupted run`, async () => {
      const expected = await run(strategy, undefined);
      expect(expected.replicaSets).toHaveLength(2);
      for (const n of [1, 2, 3, 5, 8]) {
        expect({ killAfter: n, ...(await run(strategy, n)) }).toEqual({ killAfter: n, ...expected });
      }
    }, 30_000);
  }
});
