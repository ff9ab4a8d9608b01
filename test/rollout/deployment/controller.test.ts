// The Deployment controller in an in-process cluster (registry + core controllers + scheduler +
// fake nodes): rolling update to completion within the surge/unavailable bounds, undo, scaling
// mid-rollout, Recreate, progress deadline, kubectl-style restart.
import { afterEach, describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import { Informer } from '../../../src/client/informer.js';
import { R } from '../../../src/client/resources.js';
import { POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY } from '../../../src/rollout/deployment/plan.js';
import { activePods, type RolloutCluster, replicaSetsOf, startCluster, until } from '../harness.js';

let cluster: RolloutCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

function deployment(replicas: number, image: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
      ...extra,
    },
  };
}

async function complete(c: RolloutCluster, replicas: number, image: string): Promise<KObject> {
  return until(`deployment complete at ${image}`, async () => {
    const d = await c.client.get(R.deployments, 'default', 'web');
    const s = d.status ?? {};
    const pods = await activePods(c.client, 'app=web');
    const done =
      s.observedGeneration === d.metadata.generation &&
      s.updatedReplicas === replicas &&
      s.replicas === replicas &&
      s.availableReplicas === replicas &&
      pods.length === replicas &&
      pods.every((p) => p.spec.containers[0]?.image === image);
    return done ? d : undefined;
  });
}

/** Watches pods and records the most active and the fewest Ready ones seen at any event. */
async function podMonitor(c: RolloutCluster) {
  const inf = new Informer(c.client, R.pods, { labelSelector: 'app=web' });
  const seen = { maxActive: 0, minReady: Number.POSITIVE_INFINITY, mixed: false };
  let synced = false;
  const check = () => {
    if (!synced) {
      return; // the first list arrives one pod at a time
    }
    const active = inf.list().filter((p) => !p.metadata.deletionTimestamp) as Pod[];
    const ready = active.filter((p) =>
      p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
    );
    seen.maxActive = Math.max(seen.maxActive, active.length);
    seen.minReady = Math.min(seen.minReady, ready.length);
    const images = new Set((inf.list() as Pod[]).map((p) => p.spec.containers[0]?.image));
    seen.mixed ||= images.size > 1;
  };
  inf.addHandlers({ add: check, update: check, delete: check });
  await inf.start();
  synced = true;
  check();
  return { seen, stop: () => inf.stop() };
}

async function setImage(c: RolloutCluster, image: string): Promise<void> {
  await c.client.patch(R.deployments, 'default', 'web', 'merge', {
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  });
}

