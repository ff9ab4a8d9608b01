import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/api/types.js';
import {
  aggregateHealth,
  applicationHealthOf,
  assessHealth,
  type HealthStatusCode,
  hasHealthCheck,
  isWorse,
} from '../../src/sync/health.js';

const EXPECT_STATUS = 'test.gantry.dev/health';
const EXPECT_MESSAGE = 'test.gantry.dev/message';

const fixtures = parseAllDocuments(readFileSync(join(import.meta.dirname, 'testdata', 'health.yaml'), 'utf8'))
  .map((d) => d.toJS() as KObject | null)
  .filter((d): d is KObject => d !== null);

function fixture(name: string): KObject {
  const o = fixtures.find((f) => f.metadata.name === name);
  if (!o) {
    throw new Error(`no fixture ${name}`);
  }
  return structuredClone(o);
}

describe('assessHealth: built-in rules', () => {
  it('has fixtures for every kind with a rule', () => {
    const kinds = new Set(fixtures.map((f) => f.kind));
    for (const k of ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Pod', 'Service', 'Job']) {
      expect(kinds.has(k)).toBe(true);
    }
    expect(fixtures.length).toBeGreaterThan(50);
  });

  it.each(fixtures.map((f) => [`${f.kind} ${f.metadata.name}`, f] as const))('%s', (_title, obj) => {
    const want = obj.metadata.annotations?.[EXPECT_STATUS];
    const wantMessage = obj.metadata.annotations?.[EXPECT_MESSAGE];
    const got = assessHealth(obj);
    expect(got.status).toBe(want);
    expect(got.message).toBe(wantMessage);
  });

  it('an absent object is Missing', () => {
    expect(assessHealth(undefined)).toEqual({ status: 'Missing' });
    expect(assessHealth(null)).toEqual({ status: 'Missing' });
  });

  it('a Deployment becomes Healthy once its rollout finishes', () => {
    const d = fixture('deploy-updating');
    expect(assessHealth(d).status).toBe('Progressing');
    d.status = { ...d.status, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 };
    expect(assessHealth(d)).toEqual({ status: 'Healthy' });
  });

  it('a Deployment without spec.replicas is judged against the default of 1', () => {
    const d = fixture('deploy-complete');
    delete d.spec.replicas;
    d.status = { observedGeneration: 2, replicas: 0, updatedReplicas: 0, availableReplicas: 0 };
    expect(assessHealth(d).message).toBe(
      'Waiting for rollout to finish: 0 out of 1 new replicas have been updated...',
    );
  });

  it('Rollout observedGeneration is compared as a number although Argo Rollouts writes a string', () => {
    const r = fixture('rollout-healthy');
    r.status.observedGeneration = '10';
    r.metadata.generation = 9;
    expect(assessHealth(r).status).toBe('Healthy');
    r.metadata.generation = 11;
    expect(assessHealth(r).status).toBe('Progressing');
  });

  it('a Progressing workload names a Degraded child pod, without changing its status', () => {
    const d = fixture('deploy-not-available');
    const crash = fixture('pod-crashloop');
    const ok = fixture('pod-ready');
    const got = assessHealth(d, [ok, crash]);
    expect(got.status).toBe('Progressing');
    expect(got.message).toBe(
      'Waiting for rollout to finish: 2 of 3 updated replicas are available... ' +
        '(pod pod-crashloop: back-off 40s restarting failed container=web pod=pod-crashloop_shop)',
    );
    expect(assessHealth(d, [ok])).toEqual(assessHealth(d));
    // A Healthy workload stays Healthy whatever its pods say.
    expect(assessHealth(fixture('deploy-complete'), [crash])).toEqual({ status: 'Healthy' });
  });

  it('a malformed status does not throw', () => {
    const p = fixture('pod-ready');
    p.status = { phase: 'Running', containerStatuses: [null, { state: null }], conditions: 'nope' };
    expect(assessHealth(p).status).toBe('Progressing');
  });

  it('knows which kinds have a health check', () => {
    expect(hasHealthCheck('apps', 'Deployment')).toBe(true);
    expect(hasHealthCheck('', 'Pod')).toBe(true);
    expect(hasHealthCheck('', 'ConfigMap')).toBe(false);
    expect(hasHealthCheck('argoproj.io', 'Rollout')).toBe(true);
  });
});

describe('aggregateHealth', () => {
  const cases: [HealthStatusCode[], HealthStatusCode][] = [
    [[], 'Healthy'],
    [['Healthy', 'Healthy'], 'Healthy'],
    [['Healthy', 'Suspended'], 'Suspended'],
    [['Suspended', 'Progressing', 'Healthy'], 'Progressing'],
    [['Progressing', 'Missing'], 'Missing'],
    [['Missing', 'Degraded', 'Progressing'], 'Degraded'],
    [['Degraded', 'Unknown'], 'Unknown'],
    [['Unknown', 'Healthy'], 'Unknown'],
  ];
  it.each(cases)('%j → %s', (input, want) => {
    expect(aggregateHealth(input)).toBe(want);
    expect(aggregateHealth([...input].reverse())).toBe(want);
  });

  it('accepts HealthStatus objects', () => {
    expect(aggregateHealth([{ status: 'Healthy' }, { status: 'Progressing', message: 'x' }])).toBe(
      'Progressing',
    );
  });

  it('orders severities as Argo CD does', () => {
    expect(isWorse('Healthy', 'Suspended')).toBe(true);
    expect(isWorse('Degraded', 'Missing')).toBe(false);
    expect(isWorse('Degraded', 'Unknown')).toBe(true);
    expect(isWorse('Progressing', 'Progressing')).toBe(false);
  });
});

describe('applicationHealthOf', () => {
  const res = (kind: string, name: string, status: HealthStatusCode, message?: string, group = '') => ({
    group,
    kind,
    namespace: 'shop',
    name,
    health: message === undefined ? { status } : { status, message },
  });

  it('is the worst resource health, naming the resource', () => {
    const h = applicationHealthOf([
      res('Service', 'web', 'Healthy'),
      res(
        'Deployment',
        'web',
        'Progressing',
        'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
        'apps',
      ),
    ]);
    expect(h).toEqual({
      status: 'Progressing',
      message:
        'Deployment shop/web progressing: Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
    });
  });

  it('counts how many resources share the worst status', () => {
    const h = applicationHealthOf([
      res('Pod', 'a', 'Degraded', 'boom'),
      res('Pod', 'b', 'Degraded'),
      res('Pod', 'c', 'Healthy'),
    ]);
    expect(h).toEqual({ status: 'Degraded', message: 'Pod shop/a and 1 more degraded: boom' });
  });

  it('ignores a missing resource of a kind without health', () => {
    expect(
      applicationHealthOf([res('ConfigMap', 'cfg', 'Missing'), res('Service', 'web', 'Healthy')]),
    ).toEqual({
      status: 'Healthy',
    });
    expect(applicationHealthOf([res('Deployment', 'web', 'Missing', undefined, 'apps')]).status).toBe(
      'Missing',
    );
  });

  it('ignores a child Application that is Missing or Unknown', () => {
    const child = (s: HealthStatusCode) => res('Application', 'child', s, undefined, 'argoproj.io');
    expect(applicationHealthOf([child('Missing'), child('Unknown')]).status).toBe('Healthy');
    expect(applicationHealthOf([child('Degraded')]).status).toBe('Degraded');
  });
});
