import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { REVISION_HASH_LABEL } from '../../../src/cluster/controllers/pod-template.js';
import { StatefulSetController } from '../../../src/cluster/controllers/statefulset.js';
import {
  ordinalOf,
  planStatefulSet,
  type StatefulSetAction,
  type StatefulSetRevisions,
} from '../../../src/cluster/controllers/statefulset-plan.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { bindAllTo, type Harness, newHarness, waitFor } from './core-harness.js';

const NOW = new Date('2024-05-01T10:00:00Z');
const TEMPLATE = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
};
const REVS: StatefulSetRevisions = {
  current: 'web-a',
  update: 'web-a',
  currentTemplate: TEMPLATE,
  updateTemplate: TEMPLATE,
};
const ROLLING: StatefulSetRevisions = {
  current: 'web-a',
  update: 'web-b',
  currentTemplate: TEMPLATE,
  updateTemplate: { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } },
};

function sts(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'sts-uid', generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: TEMPLATE,
      ...spec,
    },
    status,
  };
}

function pod(
  ordinal: number,
  opts: { ready?: boolean; rev?: string; deleting?: boolean; phase?: string } = {},
): Pod {
  const ready = opts.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${ordinal}`,
      namespace: 'default',
      uid: `uid-${ordinal}`,
      labels: { app: 'web', [REVISION_HASH_LABEL]: opts.rev ?? 'web-a' },
      ...(opts.deleting ? { deletionTimestamp: '2024-05-01T09:59:00Z' } : {}),
    },
    spec: { containers: [{ name: 'c' }] },
    status: {
      phase: (opts.phase ?? (ready ? 'Running' : 'Pending')) as any,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

const changes = (as: readonly StatefulSetAction[]) =>
  as.filter((a) => a.kind !== 'updateStatus').map((a) => `${a.kind === 'createPod' ? '+' : '-'}${a.ordinal}`);
const statusOf = (as: readonly StatefulSetAction[]) =>
  (as.find((a) => a.kind === 'updateStatus') as { status: any } | undefined)?.status;

describe('planStatefulSet', () => {
  it('OrderedReady creates web-0 first, with its stable identity', () => {
    const as = planStatefulSet(sts(), [], REVS, NOW);
    expect(changes(as)).toEqual(['+0']);
    const p = (as[0] as { pod: Pod }).pod;
    expect(p.metadata.name).toBe('web-0');
    expect(p.metadata.labels).toMatchObject({
      app: 'web',
      [REVISION_HASH_LABEL]: 'web-a',
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0',
    });
    expect(p.spec.hostname).toBe('web-0');
    expect(p.spec.subdomain).toBe('web');
    expect(p.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'StatefulSet',
      uid: 'sts-uid',
      controller: true,
    });
  });

  it('creates the next ordinal only once the previous ones are Running and Ready', () => {
    expect(changes(planStatefulSet(sts(), [pod(0, { ready: false })], REVS, NOW))).toEqual([]);
    expect(changes(planStatefulSet(sts(), [pod(0)], REVS, NOW))).toEqual(['+1']);
    expect(changes(planStatefulSet(sts(), [pod(0), pod(1)], REVS, NOW))).toEqual(['+2']);
  });

  it('Parallel creates every missing pod at once', () => {
    expect(
      changes(
        planStatefulSet(sts({ podManagementPolicy: 'Parallel' }), [pod(1, { ready: false })], REVS, NOW),
      ),
    ).toEqual(['+0', '+2']);
  });

  it('scales down from the highest ordinal, one at a time, waiting for each deletion', () => {
    const three = [pod(0), pod(1), pod(2)];
    expect(changes(planStatefulSet(sts({ replicas: 1 }), three, REVS, NOW))).toEqual(['-2']);
    expect(
      changes(planStatefulSet(sts({ replicas: 1 }), [pod(0), pod(1), pod(2, { deleting: true })], REVS, NOW)),
    ).toEqual([]);
    expect(
      changes(planStatefulSet(sts({ replicas: 1, podManagementPolicy: 'Parallel' }), three, REVS, NOW)),
    ).toEqual(['-2', '-1']);
  });

  it('replaces a failed pod', () => {
    expect(
      changes(planStatefulSet(sts(), [pod(0), pod(1, { phase: 'Failed', ready: false })], REVS, NOW)),
    ).toEqual(['-1']);
  });

  it('rolls from the highest ordinal down, waits for health, honours the partition', () => {
    const old = [pod(0), pod(1), pod(2)];
    expect(changes(planStatefulSet(sts(), old, ROLLING, NOW))).toEqual(['-2']);
    expect(
      changes(planStatefulSet(sts(), [pod(0), pod(1), pod(2, { rev: 'web-b', ready: false })], ROLLING, NOW)),
    ).toEqual([]);
    expect(changes(planStatefulSet(sts(), [pod(0), pod(1), pod(2, { rev: 'web-b' })], ROLLING, NOW))).toEqual(
      ['-1'],
    );
    const part = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    expect(changes(planStatefulSet(part, [pod(0), pod(1), pod(2, { rev: 'web-b' })], ROLLING, NOW))).toEqual(
      [],
    );
    // a missing pod below the partition comes back on the current revision
    const plan = planStatefulSet(part, [pod(0), pod(2, { rev: 'web-b' })], ROLLING, NOW);
    expect((plan[0] as { pod: Pod }).pod.metadata.labels?.[REVISION_HASH_LABEL]).toBe('web-a');
    expect((plan[0] as { pod: Pod }).pod.spec.containers[0]!.image).toBe('nginx:1');
    // OnDelete never deletes for an update
    expect(
      changes(planStatefulSet(sts({ updateStrategy: { type: 'OnDelete' } }), old, ROLLING, NOW)),
    ).toEqual([]);
  });

  it('reports status, and moves currentRevision once every pod is updated and ready', () => {
    const st = statusOf(
      planStatefulSet(sts(), [pod(0), pod(1, { rev: 'web-b' }), pod(2, { rev: 'web-b' })], ROLLING, NOW),
    );
    expect(st).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 1,
      updatedReplicas: 2,
      currentRevision: 'web-a',
      updateRevision: 'web-b',
    });
    const done = statusOf(
      planStatefulSet(
        sts(),
        [0, 1, 2].map((i) => pod(i, { rev: 'web-b' })),
        ROLLING,
        NOW,
      ),
    );
    expect(done).toMatchObject({
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: 'web-b',
      observedGeneration: 1,
    });
  });

  it('plans nothing for a converged StatefulSet', () => {
    const pods = [pod(0), pod(1), pod(2)];
    const st = statusOf(planStatefulSet(sts(), pods, REVS, NOW));
    expect(planStatefulSet(sts({}, st), pods, REVS, NOW)).toEqual([]);
  });

  it('backs volumeClaimTemplates with emptyDir volumes', () => {
    const s = sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] });
    const p = (planStatefulSet(s, [], REVS, NOW)[0] as { pod: Pod }).pod;
    expect(p.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  it('OrderedReady: pods come up strictly in order and scale-down goes strictly in reverse (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (from, to, coin) => {
          // simulate: start converged at `from`, then scale to `to`; pods become ready at random steps
          let pods: Pod[] = Array.from({ length: from }, (_v, i) => pod(i));
          const set = sts({ replicas: to });
          const created: number[] = [];
          const deleted: number[] = [];
          for (let step = 0; step < 200; step++) {
            const as = planStatefulSet(set, pods, REVS, NOW).filter((a) => a.kind !== 'updateStatus');
            expect(as.length).toBeLessThanOrEqual(1);
            for (const a of as) {
              if (a.kind === 'createPod') {
                for (let i = 0; i < a.ordinal; i++) {
                  const prev = pods.find((p) => ordinalOf('web', p) === i);
                  expect(prev?.status?.phase).toBe('Running');
                }
                created.push(a.ordinal);
                pods.push(pod(a.ordinal, { ready: false }));
              } else if (a.kind === 'deletePod') {
                expect(Math.max(...pods.map((p) => ordinalOf('web', p) ?? -1))).toBe(a.ordinal);
                deleted.push(a.ordinal);
                pods = pods.map((p) =>
                  p.metadata.name === `web-${a.ordinal}` ? pod(a.ordinal, { deleting: true }) : p,
                );
              }
            }
            // the world moves: pods get ready, deletions finish (randomly)
            pods = pods
              .filter((p) => !(p.metadata.deletionTimestamp && coin[step % coin.length]))
              .map((p) =>
                !p.metadata.deletionTimestamp &&
                p.status?.phase !== 'Running' &&
                coin[(step + 1) % coin.length]
                  ? pod(ordinalOf('web', p)!)
                  : p,
              );
            if (
              as.length === 0 &&
              pods.length === to &&
              pods.every((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
            ) {
              break;
            }
            if (as.length === 0 && !coin.some(Boolean)) {
              break;
            }
          }
          expect(created).toEqual([...created].sort((a, b) => a - b));
          expect(deleted).toEqual([...deleted].sort((a, b) => b - a));
          if (coin.some(Boolean)) {
            expect(pods.map((p) => ordinalOf('web', p)).sort()).toEqual(
              Array.from({ length: to }, (_v, i) => i),
            );
          }
        },
      ),
    );
  });
});

describe('StatefulSetController (registry + informers + fake node)', () => {
  let h: Harness;
  let node: FakeNode;
  let binder: { stop(): void };
  beforeEach(async () => {
    h = await newHarness();
    node = await startFakeNode(h.client, { name: 'node-1' });
    binder = await bindAllTo(h.client, 'node-1');
  });
  afterEach(async () => {
    binder.stop();
    await node.stop();
    await h.stop();
  });

  it('creates web-0, web-1, web-2 in order, each after the previous is Ready; rolls and scales down in reverse', async () => {
    const c = new StatefulSetController({ client: h.client, informers: h.informers });
    await h.informers.start();
    h.run(c.start());
    const seen: string[] = [];
    const readyAt = new Map<string, boolean>();
    const violations: string[] = [];
    const w = await h.client.watch(R.pods, { namespace: 'default' }, (e) => {
      const name = e.object.metadata.name ?? '';
      if (e.type === 'ADDED') {
        seen.push(`+${name}`);
        const i = Number(name.split('-')[1]);
        for (let j = 0; j < i; j++) {
          if (!readyAt.get(`web-${j}`)) {
            violations.push(`${name} created before web-${j} was ready`);
          }
        }
      }
      if (e.type === 'DELETED') {
        seen.push(`-${name}`);
        readyAt.delete(name);
      } else {
        readyAt.set(name, e.object.status?.phase === 'Running' && !e.object.metadata.deletionTimestamp);
      }
    });
    try {
      await h.client.create(R.statefulsets, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 3,
          serviceName: 'web',
          selector: { matchLabels: { app: 'web' } },
          template: TEMPLATE,
        },
      });
      const get = () => h.client.get(R.statefulsets, 'default', 'web');
      const first = await waitFor('3 ready replicas', async () =>
        (await get()).status?.readyReplicas === 3 ? get() : undefined,
      );
      expect(seen).toEqual(['+web-0', '+web-1', '+web-2']);
      expect(violations).toEqual([]);
      expect(first.status).toMatchObject({
        replicas: 3,
        currentReplicas: 3,
        updatedReplicas: 3,
        observedGeneration: 1,
      });
      expect(first.status.currentRevision).toBe(first.status.updateRevision);
      const p1 = await h.client.get(R.pods, 'default', 'web-1');
      expect(p1.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web' });
      expect(p1.metadata.labels?.[REVISION_HASH_LABEL]).toBe(first.status.updateRevision);

      seen.length = 0;
      await h.client.patch(R.statefulsets, 'default', 'web', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } },
      });
      const rolled = await waitFor('rolled to the new revision', async () => {
        const s = await get();
        return s.status?.updatedReplicas === 3 &&
          s.status.readyReplicas === 3 &&
          s.status.currentRevision === s.status.updateRevision &&
          s.status.updateRevision !== first.status.updateRevision
          ? s
          : undefined;
      });
      expect(seen.filter((x) => x.startsWith('-'))).toEqual(['-web-2', '-web-1', '-web-0']);
      const revisions = (await h.client.list(R.controllerrevisions, { namespace: 'default' })).items;
      expect(revisions.map((r) => [r.metadata.name, r.revision]).sort()).toEqual(
        [
          [first.status.updateRevision, 1],
          [rolled.status.updateRevision, 2],
        ].sort(),
      );

      seen.length = 0;
      await h.client.patch(R.statefulsets, 'default', 'web', 'merge', { spec: { replicas: 1 } });
      await waitFor('scaled to 1', async () => (await get()).status?.replicas === 1);
      expect(seen).toEqual(['-web-2', '-web-1']);
    } finally {
      w.stop();
    }
  });
});
