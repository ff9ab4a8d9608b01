import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/types.js';
import { validObject } from '../fixtures.js';

function defaulted(kind: string, f: (o: KObject) => void = () => {}): KObject {
  const o = validObject(kind);
  f(o);
  applyDefaults(o);
  return o;
}

describe('workload defaults', () => {
  it('Deployment', () => {
    const d = defaulted('Deployment', (o) => delete o.spec.replicas);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.schedulerName).toBe('default-scheduler');
    // serviceAccountName is an admission default of pods, not of templates.
    expect(d.spec.template.spec.serviceAccountName).toBeUndefined();
    expect(d.spec.template.spec.containers[0].ports[0].protocol).toBe('TCP');
    expect(d.status).toBeUndefined();
  });

  it('Deployment keeps Recreate without rollingUpdate and fills a partial rollingUpdate', () => {
    expect(defaulted('Deployment', (o) => (o.spec.strategy = { type: 'Recreate' })).spec.strategy).toEqual({
      type: 'Recreate',
    });
    expect(
      defaulted('Deployment', (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 1 } })).spec.strategy,
    ).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' },
    });
    expect(defaulted('Deployment').spec.replicas).toBe(3);
  });

  it('ReplicaSet', () => {
    const rs = defaulted('ReplicaSet', (o) => delete o.spec.replicas);
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it('DaemonSet', () => {
    const ds = defaulted('DaemonSet');
    expect(ds.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(ds.spec.template.spec.containers[0].ports[0].hostPort).toBe(9100);
    expect(
      defaulted('DaemonSet', (o) => (o.spec.updateStrategy = { type: 'OnDelete' })).spec.updateStrategy,
    ).toEqual({ type: 'OnDelete' });
  });

  it('StatefulSet', () => {
    const s = defaulted('StatefulSet', (o) => delete o.spec.replicas);
    expect(s.spec.replicas).toBe(1);
    expect(s.spec.podManagementPolicy).toBe('OrderedReady');
    expect(s.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(s.spec.revisionHistoryLimit).toBe(10);
    expect(s.spec.serviceName).toBe('db');
    expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
  });

  it.each<[string, Record<string, unknown>, number, number]>([
    ['both unset', {}, 1, 1],
    ['completions only', { completions: 5 }, 5, 1],
    ['parallelism only', { parallelism: 3 }, Number.NaN, 3],
    ['both set', { completions: 4, parallelism: 2 }, 4, 2],
  ])('Job %s', (_name, extra, completions, parallelism) => {
    const j = defaulted('Job', (o) => Object.assign(o.spec, extra));
    if (Number.isNaN(completions)) {
      expect(j.spec.completions).toBeUndefined();
    } else {
      expect(j.spec.completions).toBe(completions);
    }
    expect(j.spec.parallelism).toBe(parallelism);
    expect(j.spec.backoffLimit).toBe(6);
    expect(j.spec.completionMode).toBe('NonIndexed');
    expect(j.spec.suspend).toBe(false);
  });

  it('Job leaves a missing template restartPolicy for validation to reject', () => {
    const j = defaulted('Job', (o) => delete o.spec.template.spec.restartPolicy);
    expect(j.spec.template.spec.restartPolicy).toBeUndefined();
    expect(j.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('Rollout canary and blue/green', () => {
    const canary = defaulted('Rollout', (o) => delete o.spec.replicas);
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.revisionHistoryLimit).toBe(10);
    expect(canary.spec.progressDeadlineSeconds).toBe(600);
    expect(canary.spec.strategy.canary.maxSurge).toBe('25%');
    expect(canary.spec.strategy.canary.maxUnavailable).toBe('25%');
    expect(canary.spec.strategy.canary.steps).toHaveLength(4);
    expect(canary.spec.template.spec.restartPolicy).toBe('Always');
    const bg = defaulted(
      'Rollout',
      (o) => (o.spec.strategy = { blueGreen: { activeService: 'web', autoPromotionEnabled: false } }),
    );
    expect(bg.spec.strategy).toEqual({
      blueGreen: {
        activeService: 'web',
        autoPromotionEnabled: false,
        scaleDownDelaySeconds: 30,
        abortScaleDownDelaySeconds: 30,
      },
    });
  });
});
