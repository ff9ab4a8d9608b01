// planDeployment, case by case: fence posts, the first ReplicaSet, a rolling step, do-nothing,
// paused, proportional scaling, undo (revision bump), history cleanup, progress deadline.
import { describe, expect, it } from 'vitest';
import { templateHash } from '../../../src/cluster/controllers/pod-template.js';
import { resolveFenceposts } from '../../../src/rollout/common/int-or-percent.js';
import {
  type DeploymentAction,
  POD_TEMPLATE_HASH,
  planDeployment,
  REVISION,
  REVISION_HISTORY,
} from '../../../src/rollout/deployment/plan.js';
import { Simulator } from '../simulator.js';
import { changeSpec, converge, deployment, step } from './fixtures.js';

const kinds = (as: DeploymentAction[]) =>
  as.map((a) => (a.kind === 'scaleRS' ? `scale ${a.rs.metadata.name} ${a.from}→${a.to}` : a.kind));

describe('resolveFenceposts', () => {
  it.each([
    [3, '25%', '25%', 1, 0],
    [10, '25%', '25%', 3, 2],
    [4, 0, 0, 0, 1],
    [4, '0%', '0%', 0, 1],
    [5, 2, '50%', 2, 2],
    [1, '25%', '25%', 1, 0],
    [0, '25%', '25%', 0, 0],
  ])('%d replicas, surge %s, unavailable %s → %d / %d', (replicas, s, u, surge, unavailable) => {
    expect(resolveFenceposts(s, u, replicas)).toEqual({ surge, unavailable });
  });
});

