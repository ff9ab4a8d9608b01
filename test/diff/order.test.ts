import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { kindRank, pruneOrder, syncOrder, syncPhase, syncWave } from '../../src/diff/index.js';
import { loadYaml } from './helpers.js';

const names = (objs: readonly KObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);

describe('syncOrder', () => {
  it('orders by phase, wave, kind table, then name', () => {
    const objs = loadYaml('ordering.yaml');
    expect(names(syncOrder(objs))).toEqual([
      'Job/db-migrate', // wave -1
      'Namespace/shop',
      'ResourceQuota/q',
      'ServiceAccount/web', // a wave that is not an integer counts as 0
      'Secret/creds',
      'ConfigMap/a-config',
      'ConfigMap/b-config',
      'Service/web',
      'Deployment/web',
      'Rollout/api',
      'Widget/w', // kinds the table does not know
      'Application/child',
      'ConfigMap/late', // wave 5
      'Job/smoke-test', // PostSync hook
    ]);
  });

  it('prunes in the exact reverse order and leaves its input alone', () => {
    const objs = loadYaml('ordering.yaml');
    const before = names(objs);
    expect(names(pruneOrder(objs))).toEqual(names(syncOrder(objs)).reverse());
    expect(names(objs)).toEqual(before);
  });

  it('reads waves and hook phases', () => {
    const o = (annotations: Record<string, string>): KObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', annotations },
    });
    expect(syncWave(o({ 'argocd.argoproj.io/sync-wave': ' 3 ' }))).toBe(3);
    expect(syncWave(o({ 'argocd.argoproj.io/sync-wave': '-2' }))).toBe(-2);
    expect(syncWave(o({ 'argocd.argoproj.io/sync-wave': '1.5' }))).toBe(0);
    expect(syncWave(o({}))).toBe(0);
    expect(syncPhase(o({ 'argocd.argoproj.io/hook': 'Skip,PreSync' }))).toBe('PreSync');
    expect(syncPhase(o({}))).toBe('Sync');
    expect(kindRank('Namespace')).toBeLessThan(kindRank('Deployment'));
    expect(kindRank('Unknown')).toBeLessThan(kindRank('Application'));
  });
});