describe('DeploymentController (in-process cluster)', () => {
  it('rolls 4 replicas from v1 to v2 within maxSurge/maxUnavailable, and undo reuses the v1 ReplicaSet', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.deployments();
    await c.client.create(R.deployments, deployment(4, 'app:v1'));
    await complete(c, 4, 'app:v1');
    const [v1] = await replicaSetsOf(c.client, 'web');
    expect(v1?.metadata.name).toBe(`web-${v1?.metadata.labels?.[POD_TEMPLATE_HASH]}`);
    expect(v1?.spec.selector.matchLabels).toEqual({
      app: 'web',
      [POD_TEMPLATE_HASH]: v1?.metadata.labels?.[POD_TEMPLATE_HASH],
    });
    expect(v1?.metadata.annotations).toMatchObject({
      [REVISION]: '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });

    const mon = await podMonitor(c);
    await setImage(c, 'app:v2');
    const d2 = await complete(c, 4, 'app:v2');
    mon.stop();
    expect(mon.seen.maxActive).toBeLessThanOrEqual(5); // 4 + 25 % surge
    expect(mon.seen.minReady).toBeGreaterThanOrEqual(3); // 4 − 25 % unavailable
    expect(d2.metadata.annotations?.[REVISION]).toBe('2');
    expect(d2.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
      ]),
    );
    const rss = await replicaSetsOf(c.client, 'web');
    expect(rss).toHaveLength(2);
    const v2 = rss.find((rs) => rs.metadata.name !== v1?.metadata.name);
    expect(v2?.metadata.annotations?.[REVISION]).toBe('2');
    expect(rss.find((rs) => rs.metadata.name === v1?.metadata.name)?.spec.replicas).toBe(0);
    expect(c.recorder.events.map((e) => e.message)).toContain(
      `Scaled up replica set ${v2?.metadata.name} to 1`,
    );
    expect(c.recorder.events.map((e) => e.message)).toContain(
      `Scaled down replica set ${v1?.metadata.name} to 3`,
    );

    // kubectl rollout undo: a JSON patch of /spec/template from the v1 ReplicaSet, hash label removed
    const template = structuredClone(v1?.spec.template);
    delete template.metadata.labels[POD_TEMPLATE_HASH];
    await c.client.patch(R.deployments, 'default', 'web', 'json', [
      { op: 'replace', path: '/spec/template', value: template },
    ]);
    const d3 = await complete(c, 4, 'app:v1');
    expect(d3.metadata.annotations?.[REVISION]).toBe('3');
    const after = await replicaSetsOf(c.client, 'web');
    expect(after.map((rs) => rs.metadata.name).sort()).toEqual(rss.map((rs) => rs.metadata.name).sort());
    const back = after.find((rs) => rs.metadata.name === v1?.metadata.name);
    expect(back?.spec.replicas).toBe(4);
    expect(back?.metadata.annotations).toMatchObject({ [REVISION]: '3', [REVISION_HISTORY]: '1' });
  });

  it('scales proportionally mid-rollout, then finishes once the new pods can run', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.deployments();
    await c.client.create(R.deployments, deployment(4, 'app:v1'));
    await complete(c, 4, 'app:v1');
    // v2 only fits on a node with disk=ssd: none yet, so its pods stay Pending
    await c.client.patch(R.deployments, 'default', 'web', 'merge', {
      spec: {
        template: { spec: { containers: [{ name: 'app', image: 'app:v2' }], nodeSelector: { disk: 'ssd' } } },
      },
    });
    const stuck = await until('rollout stuck at the surge limit', async () => {
      const rss = await replicaSetsOf(c.client, 'web');
      const sizes = rss.map((rs) => ({
        image: rs.spec.template.spec.containers[0].image,
        n: rs.spec.replicas,
      }));
      const v1 = sizes.find((s) => s.image === 'app:v1')?.n;
      const v2 = sizes.find((s) => s.image === 'app:v2')?.n;
      return v1 === 3 && v2 === 2 ? sizes : undefined;
    });
    expect(stuck).toHaveLength(2);
    await c.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 8 } });
    await until('proportional scale to 8 (+2 surge)', async () => {
      const rss = await replicaSetsOf(c.client, 'web');
      const v1 = rss.find((rs) => rs.spec.template.spec.containers[0].image === 'app:v1');
      const v2 = rss.find((rs) => rs.spec.template.spec.containers[0].image === 'app:v2');
      return v1?.spec.replicas === 6 && v2?.spec.replicas === 4 ? true : undefined;
    });
    await c.node('node-ssd', { disk: 'ssd' });
    await complete(c, 8, 'app:v2');
  });

  it('Recreate removes every old pod before the first new one exists', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.deployments();
    await c.client.create(R.deployments, deployment(3, 'app:v1', { strategy: { type: 'Recreate' } }));
    await complete(c, 3, 'app:v1');
    const mon = await podMonitor(c);
    await setImage(c, 'app:v2');
    await complete(c, 3, 'app:v2');
    mon.stop();
    expect(mon.seen.mixed).toBe(false);
  });

  it('reports ProgressDeadlineExceeded when the new pods never become available', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.deployments();
    await c.client.create(R.deployments, deployment(2, 'app:v1', { progressDeadlineSeconds: 1 }));
    await complete(c, 2, 'app:v1');
    await c.client.patch(R.deployments, 'default', 'web', 'merge', {
      spec: { template: { spec: { nodeSelector: { disk: 'none' } } } },
    });
    const d = await until(
      'Progressing=False',
      async () => {
        const d = await c.client.get(R.deployments, 'default', 'web');
        const p = d.status?.conditions?.find((x: { type: string }) => x.type === 'Progressing');
        return p?.status === 'False' ? d : undefined;
      },
      6_000,
    );
    expect(d.status.conditions.find((x: { type: string }) => x.type === 'Progressing')).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(/^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/),
    });
    // the old version keeps serving: 2 − 25 % (rounds to 0) unavailable, so both stay
    const pods = await activePods(c.client, 'app=web');
    expect(pods.filter((p) => !p.spec.nodeSelector && p.status?.phase === 'Running')).toHaveLength(2);
    expect(pods.filter((p) => p.spec.nodeSelector)).toHaveLength(1); // the surge pod, Pending
  });

  it('kubectl rollout restart (template annotation) replaces every pod through a new ReplicaSet', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.deployments();
    await c.client.create(R.deployments, deployment(3, 'app:v1'));
    await complete(c, 3, 'app:v1');
    const before = new Set((await activePods(c.client, 'app=web')).map((p) => p.metadata.uid));
    await c.client.patch(R.deployments, 'default', 'web', 'strategic', {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } },
        },
      },
    });
    const d = await until('restart done', async () => {
      const d = await complete(c, 3, 'app:v1');
      const pods = await activePods(c.client, 'app=web');
      return pods.every((p) => !before.has(p.metadata.uid)) && d.metadata.annotations?.[REVISION] === '2'
        ? d
        : undefined;
    });
    expect(d.status.updatedReplicas).toBe(3);
    expect(await replicaSetsOf(c.client, 'web')).toHaveLength(2);
  });
});