describe('planDeployment', () => {
  it('creates web-<hash> with the hash label, revision 1 and the replica annotations', () => {
    const d = deployment({ replicas: 4 });
    const plan = planDeployment(d, [], [], new Date('2024-01-01T00:00:00Z'));
    const create = plan.actions.find((a) => a.kind === 'createRS');
    const hash = templateHash(d.spec.template);
    expect(create?.kind === 'createRS' && create.rs).toMatchObject({
      metadata: {
        name: `web-${hash}`,
        labels: { app: 'web', [POD_TEMPLATE_HASH]: hash },
        annotations: {
          [REVISION]: '1',
          'deployment.kubernetes.io/desired-replicas': '4',
          'deployment.kubernetes.io/max-replicas': '5',
        },
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'deploy-uid', controller: true }],
      },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'web', [POD_TEMPLATE_HASH]: hash } },
        template: { metadata: { labels: { app: 'web', [POD_TEMPLATE_HASH]: hash } } },
      },
    });
    expect(kinds(plan.actions)).toEqual(['createRS', 'setRevision', 'setStatus']);
    expect(plan.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Progressing',
        reason: 'NewReplicaSetCreated',
        message: `Created new replica set "web-${hash}"`,
      }),
    );
  });

  it('does nothing on a converged Deployment', () => {
    const sim = new Simulator({ seed: 1, maxReadyDelay: 0 });
    const d = deployment();
    converge(sim, d);
    expect(planDeployment(d, sim.rsList(), sim.podList(), sim.now)).toEqual({
      actions: [],
      status: d.status,
    });
  });

  it('a rolling step: new ReplicaSet at 1 (surge), old down to 3 (unavailable) in the same pass', () => {
    const sim = new Simulator({ seed: 1, maxReadyDelay: 0 });
    const d = deployment({ replicas: 4 });
    converge(sim, d);
    changeSpec(d, (s) => {
      s.template.spec.containers[0].image = 'app:v2';
    });
    const [old] = sim.rsList();
    const plan = planDeployment(d, sim.rsList(), sim.podList(), sim.now);
    const created = plan.actions.find((a) => a.kind === 'createRS');
    expect(created?.kind === 'createRS' && created.rs.spec.replicas).toBe(1);
    expect(created?.kind === 'createRS' && created.rs.metadata.annotations?.[REVISION]).toBe('2');
    expect(kinds(plan.actions)).toContain(`scale ${old?.metadata.name} 4→3`);
  });

  it('paused: a template change creates nothing and marks Progressing DeploymentPaused', () => {
    const sim = new Simulator({ seed: 1, maxReadyDelay: 0 });
    const d = deployment();
    converge(sim, d);
    changeSpec(d, (s) => {
      s.paused = true;
      s.template.spec.containers[0].image = 'app:v2';
    });
    const plan = planDeployment(d, sim.rsList(), sim.podList(), sim.now);
    expect(kinds(plan.actions)).toEqual(['setStatus']);
    expect(plan.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused' }),
    );
  });

  it('scales proportionally when replicas change mid-rollout', () => {
    const sim = new Simulator({ seed: 1, brokenImages: ['app:v2'] });
    const d = deployment({ replicas: 4 });
    converge(sim, d);
    changeSpec(d, (s) => {
      s.template.spec.containers[0].image = 'app:v2';
    });
    for (let i = 0; i < 5; i++) {
      step(sim, d);
      sim.tick();
    }
    const size = (img: string) =>
      sim.rsList().find((rs) => rs.spec.template.spec.containers[0].image === img)?.spec.replicas;
    expect([size('app:v1'), size('app:v2')]).toEqual([3, 2]);
    changeSpec(d, (s) => {
      s.replicas = 8;
    });
    step(sim, d);
    expect([size('app:v1'), size('app:v2')]).toEqual([6, 4]);
  });

  it('undo: the old template reuses its ReplicaSet, with the next revision and a revision history', () => {
    const sim = new Simulator({ seed: 1, maxReadyDelay: 0 });
    const d = deployment();
    converge(sim, d);
    changeSpec(d, (s) => {
      s.template.spec.containers[0].image = 'app:v2';
    });
    converge(sim, d);
    changeSpec(d, (s) => {
      s.template.spec.containers[0].image = 'app:v1';
    });
    const plan = planDeployment(d, sim.rsList(), sim.podList(), sim.now);
    expect(plan.actions.some((a) => a.kind === 'createRS')).toBe(false);
    converge(sim, d);
    const v1 = sim.rsList().find((rs) => rs.spec.template.spec.containers[0].image === 'app:v1');
    expect(v1?.metadata.annotations).toMatchObject({ [REVISION]: '3', [REVISION_HISTORY]: '1' });
    expect(v1?.spec.replicas).toBe(4);
    expect(sim.rsList()).toHaveLength(2);
    expect(d.metadata.annotations?.[REVISION]).toBe('3');
  });

  it('deletes empty old ReplicaSets beyond revisionHistoryLimit, lowest revision first', () => {
    const sim = new Simulator({ seed: 1, maxReadyDelay: 0 });
    const d = deployment({ revisionHistoryLimit: 1 });
    converge(sim, d);
    for (const img of ['app:v2', 'app:v3', 'app:v4']) {
      changeSpec(d, (s) => {
        s.template.spec.containers[0].image = img;
      });
      converge(sim, d);
    }
    const left = sim
      .rsList()
      .map((rs) => [rs.spec.template.spec.containers[0].image, rs.metadata.annotations?.[REVISION]]);
    expect(left.sort()).toEqual([
      ['app:v3', '3'],
      ['app:v4', '4'],
    ]);
  });

  it('Progressing turns False with ProgressDeadlineExceeded once the deadline passes without progress', () => {
    const sim = new Simulator({ seed: 1, brokenImages: ['app:v2'] });
    const d = deployment({ progressDeadlineSeconds: 5 });
    converge(sim, d);
    changeSpec(d, (s) => {
      s.template.spec.containers[0].image = 'app:v2';
    });
    let plan = step(sim, d);
    expect(plan.requeueAfterMs).toBeGreaterThan(5000);
    for (let i = 0; i < 8; i++) {
      sim.tick();
      plan = step(sim, d);
    }
    const p = d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    expect(p).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(plan.requeueAfterMs).toBeUndefined();
  });
});
